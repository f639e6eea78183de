// Seeded randomness for specs: every random draw in spec/ comes from here, so each run draws the
// same data and a failure names the seed that reproduces it. Math.random is never used.
import fc from "fast-check";

/** mulberry32: a tiny seeded generator of numbers in [0, 1), for generators written by hand. */
export class Random {
  private state: number;

  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** A whole number from 0 to n - 1. */
  below(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** A whole number from lo to hi, both included. */
  int(lo: number, hi: number): number {
    return lo + this.below(hi - lo + 1);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(xs: readonly T[]): T {
    return xs[this.below(xs.length)]!;
  }
}

/** `count` seeds spread apart (start, start + step, ...): one per generated case, each named in its title. */
export function seeds(count: number, start: number, step = 7919): number[] {
  return Array.from({ length: count }, (_, i) => start + i * step);
}

/**
 * A fast-check property run with a fixed seed: the same `runs` cases every time. On a failure
 * fast-check prints the seed and the shrunk counterexample.
 */
export function checkProperty<Ts extends [unknown, ...unknown[]]>(
  property: fc.IProperty<Ts>,
  seed: number,
  runs: number,
): void {
  fc.assert(property, { seed, numRuns: runs });
}

export { fc };
