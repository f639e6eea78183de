// Snapshot files in the cache folder: written whole by replaceFile (a temporary file, then a rename),
// so a reader (another kubehop running at the same time) sees the old file, the new one, or none,
// never half of one. Every read checks the format, the key and a sha256 of the contents: a file
// that fails any check is a miss (and is replaced by the next write), never an error or a wrong model.
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, statSync, unlinkSync, utimesSync } from "node:fs";
import { join } from "node:path";
import { replaceFile } from "../input/whole-file.ts";
import { type Packed, pack, Unpackable, unpack } from "./pack.ts";

/** Bumped whenever the file layout or pack's encoding changes: older files are then misses. */
export const SNAPSHOT_FORMAT = 2;
const SUFFIX = ".snapshot";
/** The folder keeps the most recently used snapshots only: few inputs are big enough to be cached. */
const KEEP_FILES = 4;
const KEEP_BYTES = 1024 * 1024 * 1024;
/** A temporary file this old is left over from a run that died while writing. */
const STALE_TEMP_MS = 60 * 60 * 1000;

interface Header {
  readonly format: number;
  readonly key: string;
  readonly sha256: string;
  readonly floats: number;
  readonly words: number;
  readonly strings: number;
  readonly textBytes: number;
}

/** The value stored under `key`, or undefined when there is none or it does not pass every check. */
export function readSnapshot(dir: string, key: string): unknown {
  const file = join(dir, key + SUFFIX);
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch {
    return undefined;
  }
  let value: unknown;
  try {
    value = decode(bytes, key);
  } catch {
    return undefined;
  }
  if (value === undefined) return undefined;
  try {
    // Recently used snapshots are the ones pruning keeps.
    const now = new Date();
    utimesSync(file, now, now);
  } catch {
    // A read-only cache folder still serves its snapshots.
  }
  return value;
}

/**
 * Stores `value` under `key`; false when it cannot be packed or the folder cannot be written (the
 * cache is an optimisation: the command goes on either way).
 */
export function writeSnapshot(dir: string, key: string, value: unknown): boolean {
  let parts: Buffer[];
  try {
    parts = encode(pack(value), key);
  } catch {
    // Unpackable (or too large to pack): the command goes on without a snapshot.
    return false;
  }
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    replaceFile(join(dir, key + SUFFIX), parts, { mode: 0o600 });
  } catch {
    return false;
  }
  prune(dir);
  return true;
}

/** Header line, padding to 8 bytes, then floats, words, string lengths (UTF-16 units), strings' UTF-8. */
function encode(p: Packed, key: string): Buffer[] {
  const joined = p.strings.join("");
  // UTF-8 cannot carry a lone surrogate: it would come back as U+FFFD, a different string.
  if (LONE_SURROGATE.test(joined)) throw new Unpackable("a string that is not well-formed UTF-16");
  const lengths = Uint32Array.from(p.strings, (s) => s.length);
  const body = [
    Buffer.from(p.floats.buffer, p.floats.byteOffset, p.floats.byteLength),
    Buffer.from(p.words.buffer, p.words.byteOffset, p.words.byteLength),
    Buffer.from(lengths.buffer, lengths.byteOffset, lengths.byteLength),
    Buffer.from(joined, "utf8"),
  ];
  const sha = createHash("sha256");
  for (const b of body) sha.update(b);
  const header: Header = {
    format: SNAPSHOT_FORMAT,
    key,
    sha256: sha.digest("hex"),
    floats: p.floats.length,
    words: p.words.length,
    strings: p.strings.length,
    textBytes: body[3]!.length,
  };
  const line = Buffer.from(`${JSON.stringify(header)}\n`, "latin1");
  return [line, Buffer.alloc(align8(line.length) - line.length), ...body];
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function decode(bytes: Buffer, key: string): unknown {
  const nl = bytes.indexOf(10);
  if (nl < 0 || nl > 4096) return undefined;
  const h = JSON.parse(bytes.toString("latin1", 0, nl)) as Partial<Header>;
  if (h.format !== SNAPSHOT_FORMAT || h.key !== key) return undefined;
  const { floats, words, strings, textBytes } = h;
  if (![floats, words, strings, textBytes].every((n) => Number.isSafeInteger(n) && n! >= 0)) return undefined;
  const start = align8(nl + 1);
  const textAt = start + floats! * 8 + words! * 4 + strings! * 4;
  if (textAt + textBytes! !== bytes.length) return undefined;
  if (createHash("sha256").update(bytes.subarray(start)).digest("hex") !== h.sha256) return undefined;
  // Typed arrays need their element alignment: copy the body when the buffer does not give it.
  const body = (bytes.byteOffset + start) % 8 === 0 ? bytes.subarray(start) : Buffer.from(bytes.subarray(start));
  const base = body.byteOffset;
  const lengths = new Uint32Array(body.buffer, base + floats! * 8 + words! * 4, strings!);
  const text = bytes.toString("utf8", textAt);
  const table = new Array<string>(strings!);
  for (let i = 0, at = 0; i < strings!; at += lengths[i]!, i++) table[i] = text.slice(at, at + lengths[i]!);
  return unpack({
    floats: new Float64Array(body.buffer, base, floats!),
    words: new Uint32Array(body.buffer, base + floats! * 8, words!),
    strings: table,
  });
}

function align8(n: number): number {
  return Math.ceil(n / 8) * 8;
}

/** Keeps the KEEP_FILES most recently used snapshots within KEEP_BYTES; drops dead writers' temp files. */
function prune(dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  const now = Date.now();
  const snapshots: { file: string; used: number; size: number }[] = [];
  for (const name of names) {
    const file = join(dir, name);
    try {
      const st = statSync(file);
      if (name.endsWith(SUFFIX)) snapshots.push({ file, used: st.mtimeMs, size: st.size });
      else if (name.endsWith(".tmp") && now - st.mtimeMs > STALE_TEMP_MS) removeQuietly(file);
    } catch {
      // Removed meanwhile by another run's pruning.
    }
  }
  snapshots.sort((a, b) => b.used - a.used || (a.file < b.file ? -1 : 1));
  let bytes = 0;
  snapshots.forEach((s, i) => {
    bytes += s.size;
    if (i >= KEEP_FILES || (i > 0 && bytes > KEEP_BYTES)) removeQuietly(s.file);
  });
}

function removeQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // Already gone: another run pruned it.
  }
}
