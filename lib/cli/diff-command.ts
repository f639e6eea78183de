// kubehop diff -t BEFORE -t AFTER [--requests FILE] [--brief]: the requests whose outcome changed between two
// topologies (dispositions, destinations, client IP kept or lost), with both traces (--brief: without). Exit 1 if any
// changed.
import { loadWithProgress } from "./load-topology.ts";
import { requestOf, requestText } from "../assert/expectations.ts";
import { diffText, diffTopologies } from "../diff/diff.ts";
import { type DiffRequest, defaultRequests, unionRequests } from "../diff/requests.ts";
import { InputError, type InputProblem, problem } from "../input/errors.ts";
import { validate } from "../input/load.ts";
import { readSources } from "../input/source.ts";
import { ExpectationsSchema } from "../input/topology-schema.ts";
import { parseDocuments } from "../input/yaml-documents.ts";
import { type CommandRun, flag, list, loadOptions, str } from "./command.ts";
import { EXIT, UsageError } from "./io.ts";
import { safeLines } from "../output/terminal.ts";

export const run: CommandRun = async (args, io) => {
  const topologies = list(args, "topology");
  if (topologies.length !== 2)
    throw new UsageError(`give two topologies: -f BEFORE -f AFTER (got ${topologies.length})`);
  const [beforePath, afterPath] = topologies as [string, string];
  const before = loadWithProgress(beforePath, { ...loadOptions(args), warn: (l: string) => io.stderr(`${l}\n`) });
  const after = loadWithProgress(afterPath, { ...loadOptions(args), warn: (l: string) => io.stderr(`${l}\n`) });
  const requestsPath = str(args, "requests");
  const requests =
    requestsPath !== undefined
      ? requestsFile(requestsPath)
      : unionRequests(defaultRequests(before.cluster), defaultRequests(after.cluster));
  const result = diffTopologies(before, after, requests);
  io.stdout(safeLines(diffText(result, { before: beforePath, after: afterPath }, { traces: !flag(args, "brief") })));
  return result.changed.length ? EXIT.failed : EXIT.ok;
};

/** The requests of a `kind: Expectations` file; its assertions are not needed here. */
function requestsFile(file: string): DiffRequest[] {
  const problems: InputProblem[] = [];
  const out: DiffRequest[] = [];
  for (const src of readSources(file).flatMap(parseDocuments)) {
    if (src.kind !== "Expectations") {
      problems.push(
        problem(
          "wrong-kind",
          src.at(["kind"]),
          `kind ${src.kind}: --requests takes a file of kind: Expectations documents (their requests are compared, ` +
            `their assertions ignored)`,
        ),
      );
      continue;
    }
    for (const e of validate(ExpectationsSchema, src, problems)?.expect ?? []) {
      const spec = requestOf(e);
      // The start is fixed by the file (a curl without from: starts at the first client).
      const from = spec.kind === "curl" ? (spec.options.from ?? "") : spec.query.from;
      out.push({ key: e.name ?? requestText(spec), from: { kind: "location", location: from }, request: () => spec });
    }
  }
  if (problems.length) throw new InputError(problems);
  return out;
}
