// Plain data (objects, arrays, Maps, Sets, strings, numbers, booleans, null, undefined) to a few
// flat arrays and back, for the snapshot of a loaded cluster. At Kubernetes' limits the model is
// about a million small objects: v8.deserialize takes ~1.5 s to rebuild them, this a fraction of
// that, because every object's keys are written once per shape (not once per object), every string
// once (not once per use), most values in one 32-bit word, and objects are rebuilt by one literal
// per shape.
// Shared objects stay shared (a workload's replicas share one origin): each is written once, then
// referred to. Anything else (class instances, functions, symbols, cycles) is refused with
// Unpackable, so a model that grows one is not cached rather than cached wrong.

export interface Packed {
  /** One word per value or header: tag (4 bits), KEPT (1 bit), operand (27 bits); see the T_ constants. */
  readonly words: Uint32Array;
  /** Numbers that are not whole numbers below 2^32. */
  readonly floats: Float64Array;
  /** Every distinct string once; object keys included. */
  readonly strings: readonly string[];
}

export class Unpackable extends Error {}

const T_UNDEFINED = 0;
const T_NULL = 1;
const T_FALSE = 2;
const T_TRUE = 3;
/** A whole number below 2^27 (ports, counts, most of what the model counts): the operand. */
const T_SMALL = 4;
/** A whole number below 2^32 (IPv4 addresses): the next word. */
const T_UINT = 5;
/** Any other number: the operand indexes `floats`. */
const T_FLOAT = 6;
const T_STRING = 7;
/** Operand: length; then the items. */
const T_ARRAY = 8;
/** Operand: shape index; then the values in the shape's key order. */
const T_OBJECT = 9;
/** Operand: size; then key, value, key, value... */
const T_MAP = 10;
const T_SET = 11;
/** An object already written: the operand is the position of its header word. */
const T_SEEN = 12;
/** A new shape, defined where first used: operand the key count, then the keys' string indexes. */
const T_SHAPE = 13;
/** Set on the header of an object referred to again later, so the reader keeps it by position. */
const KEPT = 16;
const OPERAND_LIMIT = 2 ** 27;

const SHARED_STRING_MAX = 20;

const word = (tag: number, operand: number) => ((operand << 5) | tag) >>> 0;

interface ShapeNode {
  readonly next: Map<string, ShapeNode>;
  shape?: number;
}

export function pack(root: unknown): Packed {
  return new Packer().run(root);
}

class Packer {
  private words = new Uint32Array(1 << 20);
  private n = 0;
  private readonly floats: number[] = [];
  private readonly strings: string[] = [];
  private readonly stringIds = new Map<string, number>();
  /** Shapes by their keys in order, one level per key: no key list is joined into a string per object. */
  private readonly shapes: ShapeNode = { next: new Map() };
  private shapeCount = 0;
  /** Each object written so far, by the position of its header word. */
  private readonly written = new Map<object, number>();
  /** Header positions of the objects being written, outermost first: meeting one of them again is a cycle. */
  private readonly open: number[] = [];

  run(root: unknown): Packed {
    this.value(root);
    return { words: this.words.slice(0, this.n), floats: Float64Array.from(this.floats), strings: this.strings };
  }

  private put(w: number): void {
    if (this.n === this.words.length) {
      const grown = new Uint32Array(this.words.length * 2);
      grown.set(this.words);
      this.words = grown;
    }
    this.words[this.n++] = w;
  }

  private operand(tag: number, n: number): void {
    if (n >= OPERAND_LIMIT) throw new Unpackable(`more than ${OPERAND_LIMIT} of something`);
    this.put(word(tag, n));
  }

  /**
   * Short strings (namespaces, ports' names, protocols, node names) recur and are written once;
   * long ones (pod names, endpoints' pod references) are nearly all distinct, and looking each up
   * in a table of half a million costs more than writing the few repeats twice.
   */
  private string(s: string): number {
    if (s.length > SHARED_STRING_MAX) {
      this.strings.push(s);
      return this.strings.length - 1;
    }
    let id = this.stringIds.get(s);
    if (id === undefined) {
      id = this.strings.length;
      this.strings.push(s);
      this.stringIds.set(s, id);
    }
    return id;
  }

  private value(v: unknown): void {
    switch (typeof v) {
      case "undefined":
        return this.put(T_UNDEFINED);
      case "boolean":
        return this.put(v ? T_TRUE : T_FALSE);
      case "number":
        if (Number.isInteger(v) && v >= 0 && v <= 0xffffffff && !Object.is(v, -0)) {
          if (v < OPERAND_LIMIT) return this.put(word(T_SMALL, v));
          this.put(T_UINT);
          return this.put(v);
        }
        this.operand(T_FLOAT, this.floats.length);
        this.floats.push(v);
        return;
      case "string":
        return this.operand(T_STRING, this.string(v));
      case "object":
        if (v === null) return this.put(T_NULL);
        return this.object(v);
      default:
        throw new Unpackable(`a ${typeof v}`);
    }
  }

