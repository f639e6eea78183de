// A set's or map's elements compiled for lookup: exact keys in a hash map (kube-proxy's service-ips
// map with 10,000 Services is one lookup), one-dimension intervals in a sorted array searched by
// halves, and what is left (concatenations with ranges) scanned in order.
import type { SetElement } from "./model.ts";
import { dimHolds } from "./values.ts";

export type KeyValue = number | string;

interface Interval {
  readonly lo: number;
  readonly hi: number;
  readonly element: SetElement;
}

export class Lookup {
  private readonly exact = new Map<string, SetElement>();
  private readonly intervals: Interval[] = [];
  private readonly rest: SetElement[] = [];

  constructor(elements: readonly SetElement[]) {
    for (const e of elements) {
      const key = exactKey(e);
      if (key !== undefined) {
        if (!this.exact.has(key)) this.exact.set(key, e);
      } else if (e.key.length === 1 && "lo" in e.key[0]!) this.intervals.push({ ...e.key[0], element: e });
      else this.rest.push(e);
    }
    this.intervals.sort((a, b) => a.lo - b.lo);
  }

  find(values: readonly KeyValue[]): SetElement | undefined {
    const hit = this.exact.get(values.join("|"));
    if (hit) return hit;
    if (values.length === 1 && typeof values[0] === "number" && this.intervals.length > 0) {
      const found = this.interval(values[0]);
      if (found) return found;
    }
    return this.rest.find((e) => e.key.every((d, i) => dimHolds(d, values[i]!)));
  }

  /** The interval holding v: nft keeps a set's intervals apart, so the last one starting at or below v. */
  private interval(v: number): SetElement | undefined {
    let lo = 0;
    let hi = this.intervals.length - 1;
    let best = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.intervals[mid]!.lo <= v) {
        best = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    // Overlapping intervals (an anonymous set nft did not merge) are checked back from the best start.
    for (let i = best; i >= 0; i--) if (this.intervals[i]!.hi >= v) return this.intervals[i]!.element;
    return undefined;
  }
}

function exactKey(e: SetElement): string | undefined {
  const parts: string[] = [];
  for (const d of e.key) {
    if ("lo" in d) {
      if (d.lo !== d.hi) return undefined;
      parts.push(String(d.lo));
    } else {
      if (d.wildcard) return undefined;
      parts.push(d.name);
    }
  }
  return parts.join("|");
}

const cache = new WeakMap<readonly SetElement[], Lookup>();

/** The compiled lookup of an element list, built once. */
export function lookupOf(elements: readonly SetElement[]): Lookup {
  let l = cache.get(elements);
  if (!l) cache.set(elements, (l = new Lookup(elements)));
  return l;
}
