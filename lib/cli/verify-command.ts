// `kubehop verify -t TOPO [--repeat N] [--request 'FROM TO [PROTO] [SIZE]' ...] [--only] [--alpha A] [--json]`:
// the simulator against the real kernel. Exit 0 all agree, 1 any disagreement or nothing verified
// (not root, no namespaces: said plainly; --allow-skip makes that 0), 2 bad input.
import { loadWithProgress } from "./load-topology.ts";
import { reportJson, reportText } from "../verify/report.ts";
import { parseRequest, type VerifyRequest } from "../verify/requests.ts";
import { verify } from "../verify/verify.ts";
import { type CommandRun, dumpsOption } from "./command.ts";
import { EXIT, int, required, UsageError } from "./io.ts";
import { safeLines } from "../output/terminal.ts";

export const run: CommandRun = async (args, io) => {
  const values = args.values as {
    topology?: string;
    repeat?: string;
    request?: string[];
    only?: boolean;
    alpha?: string;
    timeout?: string;
    json?: boolean;
    output?: string;
    "no-cache"?: boolean;
    strict?: boolean;
    "allow-skip"?: boolean;
  };
  const path = required(values.topology, "-f TOPO");
  const repeat = values.repeat === undefined ? 30 : int(values.repeat, "--repeat", 1, 1000);
  const timeoutMs = values.timeout === undefined ? 1000 : int(values.timeout, "--timeout (ms)", 100, 30_000);
  const alpha = values.alpha === undefined ? 0.001 : Number(values.alpha);
  if (!(alpha > 0 && alpha < 1))
    throw new UsageError(`--alpha ${values.alpha}: expected a probability between 0 and 1`);
  const requests: VerifyRequest[] = [];
  for (const text of values.request ?? []) {
    const r = parseRequest(text);
    if (typeof r === "string") throw new UsageError(r);
    requests.push(r);
  }
  if (values.only && requests.length === 0) throw new UsageError("--only needs at least one --request");
  const topo = loadWithProgress(path, {
    cache: !values["no-cache"],
    strict: values.strict === true,
    ...dumpsOption(args),
  });
  const log = (line: string) => io.stderr(`verify: ${line}\n`);
  const rep = await verify(topo, { repeat, alpha, timeoutMs, requests, only: values.only ?? false, log });
  io.stdout(
    values.json || values.output === "json"
      ? `${JSON.stringify(reportJson(rep, path), null, 2)}\n`
      : safeLines(reportText(rep, path)),
  );
  if (rep.rows.some((r) => r.verdict === "disagree")) return EXIT.failed;
  // A run that compared nothing (skipped, or every request unverifiable) must not pass CI unseen.
  if (rep.rows.some((r) => r.verdict === "agree" && r.attempts > 0)) return EXIT.ok;
  if (values["allow-skip"]) return EXIT.ok;
  io.stderr(
    `kubehop verify: nothing was verified${rep.skipped ? ` (${rep.skipped})` : ""}; --allow-skip exits 0 then\n`,
  );
  return EXIT.failed;
};
