// --branch K picks one branch, --seed N samples one by probability; without either, all branches.
import type { Trace } from "../trace/types.ts";
import { int } from "./io.ts";

/** The 1-based numbers of the chosen branches. */
export function chooseBranches(t: Trace, branch?: string, seed?: string): number[] {
  if (branch !== undefined) return [int(branch, "--branch", 1, t.branches.length)];
  if (seed !== undefined) {
    const x = sample(int(seed, "--seed", 0, 2 ** 32 - 1));
    let acc = 0;
    const i = t.branches.findIndex((b) => (acc += b.probability) > x);
    return [i < 0 ? t.branches.length : i + 1];
  }
  return t.branches.map((_, i) => i + 1);
}

export function onlyBranches(t: Trace, numbers: readonly number[]): Trace {
  return numbers.length === t.branches.length ? t : { ...t, branches: numbers.map((k) => t.branches[k - 1]!) };
}

/** mulberry32: one seeded draw in [0, 1), so `--seed N` picks the same branch on every machine. */
function sample(seed: number): number {
  let a = (seed + 0x6d2b79f5) >>> 0;
  a = Math.imul(a ^ (a >>> 15), a | 1);
  a ^= a + Math.imul(a ^ (a >>> 7), a | 61);
  return ((a ^ (a >>> 14)) >>> 0) / 4294967296;
}
