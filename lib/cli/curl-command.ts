// kubehop curl -f TOPO [--from LOC] [curl's flags] URL: a command pasted from shell history, followed
// through DNS, the LB, kube-proxy, the ingress controller and back. Flags that change the request are
// modelled; the rest are accepted and listed on stderr as having no effect on the path.
import { existsSync } from "node:fs";
import { traceText } from "../output/trace-text.ts";
import { isSuccess, type Trace } from "../trace/types.ts";
import { chooseBranches, onlyBranches } from "./branch-select.ts";
import type { CommandRun } from "./command.ts";
import { commandLine, inertFlags, splitCurlArgs } from "./curl-args.ts";
import { curlRequest } from "./curl-request.ts";
import { EXIT } from "./io.ts";
import { loadWithProgress, refuseWarnings } from "./load-topology.ts";
import { diagnostic } from "../model/diagnostic.ts";
import { diagnosticLines } from "../output/diagnostics.ts";
import { drawing, mermaidOf, structured, writeTraceSvg } from "./trace-output.ts";

/** curl's exit code for an HTTP response of 400 or above under --fail. */
const HTTP_ERROR = 22;

export const run: CommandRun = async (args, io) => {
  const words = splitCurlArgs(args.positionals, existsSync);
  const line = commandLine(words);
  const request = curlRequest(line.url, words.given);
  const inert = inertFlags(words.given);
  const how = drawing(line.view, !line.reply, line.svg);
  const notes = [
    ...(inert.length ? [`not modelled, no effect on the path: ${inert.join(", ")}`] : []),
    ...request.unread,
  ];
  io.stderr(diagnosticLines(notes.map((note) => diagnostic("curl-option-ignored", undefined, note))));

  const topo = loadWithProgress(line.topology, {
    cache: line.cache,
    strict: line.strict,
    ...(line.dumps !== undefined ? { dumps: line.dumps } : {}),
  });
  const trace = topo.curl(request.url, {
    ...(line.from ? { from: line.from } : {}),
    ...(line.namespace !== undefined ? { namespace: line.namespace } : {}),
    ...(request.headers.length ? { headers: request.headers } : {}),
    ...(request.method ? { method: request.method } : {}),
    ...(request.resolve ? { resolve: request.resolve } : {}),
    ...(line.insecure ? { insecure: true } : {}),
    ...(line.authVerdict ? { authVerdict: line.authVerdict } : {}),
    ...(line.follow ? { follow: true } : {}),
    ...(line.traceDns ? { traceDns: true } : {}),
  });
  const all = [...(trace.dns ? [trace.dns] : []), trace, ...(trace.followed ?? [])];
  if (line.strict) for (const t of all) refuseWarnings(t.diagnostics);
  const pick = (t: Trace) => chooseBranches(t, line.branch, line.seed);
  const last = all.at(-1)!;
  await writeTraceSvg(topo.cluster, last, pick(last), line.svg, io, how);
  if (line.format === "json" || line.format === "yaml") {
    const followed = trace.followed ? { followed: trace.followed.map((f) => onlyBranches(f, pick(f))) } : {};
    io.stdout(structured(line.format, { ...onlyBranches(trace, pick(trace)), ...followed }));
  } else if (line.format === "mermaid") io.stdout(await mermaidOf(last, pick(last), how.reply));
  else {
    const options = {
      columns: io.columns ?? 100,
      color: io.color ?? false,
      verbose: line.verbose,
      picked: line.all || line.branch !== undefined || line.seed !== undefined,
    };
    io.stdout(all.map((t) => traceText(t, pick(t), options)).join("\n"));
  }
  return exitCode(last, line.fail);
};

/** Today's rule (1 when a branch fails), and curl's 22 under --fail when the answer is an HTTP error. */
function exitCode(last: Trace, fail: boolean): number {
  if (fail && last.branches.some((b) => (b.http?.status ?? 0) >= 400)) return HTTP_ERROR;
  return last.branches.every((b) => isSuccess(b.disposition) && (!b.reply || isSuccess(b.reply.disposition)))
    ? EXIT.ok
    : EXIT.failed;
}
