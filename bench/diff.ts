// The timings the specs used to assert: kubehop diff of the default topology against itself (every
// request traced twice), and validate refusing YAML alias bombs (the check counts, it never expands).
// In bench/run.ts: `npm run bench -- diff`. Alone: node --import tsx bench/diff.ts
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { main } from "../lib/cli/main.ts";
import { median, printTable, row } from "./report.ts";

const DEFAULT = "topologies/default.yaml";
const RUNS = 5;

/** Median wall time in ms of `kubehop ARGV` in this process, after one warm-up; the exit code must be `code`. */
async function medianMs(argv: string[], code: number): Promise<number> {
  const io = { stdout: () => {}, stderr: () => {}, readStdin: async () => "" };
  const once = async (): Promise<number> => {
    const t0 = performance.now();
    const got = await main(argv, io);
    if (got !== code) throw new Error(`kubehop ${argv.join(" ")} exited ${got}, expected ${code}`);
    return performance.now() - t0;
  };
  await once();
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) times.push(await once());
  return median(times);
}

export async function diffBench(): Promise<void> {
  row(
    `diff: ${DEFAULT} against itself (120 requests, each traced twice)`,
    `${(await medianMs(["diff", "-t", DEFAULT, "-t", DEFAULT], 0)).toFixed(0)} ms`,
    "< 5 s (the spec once asserted it)",
  );
  row(
    "validate: the alias bomb of spec/fixtures/bad",
    `${(await medianMs(["validate", "-t", "spec/fixtures/bad/alias-bomb.yaml"], 2)).toFixed(0)} ms`,
    "< 1 s",
  );
  const dir = mkdtempSync(join(tmpdir(), "kubehop-bench-bomb-"));
  try {
    const lines = [
      "apiVersion: v1",
      "kind: ConfigMap",
      "metadata:",
      "  name: lol",
      "data:",
      '  a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
    ];
    for (let i = 1; i <= 40; i++)
      lines.push(
        `  a${i}: &a${i} [${Array(10)
          .fill(`*a${i - 1}`)
          .join(",")}]`,
      );
    const file = join(dir, "bomb.yaml");
    writeFileSync(file, `${lines.join("\n")}\n`);
    row(
      "validate: an alias bomb of 10^40 values",
      `${(await medianMs(["validate", "-t", file], 2)).toFixed(0)} ms`,
      "< 1 s",
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  await diffBench();
  printTable();
}
