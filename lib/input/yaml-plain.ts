// The common shapes of Kubernetes YAML (block mappings and sequences, one-line flow collections,
// plain and one-line quoted scalars, literal block scalars, comments, `---`) read in one pass over the lines, keeping the
// position of every key and value. This is what `kubehop generate` and `kubectl get -o yaml`
// write, and reads several times faster than composing a full YAML document. Anything else
// (anchors, tags, block scalars, multi-line scalars, empty values, numbers written other than as
// plain decimals, a key twice, ...) makes the whole file go to the YAML library, which reads it in full
// and reports its errors: this reader never guesses.
import type { Path } from "./source-object.ts";

/** Where a value stands; a collection also knows where each member's key and value stand. */
export type Pos = number | PosMap | PosSeq;
interface PosMap {
  readonly offset: number;
  readonly keys: Map<string, { readonly key: number; readonly value: Pos }>;
}
interface PosSeq {
  readonly offset: number;
  readonly items: Pos[];
}

export interface PlainDocument {
  readonly value: Record<string, unknown>;
  readonly pos: Pos;
}

class Unsupported extends Error {}

/** The documents, or undefined when anything in the text is beyond this reader. */
export function readPlainYaml(text: string): PlainDocument[] | undefined {
  if (text.includes("\t") || text.includes("\r")) return undefined;
  try {
    return documents(text).map((lines) => new DocumentReader(text, lines).read());
  } catch (e) {
    if (e instanceof Unsupported) return undefined;
    throw e;
  }
}

export function offsetIn(pos: Pos, path: Path, key?: string): number {
  let at = pos;
  for (const seg of path) {
    const next = typeof at === "number" ? undefined : typeof seg === "number" ? ("items" in at ? at.items[seg] : undefined) : "keys" in at ? at.keys.get(seg)?.value : undefined;
    if (next === undefined) break;
    at = next;
  }
  const keyAt = key !== undefined && typeof at !== "number" && "keys" in at ? at.keys.get(key)?.key : undefined;
  return keyAt ?? (typeof at === "number" ? at : at.offset);
}

interface Line {
  /** Offset of the line's first character. */
  readonly start: number;
  /** Offset just past its last character. */
  readonly end: number;
  readonly indent: number;
}

