// A set's or map's elements compiled for lookup: exact keys in hash maps, one level per part of a
// concatenation (kube-proxy's service-ips map with 10,000 Services is three Map lookups, and no key
// string is built per packet), one-dimension intervals in a sorted array searched by halves, and
// what is left (concatenations with ranges) scanned in order.
import type { RecentSets } from "../hooks.ts";
import { ipText } from "../text-cache.ts";
import type { NftTable, SetElement, SetSource } from "./model.ts";
import { dimHolds } from "./values.ts";

export type KeyValue = number | string;

interface Interval {
  readonly lo: number;
  readonly hi: number;
  readonly element: SetElement;
}

/** Exact keys: one Map per part of the key, the last one's values the elements. */
type Level = Map<KeyValue, Level | SetElement>;

export class Lookup {
  private readonly exact: Level = new Map();
  private readonly intervals: Interval[] = [];
  private readonly rest: SetElement[] = [];

  constructor(elements: readonly SetElement[]) {
    for (const e of elements) {
      const key = exactKey(e);
      if (key !== undefined) this.addExact(key, e);
      else if (e.key.length === 1 && "lo" in e.key[0]!) this.intervals.push({ ...e.key[0], element: e });
      else this.rest.push(e);
    }
    this.intervals.sort((a, b) => a.lo - b.lo);
  }

  /** The first element of a key is kept, as nft keeps one element per key. */
  private addExact(key: readonly KeyValue[], e: SetElement): void {
    let level = this.exact;
    for (let i = 0; i < key.length - 1; i++) {
      let next = level.get(key[i]!) as Level | undefined;
      if (next === undefined) level.set(key[i]!, (next = new Map()));
      level = next;
    }
    if (!level.has(key[key.length - 1]!)) level.set(key[key.length - 1]!, e);
  }

  find(values: readonly KeyValue[]): SetElement | undefined {
    let level: Level | SetElement | undefined = this.exact;
    for (let i = 0; i < values.length && level !== undefined; i++) level = (level as Level).get(values[i]!);
    if (level !== undefined) return level as SetElement;
    if (values.length === 1 && typeof values[0] === "number" && this.intervals.length > 0) {
      const found = this.interval(values[0]);
      if (found) return found;
    }
    for (const e of this.rest) if (e.key.every((d, i) => dimHolds(d, values[i]!))) return e;
    return undefined;
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

/** The key's values when every part is one value (no range, no wildcard); an empty key has none. */
function exactKey(e: SetElement): KeyValue[] | undefined {
  if (e.key.length === 0) return undefined;
  const parts: KeyValue[] = [];
  for (const d of e.key) {
    if ("lo" in d) {
      if (d.lo !== d.hi) return undefined;
      parts.push(d.lo);
    } else {
      if (d.wildcard) return undefined;
      parts.push(d.name);
    }
  }
  return parts;
}

const cache = new WeakMap<readonly SetElement[], Lookup>();

/** The compiled lookup of an element list, built once. */
export function lookupOf(elements: readonly SetElement[]): Lookup {
  let l = cache.get(elements);
  if (!l) cache.set(elements, (l = new Lookup(elements)));
  return l;
}

/** Where a branch keeps what `update @set` added to a dynamic set of the table (its `recent`). */
export function dynamicKey(table: NftTable, set: string): string {
  return `nft ${table.family} ${table.name} @${set}`;
}

/**
 * The element of the table's named set, or the anonymous one, that holds `vals`. A dynamic set is
 * the branch's own: what its connection's earlier packets added (`recent`).
 */
export function setHas(
  table: NftTable,
  b: { readonly recent: RecentSets },
  src: SetSource,
  vals: readonly KeyValue[],
): SetElement | undefined {
  if (src.kind === "anonymous") return (src.index ??= lookupOf(src.elements)).find(vals);
  let set = src.found;
  if (set === undefined) set = src.found = table.sets.get(src.name) ?? null;
  if (!set) return undefined;
  if (set.dynamic) {
    const v = vals[0];
    const seen = typeof v === "number" && b.recent.get(dynamicKey(table, src.name))?.has(v);
    return seen ? { key: [], text: `${ipText(v)} in @${src.name}` } : undefined;
  }
  return (src.index ??= lookupOf(set.elements)).find(vals);
}