  private object(v: object): void {
    const at = this.written.get(v);
    if (at !== undefined) {
      if (this.open.includes(at)) throw new Unpackable("a cycle");
      this.words[at] = this.words[at]! | KEPT;
      return this.operand(T_SEEN, at);
    }
    if (Array.isArray(v)) {
      this.header(v, T_ARRAY, v.length);
      for (const item of v) this.value(item);
    } else if (v instanceof Map) {
      this.header(v, T_MAP, v.size);
      for (const [key, value] of v) {
        this.value(key);
        this.value(value);
      }
    } else if (v instanceof Set) {
      this.header(v, T_SET, v.size);
      for (const item of v) this.value(item);
    } else if (Object.getPrototypeOf(v) === Object.prototype) {
      const keys = Object.keys(v);
      this.header(v, T_OBJECT, this.shape(v, keys));
      for (const k of keys) this.value((v as Record<string, unknown>)[k]);
    } else {
      throw new Unpackable(`an instance of ${v.constructor?.name ?? "a class"}`);
    }
    this.open.pop();
  }

  private header(v: object, tag: number, operand: number): void {
    if (this.n >= OPERAND_LIMIT) throw new Unpackable("too large");
    this.written.set(v, this.n);
    this.open.push(this.n);
    this.operand(tag, operand);
  }

  /** The shape of an object's keys, written out (before the object) the first time it is met. */
  private shape(v: object, keys: string[]): number {
    // "__proto__" as an own key would become a prototype when rebuilt by a literal.
    if (keys.includes("__proto__")) throw new Unpackable('an own "__proto__" key');
    if (Object.getOwnPropertySymbols(v).length > 0) throw new Unpackable("a symbol-keyed property");
    let node = this.shapes;
    for (const k of keys) {
      let next = node.next.get(k);
      if (!next) node.next.set(k, (next = { next: new Map() }));
      node = next;
    }
    if (node.shape === undefined) {
      node.shape = this.shapeCount++;
      this.operand(T_SHAPE, keys.length);
      for (const k of keys) this.put(this.string(k));
    }
    return node.shape;
  }
}

export function unpack(p: Packed): unknown {
  const u = new Unpacker(p);
  const root = u.value();
  if (!u.done()) throw new Error("snapshot: words left over after the root value");
  return root;
}

/** Builds one object of a shape from the values read in key order. */
type Make = (read: () => unknown) => unknown;

class Unpacker {
  private at = 0;
  /** Objects referred to again later, by the position of their header. */
  private readonly kept = new Map<number, unknown>();
  private readonly shapes: Make[] = [];
  private readonly read = () => this.value();

  constructor(private readonly p: Packed) {}

  done(): boolean {
    return this.at === this.p.words.length;
  }

  value(): unknown {
    const words = this.p.words;
    const start = this.at;
    const w = words[this.at++]!;
    const n = w >>> 5;
    let made: unknown;
    switch (w & 15) {
      case T_UNDEFINED:
        return undefined;
      case T_NULL:
        return null;
      case T_FALSE:
        return false;
      case T_TRUE:
        return true;
      case T_SMALL:
        return n;
      case T_UINT:
        return words[this.at++];
      case T_FLOAT:
        return this.p.floats[n];
      case T_STRING:
        return this.p.strings[n];
      case T_SEEN:
        if (!this.kept.has(n)) throw new Error(`snapshot: word ${start} refers to no object`);
        return this.kept.get(n);
      case T_SHAPE: {
        const keys = Array.from(words.subarray(this.at, (this.at += n)), (id) => this.p.strings[id]!);
        this.shapes.push(maker(keys));
        return this.value();
      }
      case T_ARRAY: {
        const items = new Array<unknown>(n);
        for (let i = 0; i < n; i++) items[i] = this.value();
        made = items;
        break;
      }
      case T_OBJECT:
        made = this.shapes[n]!(this.read);
        break;
      case T_MAP: {
        const map = new Map<unknown, unknown>();
        for (let i = 0; i < n; i++) {
          const key = this.value();
          map.set(key, this.value());
        }
        made = map;
        break;
      }
      case T_SET: {
        const set = new Set<unknown>();
        for (let i = 0; i < n; i++) set.add(this.value());
        made = set;
        break;
      }
      default:
        throw new Error(`snapshot: unknown tag ${w & 15} at word ${start}`);
    }
    // Kept only now, whole: with cycles refused, no member can refer back to it.
    if (w & KEPT) this.kept.set(start, made);
    return made;
  }
}

/**
 * One object literal per shape, compiled once: objects then come out with their final hidden class
 * and fast properties, several times quicker than adding keys one by one to `{}`. The keys are
 * JSON-quoted into the source, so they are data, never code; "__proto__" was refused when packing.
 */
function maker(keys: readonly string[]): Make {
  const body = `return {${keys.map((k) => `${JSON.stringify(k)}: read()`).join(", ")}};`;
  return new Function("read", body) as Make;
}
