// kubehop trace -f TOPO --from LOC --to DEST [-n NS] [--proto] [--src] [--sport] [--size] [--all|--branch K|--seed N]
// [-o FORMAT]
import type { L4 } from "../model/packet.ts";
import { traceText } from "../output/trace-text.ts";
import { chooseBranches, onlyBranches } from "./branch-select.ts";
import { type CommandRun, flag, loadOptions, outputFormat, str, topologyPath } from "./command.ts";
import { EXIT, int, required, UsageError } from "./io.ts";
import { loadWithProgress, refuseWarnings } from "./load-topology.ts";
import { drawing, mermaidOf, structured, TRACE_FORMATS, writeTraceSvg } from "./trace-output.ts";

const PROTOCOLS = ["tcp", "udp", "icmp", "sctp"];

export const run: CommandRun = async (args, io) => {
  const proto = (str(args, "proto") ?? "tcp").toLowerCase();
  if (!PROTOCOLS.includes(proto))
    throw new UsageError(`--proto ${str(args, "proto")}: expected tcp, udp, icmp or sctp`);
  const [branch, seed] = [str(args, "branch"), str(args, "seed")];
  if ([flag(args, "all") || undefined, branch, seed].filter((v) => v !== undefined).length > 1)
    throw new UsageError("give at most one of --all, --branch K, --seed N");
  const format = outputFormat(args, TRACE_FORMATS);
  const how = drawing(str(args, "view"), flag(args, "no-reply"), str(args, "svg"));
  const topo = loadWithProgress(topologyPath(args), loadOptions(args));
  const namespace = str(args, "namespace");
  const [src, sport, size] = [str(args, "src"), str(args, "sport"), str(args, "size")];
  const t = topo.trace({
    from: required(str(args, "from"), "--from LOC"),
    to: required(str(args, "to"), "--to DEST"),
    proto: proto as L4,
    ...(namespace !== undefined ? { namespace } : {}),
    ...(src !== undefined ? { src } : {}),
    ...(sport !== undefined ? { sport: int(sport, "--sport", 1, 65535) } : {}),
    ...(size !== undefined ? { size: int(size, "--size", 28, 65535) } : {}),
  });
  // The rules of node dumps are read as a trace enters their nodes: their warnings come with the trace.
  if (flag(args, "strict")) refuseWarnings(t.diagnostics);
  const chosen = chooseBranches(t, branch, seed);
  await writeTraceSvg(topo.cluster, t, chosen, str(args, "svg"), io, how);
  if (format === "json" || format === "yaml") io.stdout(structured(format, onlyBranches(t, chosen)));
  else if (format === "mermaid") io.stdout(await mermaidOf(t, chosen, how.reply));
  else {
    const picked = flag(args, "all") || branch !== undefined || seed !== undefined;
    io.stdout(
      traceText(t, chosen, {
        columns: io.columns ?? 100,
        color: io.color ?? false,
        verbose: flag(args, "verbose") || format === "wide",
        picked,
      }),
    );
  }
  return EXIT.ok;
};
