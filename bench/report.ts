// Shared by the bench files: rows of the markdown table, medians, memory.
import { performance } from "node:perf_hooks";

export const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const rows: string[][] = [["benchmark", "figure", "target"]];

export function row(name: string, figure: string, target: string): void {
  rows.push([name, figure, target]);
  console.error(`  ${name}: ${figure}`);
}

export const mb = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MB`;

/** The process's peak resident set so far (getrusage maxrss), in bytes. */
export const peakRss = () => process.resourceUsage().maxRSS * 1024;

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Median of `runs` runs after `warmup` discarded ones, in µs. */
export function timeIt(f: () => void, runs = 2500, warmup = 500): number {
  const times: number[] = [];
  for (let i = 0; i < runs + warmup; i++) {
    const s = performance.now();
    f();
    times.push(performance.now() - s);
  }
  return median(times.slice(warmup)) * 1000;
}

/**
 * timeIt in rounds, with a full GC before each, until two rounds in a row agree within 10% (at most
 * `maxRounds`): right after a large ruleset is read, V8 takes seconds to settle, and a first round
 * can be 1.6x the steady figure. Both are kept, so the row says what it measured.
 */
export function steadyTimeIt(f: () => void, maxRounds = 5): { us: number; first: number; rounds: number } {
  gc();
  const first = timeIt(f, 20000, 2000);
  let last = first;
  for (let round = 2; round <= maxRounds; round++) {
    gc();
    const us = timeIt(f, 20000, 2000);
    if (Math.abs(us - last) <= 0.1 * Math.min(us, last)) return { us, first, rounds: round };
    last = us;
  }
  return { us: last, first, rounds: maxRounds };
}

/** How steadyTimeIt's figure reads in a row. */
export function steadyText(t: { us: number; first: number; rounds: number }): string {
  return `${t.us.toFixed(1)} µs median (round ${t.rounds} of 20,000 walks; the first round ${t.first.toFixed(1)} µs)`;
}

/** One call's wall time in ms, and its result. */
export function once<T>(f: () => T): [T, number] {
  const s = performance.now();
  const r = f();
  return [r, performance.now() - s];
}

export function printTable(): void {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const [i, r] of rows.entries()) {
    console.log(`| ${r.map((c, j) => c.padEnd(widths[j]!)).join(" | ")} |`);
    if (i === 0) console.log(`| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`);
  }
}
