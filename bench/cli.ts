// Issue 11's start-up figures: the built command line (node bin/kubehop.js, running dist/) spawned
// as a user runs it, each row the median CPU time (user + sys) of the child over several runs,
// beside `node -e 0` measured in the same run, since on a shared machine only ratios compare.
// In bench/run.ts: `npm run bench -- cli`. Alone: node --import tsx bench/cli.ts
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { median, printTable, row } from "./report.ts";
import { ensureBuilt } from "../scripts/ensure-built.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const TOPOLOGY = "topologies/default.yaml";
/** Runs per row after one discarded warm-up (which fills the disk cache). */
const RUNS = 7;

interface Row {
  readonly name: string;
  readonly args: readonly string[];
  /** CPU budget in ms, or a multiple of `node -e 0` when `times` is set. */
  readonly budget: { readonly ms: number } | { readonly times: number };
}

export function cliBench(): void {
  ensureBuilt((line) => console.error(`  cli: ${line}`));
  const out = mkdtempSync(join(tmpdir(), "kubehop-bench-cli-"));
  try {
    const node = medianCpu(["-e", "0"]);
    row("cli: node -e 0 (the baseline)", `${node.toFixed(0)} ms CPU`, "-");
    const rows: Row[] = [
      { name: "kubehop --help", args: ["--help"], budget: { times: 2 } },
      { name: `kubehop validate -t ${TOPOLOGY}`, args: ["validate", "-t", TOPOLOGY], budget: { ms: 500 } },
      {
        name: `kubehop curl -t ${TOPOLOGY} https://shop.example.com/api/cart --branch 1`,
        args: ["curl", "-t", TOPOLOGY, "https://shop.example.com/api/cart", "--branch", "1"],
        budget: { ms: 500 },
      },
      {
        name: `kubehop diagram -t ${TOPOLOGY} -o TMP.svg`,
        args: ["diagram", "-t", TOPOLOGY, "-o", join(out, "cluster.svg")],
        budget: { ms: 1200 },
      },
    ];
    for (const r of rows) {
      const ms = medianCpu(["bin/kubehop.js", ...r.args]);
      const target = "ms" in r.budget ? `<= ${r.budget.ms / 1000} s CPU` : `<= ${r.budget.times}x node -e 0`;
      row(`cli: ${r.name}`, `${ms.toFixed(0)} ms CPU, ${(ms / node).toFixed(1)}x node -e 0`, target);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** Median CPU ms of `node ARGS` over RUNS runs, after a warm-up; a run that fails stops the bench. */
function medianCpu(args: readonly string[]): number {
  const cpu = (): number => {
    // bash's `times` prints its children's user and sys time: here, exactly the node process's.
    const run = spawnSync(
      "bash",
      ["-c", '"$@" >/dev/null; status=$?; times; exit $status', "bash", process.execPath, ...args],
      { cwd: ROOT, encoding: "utf8" },
    );
    if (run.status !== 0) throw new Error(`node ${args.join(" ")} exited ${run.status}: ${run.stderr.trim()}`);
    const children = run.stdout.trim().split("\n")[1] ?? "";
    const seconds = [...children.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
    if (seconds.length !== 2) throw new Error(`unexpected output of bash's times: ${JSON.stringify(run.stdout)}`);
    return (seconds[0]! + seconds[1]!) * 1000;
  };
  cpu();
  return median(Array.from({ length: RUNS }, cpu));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  cliBench();
  printTable();
}
