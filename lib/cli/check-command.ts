// kubehop check -t TOPO [FILE] [--junit FILE]: run the expectations (the Topology's `expect:` list,
// then FILE's), print a pass/fail table and the trace of each failure; exit 1 if any failed.
import { Topology } from "../topology.ts";
import { contextFor } from "../assert/context.ts";
import {
  type CompiledExpectation,
  compile,
  type ExpectationSource,
  requestText,
  runExpectations,
} from "../assert/expectations.ts";
import { junitXml } from "../assert/junit.ts";
import { writeWhole } from "../output/files.ts";
import { buildCluster } from "../control/build.ts";
import { InputError, type InputProblem, problem } from "../input/errors.ts";
import { loadInput, validate } from "../input/load.ts";
import { readSources } from "../input/source.ts";
import { ExpectationsSchema } from "../input/topology-schema.ts";
import { parseDocuments } from "../input/yaml-documents.ts";
import { type CommandRun, dumpsOption, flag, topologyPath, str } from "./command.ts";
import { refuseWarnings } from "./load-topology.ts";
import { formatDiagnostic } from "../output/diagnostics.ts";
import { safe } from "../output/terminal.ts";
import { EXIT, UsageError } from "./io.ts";
import { progress } from "./progress.ts";

export const run: CommandRun = async (args, io) => {
  const { positionals } = args;
  const junit = str(args, "junit");
  if (junit === "") throw new UsageError("--junit needs a file name");
  const input = { ...loadInput(topologyPath(args)), ...dumpsOption(args) };
  const topology = new Topology(buildCluster(input));
  if (flag(args, "strict")) refuseWarnings(topology.cluster.diagnostics);
  const ctx = contextFor(topology.cluster);

  const sources: ExpectationSource[] = [];
  const t = input.topology;
  t?.obj.expect?.forEach((expectation, i) => {
    sources.push({
      expectation,
      file: t.src.file,
      label: `Topology: expect[${i}]`,
      at: (p = []) => t.src.at(["expect", i, ...p]),
    });
  });
  const problems: InputProblem[] = [];
  if (positionals[0] !== undefined) sources.push(...expectationFile(positionals[0], problems));
  if (problems.length) throw new InputError(problems);
  if (sources.length === 0) {
    throw new UsageError(
      `no expectations: add an expect: list to the ` +
        `Topology${positionals[0] === undefined ? ", or give a file of kind: Expectations" : ""}`,
    );
  }
  // Usage errors above stand alone; once the run is on, the topology's warnings precede its verdicts.
  for (const d of topology.cluster.diagnostics) if (d.severity === "warning") io.stderr(`${formatDiagnostic(d)}\n`);

  const compiled = sources
    .map((s) => compile(s, ctx, problems))
    .filter((c): c is CompiledExpectation => c !== undefined);
  if (problems.length) throw new InputError(problems);
  // Thousands of expectations take a while: say how far along, on a terminal only.
  const bar = progress("checking", compiled.length);
  const results: ReturnType<typeof runExpectations> = [];
  for (let i = 0; i < compiled.length; i += 50) {
    results.push(...runExpectations(topology, ctx, compiled.slice(i, i + 50), problems));
    bar.step(results.length);
  }
  bar.done();
  if (problems.length) throw new InputError(problems);

  const failed = results.filter((r) => !r.verdict.pass);
  const lines = results.map((r) => `${r.verdict.pass ? "PASS" : "FAIL"}  ${r.expectation.name}`);
  for (const r of failed) {
    const e = r.expectation;
    lines.push(
      "",
      `FAIL  ${e.name}`,
      `  at ${e.origin.file}:${e.origin.line}:${e.origin.col}: ${requestText(e.request)}`,
      ...r.verdict.message.split("\n").map((l) => (l ? `  ${l}` : l)),
    );
  }
  lines.push("", `${results.length - failed.length} passed, ${failed.length} failed`);
  // Expectation names and requests come from the user's file: nothing in them may drive the terminal.
  io.stdout(`${lines.map(safe).join("\n")}\n`);
  if (junit !== undefined) {
    writeWhole(junit, junitXml(results));
    io.stderr(`wrote ${junit}\n`);
  }
  return failed.length ? EXIT.failed : EXIT.ok;
};

/** A file of `kind: Expectations` documents (one or more). */
function expectationFile(file: string, problems: InputProblem[]): ExpectationSource[] {
  const out: ExpectationSource[] = [];
  for (const src of readSources(file).flatMap(parseDocuments)) {
    if (src.kind !== "Expectations") {
      problems.push(
        problem(
          "wrong-kind",
          src.at(["kind"]),
          `kind ${src.kind}: an expectations file holds kind: Expectations documents (apiVersion: ` +
            `kubehop.io/v1alpha1, expect: [...]); a Topology's own expect: list is read from -t`,
        ),
      );
      continue;
    }
    const obj = validate(ExpectationsSchema, src, problems);
    obj?.expect.forEach((expectation, i) => {
      out.push({
        expectation,
        file: src.file,
        label: `Expectations: expect[${i}]`,
        at: (p = []) => src.at(["expect", i, ...p]),
      });
    });
  }
  return out;
}
