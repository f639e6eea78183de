// Where a path of a JSON document stands in its text, found on demand. Each object or array on an
// asked path is scanned once for where its members start (nested values are skipped, not entered),
// so finding every item of a 150,000-item List costs one pass over the List, not one per item.
import type { Path } from "./source-object.ts";

/** Where a container's members start: by key (the key's quote, and its value) or by index. */
type Members =
  | {
      readonly kind: "object";
      readonly keys: ReadonlyMap<string, number>;
      readonly values: ReadonlyMap<string, number>;
    }
  | { readonly kind: "array"; readonly items: readonly number[] };

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

export class JsonPositions {
  private readonly members = new Map<number, Members | undefined>();
  /** Where values already measured end (a List's items array), so no scan walks through them again. */
  private readonly ends = new Map<number, number>();

  constructor(private readonly text: string) {}

  /** The offset of `path` under the value at `from`; an unknown path stops at its deepest known ancestor. */
  offsetOf(from: number, path: Path, key?: string): number {
    let offset = from;
    for (const seg of path) {
      const m = this.membersAt(offset);
      const next =
        m?.kind === "array" && typeof seg === "number"
          ? m.items[seg]
          : m?.kind === "object" && typeof seg === "string"
            ? m.values.get(seg)
            : undefined;
      if (next === undefined) return offset;
      offset = next;
    }
    if (key === undefined) return offset;
    const m = this.membersAt(offset);
    return (m?.kind === "object" ? m.keys.get(key) : undefined) ?? offset;
  }

  /** An array whose items' offsets are known already, from `open` (its `[`) to `close` (its `]`). */
  knownArray(open: number, close: number, items: readonly number[]): void {
    this.members.set(open, { kind: "array", items });
    this.ends.set(open, close + 1);
  }

  private membersAt(offset: number): Members | undefined {
    if (!this.members.has(offset)) this.members.set(offset, this.scanMembers(offset));
    return this.members.get(offset);
  }

  private scanMembers(offset: number): Members | undefined {
    const t = this.text;
    const open = t[offset];
    if (open !== "{" && open !== "[") return undefined;
    const close = open === "{" ? "}" : "]";
    const keys = new Map<string, number>();
    const values = new Map<string, number>();
    const items: number[] = [];
    let i = skipSpace(t, offset + 1);
    while (i < t.length && t[i] !== close) {
      if (open === "{") {
        const keyAt = i;
        const keyEnd = skipValue(t, i);
        const raw = t.slice(keyAt, keyEnd);
        const key = raw.includes("\\") ? (JSON.parse(raw) as string) : raw.slice(1, -1);
        i = skipSpace(t, skipSpace(t, keyEnd) + 1); // past the ':'
        // JSON.parse keeps the last of repeated keys; so do the positions.
        keys.set(key, keyAt);
        values.set(key, i);
      } else {
        items.push(i);
      }
      i = skipSpace(t, this.ends.get(i) ?? skipValue(t, i));
      if (t[i] === ",") i = skipSpace(t, i + 1);
    }
    return open === "{" ? { kind: "object", keys, values } : { kind: "array", items };
  }
}

export function skipSpace(t: string, i: number): number {
  for (;;) {
    const c = t.charCodeAt(i);
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return i;
    i++;
  }
}

/** The offset just past the value starting at `i`, or -1 when the text ends inside it. */
export function skipValue(t: string, i: number): number {
  const c = t.charCodeAt(i);
  if (c === QUOTE) return skipString(t, i);
  if (c !== 0x7b && c !== 0x5b) {
    while (i < t.length && !",}] \n\r\t".includes(t[i]!)) i++;
    return i;
  }
  let depth = 0;
  while (i < t.length) {
    const d = t.charCodeAt(i);
    if (d === QUOTE) {
      i = skipString(t, i);
      if (i < 0) return -1;
      continue;
    }
    if (d === 0x7b || d === 0x5b) depth++;
    else if ((d === 0x7d || d === 0x5d) && --depth === 0) return i + 1;
    i++;
  }
  return -1;
}

function skipString(t: string, i: number): number {
  for (i++; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c === BACKSLASH) i++;
    else if (c === QUOTE) return i + 1;
  }
  return -1;
}
