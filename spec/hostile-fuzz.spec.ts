// Issue 14's property: random byte and structure damage to real inputs (the bundled topologies, the
// dumps example's node files, the corpus's manifests and iptables pastes) never gives a stack trace, an
// internal error, a hang or a memory blow-up. The cases run in a child process with a capped heap, so a
// runaway allocation kills the child instead of the suite; the child prints a line per case, and a case
// that prints nothing for WATCHDOG_MS is a hang, named by its `start` line. Seeded: same cases each run.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { expect } from "chai";

const ROOT = new URL("..", import.meta.url).pathname;
const WORKER = join(ROOT, "spec/support/hostile-fuzz-worker.ts");
/** Far beyond any case's normal time (milliseconds): only a hang trips it. */
const WATCHDOG_MS = 20_000;
const HEAP_MB = 512;
const RSS_BOUND_MB = 1024;

interface WorkerRun {
  code: number | string;
  lines: string[];
  hung?: string;
}

function runWorker(seed: number, count: number): Promise<WorkerRun> {
  const child = spawn(
    process.execPath,
    [`--max-old-space-size=${HEAP_MB}`, "--import", "tsx", WORKER, `${seed}`, `${count}`],
    {
      cwd: ROOT,
    },
  );
  const lines: string[] = [];
  let partial = "";
  let hung: string | undefined;
  let watchdog: NodeJS.Timeout;
  const arm = () => {
    clearTimeout(watchdog);
    watchdog = setTimeout(() => {
      hung = lines.findLast((l) => l.startsWith("start ")) ?? "(before the first case)";
      child.kill("SIGKILL");
    }, WATCHDOG_MS);
  };
  arm();
  child.stdout.on("data", (d: Buffer) => {
    arm();
    const parts = (partial + d.toString()).split("\n");
    partial = parts.pop()!;
    lines.push(...parts);
  });
  let err = "";
  child.stderr.on("data", (d: Buffer) => (err += d.toString()));
  return new Promise((resolve) =>
    child.on("exit", (c, s) => {
      clearTimeout(watchdog);
      if (err) lines.push(`stderr: ${err.slice(0, 2000)}`);
      resolve({ code: s ?? c ?? -1, lines, ...(hung ? { hung } : {}) });
    }),
  );
}

describe("hostile input: damaged real inputs through the command line", function () {
  this.timeout(240_000);

  it("400 damaged copies: exit 0, 1 or 2, no stack trace, no hang, memory bounded", async () => {
    const run = await runWorker(20261205, 400);
    expect(run.hung, `hung at: ${run.hung}`).to.equal(undefined);
    const last = run.lines.findLast((l) => l.startsWith("start ")) ?? "";
    expect(run.code, `worker died (heap cap ${HEAP_MB} MB?) at: ${last}\n${run.lines.slice(-3).join("\n")}`).to.equal(
      0,
    );
    expect(run.lines.at(-1)).to.equal("finished");
    const bad = run.lines.filter((l) => l.startsWith("bad "));
    const cases = new Map(run.lines.filter((l) => l.startsWith("start ")).map((l) => [l.split(" ")[1], l]));
    expect(bad.map((b) => `${cases.get(b.split(" ")[1])}\n  ${b}`)).to.deep.equal([]);
    const done = run.lines.filter((l) => l.startsWith("done "));
    expect(done).to.have.length(400);
    const rss = Math.max(...done.map((l) => Number(l.split(" ")[2])));
    expect(rss, "largest resident size, MB").to.be.below(RSS_BOUND_MB);
  });
});