/** The content lines of each document: blank and comment-only lines dropped, `---` separating. */
function documents(text: string): Line[][] {
  const docs: Line[][] = [[]];
  for (let start = 0; start <= text.length; ) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    let indent = 0;
    while (text.charCodeAt(start + indent) === 0x20) indent++;
    if (start + indent < end && text[start + indent] !== "#") {
      if (text.startsWith("---", start)) {
        if (!/^---\s*(#.*)?$/.test(text.slice(start, end))) throw new Unsupported();
        docs.push([]);
      } else if (text.startsWith("...", start) || text[start] === "%") {
        throw new Unsupported();
      } else {
        docs.at(-1)!.push({ start, end, indent });
      }
    }
    start = end + 1;
  }
  const found = docs.filter((d) => d.length > 0);
  if (found.length === 0) throw new Unsupported();
  return found;
}

class DocumentReader {
  private li = 0;
  /** Where the current line's content starts: its indent, or further in after `- ` or a key. */
  private col = 0;

  constructor(
    private readonly text: string,
    private readonly lines: Line[],
  ) {}

  read(): PlainDocument {
    const first = this.lines[0]!;
    this.col = first.indent;
    if (this.seqItemAt(first, this.col) || !this.keyAt(first, this.col)) throw new Unsupported();
    const { value, pos } = this.map(first.indent);
    if (this.li < this.lines.length) throw new Unsupported();
    return { value: value as Record<string, unknown>, pos };
  }

  private map(indent: number): { value: unknown; pos: PosMap } {
    const value: Record<string, unknown> = {};
    const keys: PosMap["keys"] = new Map();
    let offset = -1;
    for (let first = true; this.li < this.lines.length; first = false) {
      const line = this.lines[this.li]!;
      const col = first ? this.col : line.indent;
      if (col < indent) break;
      if (col > indent || this.seqItemAt(line, col)) throw new Unsupported();
      const k = this.keyAt(line, col);
      if (!k || keys.has(k.key) || k.key === "__proto__") throw new Unsupported();
      if (offset < 0) offset = k.offset;
      const v = this.member(line, k.next, indent, true);
      value[k.key] = v.value;
      keys.set(k.key, { key: k.offset, value: v.pos });
    }
    return { value, pos: { offset, keys } };
  }

  private seq(indent: number): { value: unknown; pos: PosSeq } {
    const value: unknown[] = [];
    const items: Pos[] = [];
    let offset = -1;
    for (let first = true; this.li < this.lines.length; first = false) {
      const line = this.lines[this.li]!;
      const col = first ? this.col : line.indent;
      if (col < indent || (col === indent && !this.seqItemAt(line, col))) break;
      if (col > indent) throw new Unsupported();
      if (offset < 0) offset = line.start + col;
      const v = this.member(line, col + 1, indent, false);
      value.push(v.value);
      items.push(v.pos);
    }
    return { value, pos: { offset, items } };
  }

  /**
   * The value after a key's `:` or a sequence's `-` at column `at` of `line`: on the same line, or
   * as a block on the lines below (a mapping's value may also be a sequence at the key's own indent).
   */
  private member(line: Line, at: number, indent: number, inMap: boolean): { value: unknown; pos: Pos } {
    const t = this.text;
    let col = at;
    while (t.charCodeAt(line.start + col) === 0x20) col++;
    if (line.start + col >= line.end || t[line.start + col] === "#") {
      this.li++;
      const next = this.lines[this.li];
      if (next && next.indent > indent) return this.block(next.indent);
      if (inMap && next && next.indent === indent && this.seqItemAt(next, indent)) return this.block(indent);
      throw new Unsupported(); // an empty value: null, with a position this reader does not model
    }
    if (t[line.start + col] === "|") return this.literal(line, col, indent);
    if (!inMap && (this.seqItemAt(line, col) || this.keyAt(line, col))) {
      this.col = col;
      return this.seqItemAt(line, col) ? this.seq(col) : this.map(col);
    }
    const v = new InlineReader(t, line.start + col, line.end).whole();
    this.li++;
    // A more indented line after a scalar would continue it (a multi-line plain scalar).
    const next = this.lines[this.li];
    if (next && next.indent > indent) throw new Unsupported();
    return v;
  }

  /**
   * A literal block scalar (`|` or `|-`; kubectl writes annotations such as
   * last-applied-configuration so): the lines more indented than `indent`, read from the text itself
   * (its lines may look like comments). Leading or whitespace-only lines, `|+`, `>` and explicit
   * indentation are left to the library.
   */
  private literal(line: Line, col: number, indent: number): { value: unknown; pos: Pos } {
    const t = this.text;
    const m = /^\|(-?) *(#.*)?$/.exec(t.slice(line.start + col, line.end));
    if (!m) throw new Unsupported();
    const parts: string[] = [];
    let content = -1;
    let blank = 0;
    let last = line.end;
    for (let start = line.end + 1; start < t.length; ) {
      let end = t.indexOf("\n", start);
      if (end < 0) end = t.length;
      let ind = 0;
      while (t.charCodeAt(start + ind) === 0x20) ind++;
      if (start + ind === end) {
        if (content < 0 || ind > content) throw new Unsupported();
        blank++;
      } else {
        if (ind <= indent) break;
        if (content < 0) {
          if (blank > 0) throw new Unsupported();
          content = ind;
        } else if (ind < content) {
          throw new Unsupported();
        }
        for (; blank > 0; blank--) parts.push("");
        parts.push(t.slice(start + content, end));
        last = end;
      }
      start = end + 1;
    }
    if (content < 0) throw new Unsupported();
    while (this.li < this.lines.length && this.lines[this.li]!.start <= last) this.li++;
    return { value: parts.join("\n") + (m[1] === "-" ? "" : "\n"), pos: line.start + col };
  }

  private block(col: number): { value: unknown; pos: Pos } {
    this.col = col;
    const line = this.lines[this.li]!;
    if (this.seqItemAt(line, col)) return this.seq(col);
    if (this.keyAt(line, col)) return this.map(col);
    throw new Unsupported(); // a scalar on its own line
  }

  private seqItemAt(line: Line, col: number): boolean {
    const at = line.start + col;
    return this.text[at] === "-" && (at + 1 === line.end || this.text[at + 1] === " ");
  }

  /** The key starting at `col`, with where it is and the column after its `:`; undefined when none. */
  private keyAt(line: Line, col: number): { key: string; offset: number; next: number } | undefined {
    const t = this.text;
    const offset = line.start + col;
    if (t[offset] === "{" || t[offset] === "[") return undefined;
    if (t[offset] === '"' || t[offset] === "'") {
      const r = new InlineReader(t, offset, line.end);
      const key = r.quoted();
      r.spaces();
      if (!r.colonAhead()) return undefined;
      return { key, offset, next: r.at + 1 - line.start };
    }
    for (let i = offset; i < line.end; i++) {
      const c = t[i];
      if (c === "#" && t[i - 1] === " ") return undefined;
      if (c === ":" && (i + 1 === line.end || t[i + 1] === " ")) {
        const key = plainScalar(t.slice(offset, i).trimEnd());
        if (typeof key !== "string") throw new Unsupported();
        return { key, offset, next: i + 1 - line.start };
      }
    }
    return undefined;
  }
}

/** A value on one line: a flow collection, a quoted scalar or a plain scalar, and nothing after it. */
class InlineReader {
  constructor(
    private readonly t: string,
    public at: number,
    private readonly end: number,
  ) {}

  whole(): { value: unknown; pos: Pos } {
    const v = this.value(false);
    this.spaces();
    if (this.at < this.end && this.t[this.at] !== "#") throw new Unsupported();
    return v;
  }

  spaces(): void {
    while (this.at < this.end && this.t[this.at] === " ") this.at++;
  }

  colonAhead(): boolean {
    return this.t[this.at] === ":" && (this.at + 1 === this.end || this.t[this.at + 1] === " ");
  }

  private value(inFlow: boolean): { value: unknown; pos: Pos } {
    const offset = this.at;
    const c = this.t[offset];
    if (c === "{" || c === "[") return this.flow(c === "{");
    if (c === '"' || c === "'") return { value: this.quoted(), pos: offset };
    let stop = this.at;
    while (stop < this.end) {
      const d = this.t[stop]!;
      if ((d === "#" && this.t[stop - 1] === " ") || (inFlow && ",[]{}".includes(d))) break;
      if (d === ":" && (stop + 1 === this.end || this.t[stop + 1] === " " || inFlow)) throw new Unsupported();
      stop++;
    }
    const value = plainScalar(this.t.slice(offset, stop).trimEnd());
    this.at = stop;
    return { value, pos: offset };
  }

  private flow(isMap: boolean): { value: unknown; pos: Pos } {
    const offset = this.at++;
    const close = isMap ? "}" : "]";
    const value: Record<string, unknown> | unknown[] = isMap ? {} : [];
    const keys: PosMap["keys"] = new Map();
    const items: Pos[] = [];
    this.spaces();
    while (this.t[this.at] !== close) {
      if (this.at >= this.end) throw new Unsupported(); // continues on the next line
      if (isMap) {
        const keyAt = this.at;
        const key = this.t[keyAt] === '"' || this.t[keyAt] === "'" ? this.quoted() : this.flowKey();
        if (typeof key !== "string" || keys.has(key) || key === "__proto__") throw new Unsupported();
        this.spaces();
        if (!this.colonAhead()) throw new Unsupported();
        this.at++;
        this.spaces();
        const v = this.value(true);
        (value as Record<string, unknown>)[key] = v.value;
        keys.set(key, { key: keyAt, value: v.pos });
      } else {
        const v = this.value(true);
        (value as unknown[]).push(v.value);
        items.push(v.pos);
      }
      this.spaces();
      if (this.t[this.at] === ",") {
        this.at++;
        this.spaces();
        if (this.t[this.at] === close) throw new Unsupported(); // a trailing comma
      } else if (this.t[this.at] !== close) {
        throw new Unsupported();
      }
    }
    this.at++;
    return { value, pos: isMap ? { offset, keys } : { offset, items } };
  }

  private flowKey(): unknown {
    const start = this.at;
    while (this.at < this.end && !",[]{}:#".includes(this.t[this.at]!)) this.at++;
    return plainScalar(this.t.slice(start, this.at).trimEnd());
  }

  /** A single- or double-quoted scalar that ends on this line; escapes beyond the common ones are left to the YAML library. */
  quoted(): string {
    const q = this.t[this.at++];
    let out = "";
    for (;;) {
      if (this.at >= this.end) throw new Unsupported();
      const c = this.t[this.at++]!;
      if (c === q) {
        if (q === "'" && this.t[this.at] === "'") {
          out += "'";
          this.at++;
          continue;
        }
        return out;
      }
      if (c === "\\" && q === '"') {
        const e = this.t[this.at++];
        const simple = ESCAPES[e ?? ""];
        if (simple !== undefined) out += simple;
        else if (e === "u" && /^[0-9a-fA-F]{4}$/.test(this.t.slice(this.at, this.at + 4))) {
          out += String.fromCharCode(parseInt(this.t.slice(this.at, this.at + 4), 16));
          this.at += 4;
        } else throw new Unsupported();
        continue;
      }
      out += c;
    }
  }
}

const ESCAPES: Readonly<Record<string, string>> = { '"': '"', "\\": "\\", "/": "/", n: "\n", t: "\t", r: "\r", "0": "\0", " ": " " };

/** The YAML 1.2 core schema's numbers, which this reader leaves to the library unless plain decimals. */
const CORE_NUMBER = /^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
/** Characters a plain scalar cannot start with (YAML's indicators), or that this reader leaves alone. */
const INDICATOR = /^[-?:,[\]{}#&*!|>'"%@`]/;

/** A plain scalar's value under the core schema: null, a boolean, a plain decimal number or text. */
function plainScalar(s: string): unknown {
  if (s === "null" || s === "Null" || s === "NULL" || s === "~") return null;
  if (s === "true" || s === "True" || s === "TRUE") return true;
  if (s === "false" || s === "False" || s === "FALSE") return false;
  if (/^(?:0|[1-9][0-9]{0,14})(?:\.[0-9]{1,15})?$/.test(s)) return Number(s);
  if (s === "" || CORE_NUMBER.test(s) || INDICATOR.test(s)) throw new Unsupported();
  return s;
}
