// Runs kubehop's command line in-process on damaged copies of real inputs and prints one line per
// case, so that spec/hostile-fuzz.spec.ts (its parent) can watch for a hang, a crash or a memory
// blow-up from outside: `start N what`, then `done N code rssMB` or `bad N why`. Arguments: seed, count.
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { runCli } from "./cli.ts";
import { mutate } from "./mutate.ts";
import { Random } from "./random.ts";

const ROOT = new URL("../..", import.meta.url).pathname;
const REAL = join(ROOT, "spec/fixtures/real");

interface Target {
  /** The folder copied whole, so paths a topology names resolve as they would for the user. */
  readonly folder?: string;
  /** The file damaged, relative to the copy (or a lone file when there is no folder). */
  readonly file: string;
  /** Command lines run on the copy; `@` is the copy's input path. */
  readonly commands: readonly string[][];
}

const DUMPS = join(ROOT, "topologies/dumps-example");
const TARGETS: readonly Target[] = [
  {
    file: join(ROOT, "topologies/default.yaml"),
    commands: [
      ["validate", "-t", "@"],
      ["check", "-t", "@"],
    ],
  },
  ...readdirSync(join(ROOT, "topologies/hard-cases")).map((f) => ({
    file: join(ROOT, "topologies/hard-cases", f),
    commands: [
      ["validate", "-t", "@"],
      ["get", "services", "-t", "@"],
    ],
  })),
  ...["topology.yaml", ...["ip-addr", "ip-route", "iptables-save", "wg-show"].map((f) => `nodes/node-1/${f}.txt`)].map(
    (file) => ({
      folder: DUMPS,
      file,
      commands: [
        ["validate", "-t", "@"],
        ["drift", "-t", "@"],
      ],
    }),
  ),
  ...["ingress-nginx-examples", "k8s-website"].flatMap((d) =>
    readdirSync(join(REAL, "manifests", d))
      .filter((f) => f.endsWith(".yaml"))
      .map((f) => ({ file: join(REAL, "manifests", d, f), commands: [["validate", "-t", "@"]] })),
  ),
  ...readdirSync(join(REAL, "iptables")).map((f) => ({
    file: join(REAL, "iptables", f),
    commands: [["netfilter", "--rules", "@", "--src", "10.244.1.5", "--dst", "10.96.0.10", "--dport", "53"]],
  })),
];

function pathOf(t: Target): string {
  return t.folder ? join(t.folder, t.file) : t.file;
}

/** A stack frame as Node prints it: what must never reach a user without KUBEHOP_DEBUG. */
const STACK_FRAME = /^\s+at .+(:\d+:\d+\)?|\(native\))$/m;

async function runCase(n: number, r: Random): Promise<void> {
  const target = r.pick(TARGETS);
  const donor = readFileSync(pathOf(r.pick(TARGETS)));
  const dir = mkdtempSync(join(tmpdir(), "kh-fuzz-"));
  try {
    let input: string;
    let damaged: string;
    if (target.folder) {
      cpSync(target.folder, dir, { recursive: true });
      damaged = join(dir, target.file);
      input = target.file === "topology.yaml" ? damaged : join(dir, "topology.yaml");
    } else {
      damaged = join(dir, basename(target.file));
      input = damaged;
    }
    const original = readFileSync(pathOf(target));
    const m = mutate(r, original, donor);
    writeFileSync(damaged, m.bytes);
    console.log(
      `start ${n} ${target.folder ? `${basename(target.folder)}/${target.file}` : basename(target.file)}: ${m.what}`,
    );
    for (const command of target.commands) {
      const argv = command.map((w) => (w === "@" ? input : w));
      const res = await runCli(argv);
      const why = ![0, 1, 2].includes(res.code)
        ? `exit ${res.code}: ${res.stderr.slice(0, 300)}`
        : STACK_FRAME.test(res.stderr)
          ? `stack trace on stderr: ${res.stderr.slice(0, 300)}`
          : undefined;
      if (why) console.log(`bad ${n} ${argv[0]} ${JSON.stringify(why)}`);
    }
    console.log(`done ${n} ${Math.round(process.memoryUsage().rss / 2 ** 20)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const [seed, count] = process.argv.slice(2).map(Number);
const r = new Random(seed!);
for (let n = 0; n < count!; n++) await runCase(n, r);
console.log("finished");
