// Byte- and structure-level damage to real inputs, drawn from a seeded Random: what a bad paste, a
// truncated download, a wrong encoding or a hostile contributor does to a file. Each mutation is named
// so that a failure can say which one hit which file.
import type { Random } from "./random.ts";

export interface Mutated {
  readonly bytes: Buffer;
  readonly what: string;
}

/** Bytes that parsers trip on: NUL, controls, ESC, invalid UTF-8, YAML and iptables punctuation. */
const NASTY = [0x00, 0x07, 0x08, 0x0a, 0x0d, 0x1b, 0x7f, 0x80, 0xc3, 0xff, 0x22, 0x27, 0x3a, 0x2d, 0x7b, 0x5b, 0x26];

type Mutation = (r: Random, b: Buffer, donor: Buffer) => Mutated;

const MUTATIONS: readonly Mutation[] = [
  (r, b) => {
    const at = r.below(Math.max(1, b.length));
    const out = Buffer.from(b);
    if (out.length > 0) out[at] = r.chance(0.5) ? r.pick(NASTY) : r.below(256);
    return { bytes: out, what: `byte ${at} replaced` };
  },
  (r, b) => {
    const at = r.below(b.length + 1);
    const ins = Buffer.from(Array.from({ length: r.int(1, 8) }, () => r.pick(NASTY)));
    return { bytes: Buffer.concat([b.subarray(0, at), ins, b.subarray(at)]), what: `${ins.length} bytes at ${at}` };
  },
  (r, b) => {
    const at = r.below(b.length + 1);
    const len = r.int(1, 200);
    return { bytes: Buffer.concat([b.subarray(0, at), b.subarray(at + len)]), what: `${len} bytes cut at ${at}` };
  },
  (r, b) => {
    const at = r.below(b.length + 1);
    return { bytes: b.subarray(0, at), what: `truncated at ${at}` };
  },
  (r, b) => {
    // A slice repeated many times: long lines, deep nesting, duplicate keys and objects.
    const from = r.below(b.length + 1);
    const slice = b.subarray(from, from + r.int(1, 400));
    const times = r.int(2, 300);
    const at = r.below(b.length + 1);
    const rep = Buffer.concat(Array.from({ length: times }, () => slice));
    return { bytes: Buffer.concat([b.subarray(0, at), rep, b.subarray(at)]), what: `${slice.length} bytes x${times}` };
  },
  (r, b, donor) => {
    // Part of another real file spliced in: valid syntax of the wrong kind.
    const from = r.below(donor.length + 1);
    const piece = donor.subarray(from, from + r.int(1, 600));
    const at = r.below(b.length + 1);
    return { bytes: Buffer.concat([b.subarray(0, at), piece, b.subarray(at)]), what: `donor bytes at ${at}` };
  },
  (r, b) => {
    // Lines re-indented: YAML structure changes while each line stays plausible.
    const lines = b.toString("latin1").split("\n");
    const i = r.below(lines.length);
    lines[i] = r.chance(0.5) ? " ".repeat(r.int(1, 9)) + lines[i] : lines[i]!.trimStart();
    return { bytes: Buffer.from(lines.join("\n"), "latin1"), what: `line ${i + 1} re-indented` };
  },
];

/** One to three mutations of `bytes`, drawn from `r`; `donor` is another input to splice from. */
export function mutate(r: Random, bytes: Buffer, donor: Buffer): Mutated {
  let out: Mutated = { bytes, what: "" };
  const steps: string[] = [];
  for (let i = r.int(1, 3); i > 0; i--) {
    out = r.pick(MUTATIONS)(r, out.bytes, donor);
    steps.push(out.what);
  }
  return { bytes: out.bytes, what: steps.join(", ") };
}
