// Plain data (objects, arrays, Maps, Sets, strings, numbers, booleans, null, undefined) to a few
// flat arrays and back, for the snapshot of a loaded cluster. At Kubernetes' limits the model is a
// million small objects: v8.deserialize takes about 1.5 s to rebuild them, this about a quarter of
// that, because every object's keys are written once per shape (not once per object), every string
// once (not once per use), and objects are rebuilt by one literal per shape.
// Shared objects stay shared (a workload's replicas share one origin): each is written once, then
// referred to. Anything else (class instances, functions, symbols, cycles) is refused with
// Unpackable, so a model that grows one is not cached rather than cached wrong.

export interface Packed {
  /** Tags and their operands; see the T_ constants. */
  readonly words: Uint32Array;
  /** Numbers that are not whole 32-bit unsigned values. */
  readonly floats: Float64Array;
  /** Every distinct string once; object keys included. */
  readonly strings: readonly string[];
}

export class Unpackable extends Error {}

const T_UNDEFINED = 0;
const T_NULL = 1;
const T_FALSE = 2;
const T_TRUE = 3;
/** A whole number 0..2^32-1 (IPv4 addresses, ports, counts): the next word. */
const T_UINT = 4;
/** Any other number: the next word indexes `floats`. */
const T_FLOAT = 5;
const T_STRING = 6;
/** Length, then the items. */
const T_ARRAY = 7;
/** Shape index, then the values in the shape's key order. */
const T_OBJECT = 8;
/** Size, then key, value, key, value... */
const T_MAP = 9;
const T_SET = 10;
/** An object already written: the next word is its index in the order objects were first met. */
const T_SEEN = 11;
/** A new shape, defined where first used: key count, the keys' string indexes, then the object. */
const T_SHAPE = 12;

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
  private readonly objectIds = new Map<object, number>();
  /** 1 while an object's members are being written: meeting it again then is a cycle. */
  private open = new Uint8Array(1 << 16);

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

  private string(s: string): number {
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
          this.put(T_UINT);
          return this.put(v);
        }
        this.put(T_FLOAT);
        this.put(this.floats.length);
        this.floats.push(v);
        return;
      case "string":
        this.put(T_STRING);
        return this.put(this.string(v));
      case "object":
        if (v === null) return this.put(T_NULL);
        return this.object(v);
      default:
        throw new Unpackable(`a ${typeof v}`);
    }
  }

  private object(v: object): void {
    const seen = this.objectIds.get(v);
    if (seen !== undefined) {
      if (this.open[seen]) throw new Unpackable("a cycle");
      this.put(T_SEEN);
      return this.put(seen);
    }
    const id = this.objectIds.size;
    this.objectIds.set(v, id);
    if (id >= this.open.length) {
      const grown = new Uint8Array(this.open.length * 2);
      grown.set(this.open);
      this.open = grown;
    }
    this.open[id] = 1;
    if (Array.isArray(v)) {
      this.put(T_ARRAY);
      this.put(v.length);
      for (const item of v) this.value(item);
    } else if (v instanceof Map) {
      this.put(T_MAP);
      this.put(v.size);
      for (const [key, value] of v) {
        this.value(key);
        this.value(value);
      }
    } else if (v instanceof Set) {
      this.put(T_SET);
      this.put(v.size);
      for (const item of v) this.value(item);
    } else if (Object.getPrototypeOf(v) === Object.prototype) {
      this.plain(v as Record<string, unknown>);
    } else {
      throw new Unpackable(`an instance of ${v.constructor?.name ?? "a class"}`);
    }
    this.open[id] = 0;
  }

  private plain(v: Record<string, unknown>): void {
    const keys = Object.keys(v);
    // "__proto__" as an own key would become a prototype when rebuilt by a literal.
    if (keys.includes("__proto__")) throw new Unpackable('an own "__proto__" key');
    if (Object.getOwnPropertySymbols(v).length > 0) throw new Unpackable("a symbol-keyed property");
    let node = this.shapes;
    for (const k of keys) {
      let next = node.next.get(k);
      if (!next) node.next.set(k, (next = { next: new Map() }));
      node = next;
    }
    let shape = node.shape;
    if (shape === undefined) {
      shape = node.shape = this.shapeCount++;
      this.put(T_SHAPE);
      this.put(keys.length);
      for (const k of keys) this.put(this.string(k));
    }
    this.put(T_OBJECT);
    this.put(shape);
    for (const k of keys) this.value(v[k]);
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
  private readonly objects: unknown[] = [];
  private readonly shapes: Make[] = [];
  private readonly read = () => this.value();

  constructor(private readonly p: Packed) {}

  value(): unknown {
    const w = this.p.words;
    const tag = w[this.at++];
    switch (tag) {
      case T_UNDEFINED:
        return undefined;
      case T_NULL:
        return null;
      case T_FALSE:
        return false;
      case T_TRUE:
        return true;
      case T_UINT:
        return w[this.at++];
      case T_FLOAT:
        return this.p.floats[w[this.at++]!];
      case T_STRING:
        return this.p.strings[w[this.at++]!];
      case T_SEEN:
        return this.objects[w[this.at++]!];
      case T_ARRAY: {
        const id = this.reserve();
        const items = new Array<unknown>(w[this.at++]!);
        for (let i = 0; i < items.length; i++) items[i] = this.value();
        return (this.objects[id] = items);
      }
      case T_MAP: {
        const id = this.reserve();
        const map = new Map<unknown, unknown>();
        for (let i = w[this.at++]!; i > 0; i--) {
          const key = this.value();
          map.set(key, this.value());
        }
        return (this.objects[id] = map);
      }
      case T_SET: {
        const id = this.reserve();
        const set = new Set<unknown>();
        for (let i = w[this.at++]!; i > 0; i--) set.add(this.value());
        return (this.objects[id] = set);
      }
      case T_SHAPE: {
        const keys = Array.from({ length: w[this.at++]! }, () => this.p.strings[w[this.at++]!]!);
        this.shapes.push(maker(keys));
        return this.value();
      }
      case T_OBJECT: {
        const id = this.reserve();
        return (this.objects[id] = this.shapes[w[this.at++]!]!(this.read));
      }
      default:
        throw new Error(`snapshot: unknown tag ${tag} at word ${this.at - 1}`);
    }
  }

  done(): boolean {
    return this.at === this.p.words.length;
  }

  /** An object's index is taken when it is met, before its members, as the packer numbered it. */
  private reserve(): number {
    this.objects.push(undefined);
    return this.objects.length - 1;
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
