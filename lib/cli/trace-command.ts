// kubehop trace -t TOPO --from LOC --to DEST [--proto] [--src] [--sport] [--size] [--all|--branch K|--seed N] [--json]
import { parseArgs } from "node:util";
import type { L4 } from "../dataplane/packet.ts";
import { traceText } from "../output/trace-text.ts";
import { loadTopologySync } from "../topology.ts";
import type { Trace } from "../trace/types.ts";
import { type CommandIO, EXIT, UsageError } from "./io.ts";

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
    },
  });
  const topology = required(values.topology, "-t TOPO");
  const proto = (values.proto ?? "tcp").toLowerCase();
  if (!["tcp", "udp", "icmp", "sctp"].includes(proto)) throw new UsageError(`--proto ${values.proto}: expected tcp, udp, icmp or sctp`);
  const picks = [values.all, values.branch, values.seed].filter((v) => v !== undefined);
  if (picks.length > 1) throw new UsageError("give at most one of --all, --branch K, --seed N");
  const t = loadTopologySync(topology).trace({
    from: required(values.from, "--from LOC"),
    to: required(values.to, "--to DEST"),
    proto: proto as L4,
    ...(values.src !== undefined ? { src: values.src } : {}),
    ...(values.sport !== undefined ? { sport: int(values.sport, "--sport", 1, 65535) } : {}),
    ...(values.size !== undefined ? { size: int(values.size, "--size", 28, 65535) } : {}),
  });
  const chosen = selectBranches(t, values.branch, values.seed);
  io.stdout(values.json ? `${JSON.stringify(chosen, null, 2)}\n` : traceText(chosen));
  return EXIT.ok;
}

function selectBranches(t: Trace, branch?: string, seed?: string): Trace {
  if (branch !== undefined) {
    const k = int(branch, "--branch", 1, t.branches.length);
    return { ...t, branches: [t.branches[k - 1]!] };
  }
  if (seed !== undefined) {
    const x = sample(int(seed, "--seed", 0, 2 ** 32 - 1));
    let acc = 0;
    const hit = t.branches.find((b) => (acc += b.probability) > x) ?? t.branches.at(-1)!;
    return { ...t, branches: [hit] };
  }
  return t;
}

/** mulberry32: one seeded draw in [0, 1), so `--seed N` picks the same branch on every machine. */
function sample(seed: number): number {
  let a = (seed + 0x6d2b79f5) >>> 0;
  a = Math.imul(a ^ (a >>> 15), a | 1);
  a ^= a + Math.imul(a ^ (a >>> 7), a | 61);
  return ((a ^ (a >>> 14)) >>> 0) / 4294967296;
}

export function required(v: string | undefined, what: string): string {
  if (v === undefined || v === "") throw new UsageError(`missing ${what}`);
  return v;
}

export function int(v: string, what: string, min: number, max: number): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < min || n > max) throw new UsageError(`${what} ${v}: expected a whole number ${min}-${max}`);
  return n;
}
