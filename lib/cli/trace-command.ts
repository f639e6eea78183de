// kubehop trace -t TOPO --from LOC --to DEST [--proto] [--src] [--sport] [--size] [--all|--branch K|--seed N] [--json]
import { parseArgs } from "node:util";
import type { L4 } from "../dataplane/packet.ts";
import { traceText } from "../output/trace-text.ts";
import { loadWithProgress } from "./load-topology.ts";
import { chooseBranches, onlyBranches } from "./branch-select.ts";
import { mermaidOf, outputFormat, writeTraceSvg } from "./diagram-command.ts";
import { type CommandIO, EXIT, int, required, UsageError } from "./io.ts";

export async function traceCommand(argv: string[], io: CommandIO): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      topology: { type: "string", short: "t" },
      from: { type: "string" },
      to: { type: "string" },
      proto: { type: "string" },
      src: { type: "string" },
      sport: { type: "string" },
      size: { type: "string" },
      all: { type: "boolean" },
      branch: { type: "string" },
      seed: { type: "string" },
      json: { type: "boolean" },
      format: { type: "string" },
      svg: { type: "string" },
    },
  });
  const topology = required(values.topology, "-t TOPO");
  const proto = (values.proto ?? "tcp").toLowerCase();
  if (!["tcp", "udp", "icmp", "sctp"].includes(proto)) throw new UsageError(`--proto ${values.proto}: expected tcp, udp, icmp or sctp`);
  const picks = [values.all, values.branch, values.seed].filter((v) => v !== undefined);
  if (picks.length > 1) throw new UsageError("give at most one of --all, --branch K, --seed N");
  const format = outputFormat(values.format, values.json);
  const topo = loadWithProgress(topology);
  const t = topo.trace({
    from: required(values.from, "--from LOC"),
    to: required(values.to, "--to DEST"),
    proto: proto as L4,
    ...(values.src !== undefined ? { src: values.src } : {}),
    ...(values.sport !== undefined ? { sport: int(values.sport, "--sport", 1, 65535) } : {}),
    ...(values.size !== undefined ? { size: int(values.size, "--size", 28, 65535) } : {}),
  });
  const chosen = chooseBranches(t, values.branch, values.seed);
  writeTraceSvg(topo.cluster, t, chosen, values.svg);
  io.stdout(format === "json" ? `${JSON.stringify(onlyBranches(t, chosen), null, 2)}\n` : format === "mermaid" ? mermaidOf(t, chosen) : traceText(t, chosen));
  return EXIT.ok;
}

