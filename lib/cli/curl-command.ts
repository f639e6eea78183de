// kubehop curl -t TOPO [--from LOC] [-H 'Header: v'] [-X METHOD] [--resolve H:P:A] [-k] [-L] URL [--json]
import { parseArgs } from "node:util";
import { traceText } from "../output/trace-text.ts";
import { loadWithProgress } from "./load-topology.ts";
import { isSuccess, type Trace } from "../trace/types.ts";
import { chooseBranches, onlyBranches } from "./branch-select.ts";
import { mermaidOf, outputFormat, writeTraceSvg } from "./diagram-command.ts";
import { type CommandIO, EXIT, required, UsageError } from "./io.ts";

export async function curlCommand(argv: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: true,
    options: {
      topology: { type: "string", short: "t" },
      from: { type: "string" },
      header: { type: "string", short: "H", multiple: true },
      request: { type: "string", short: "X" },
      resolve: { type: "string", multiple: true },
      insecure: { type: "boolean", short: "k" },
      location: { type: "boolean", short: "L" },
      "trace-dns": { type: "boolean" },
      all: { type: "boolean" },
      branch: { type: "string" },
      seed: { type: "string" },
      json: { type: "boolean" },
      format: { type: "string" },
      svg: { type: "string" },
    },
  });
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? "missing URL" : `one URL at a time (got ${positionals.join(", ")})`);
  const format = outputFormat(values.format, values.json);
  const topo = loadWithProgress(required(values.topology, "-t TOPO"));
  const trace = topo.curl(positionals[0]!, {
    ...(values.from ? { from: values.from } : {}),
    ...(values.header ? { headers: values.header } : {}),
    ...(values.request ? { method: values.request } : {}),
    ...(values.resolve ? { resolve: values.resolve } : {}),
    ...(values.insecure ? { insecure: true } : {}),
    ...(values.location ? { follow: true } : {}),
    ...(values["trace-dns"] ? { traceDns: true } : {}),
  });
  const all = [...(trace.dns ? [trace.dns] : []), trace, ...(trace.followed ?? [])];
  const pick = (t: Trace) => chooseBranches(t, values.branch, values.seed);
  const json = { ...onlyBranches(trace, pick(trace)), ...(trace.followed ? { followed: trace.followed.map((f) => onlyBranches(f, pick(f))) } : {}) };
  const last = all.at(-1)!;
  writeTraceSvg(topo.cluster, last, pick(last), values.svg);
  io.stdout(format === "json" ? `${JSON.stringify(json, null, 2)}\n` : format === "mermaid" ? mermaidOf(last, pick(last)) : all.map((t) => traceText(t, pick(t))).join("\n"));
  return last.branches.every((b) => isSuccess(b.disposition) && (!b.reply || isSuccess(b.reply.disposition))) ? EXIT.ok : EXIT.failed;
}
