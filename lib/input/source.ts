// Reads what the user gave: a file, a folder of files, or YAML (or JSON) text, without ever writing to it.
import { isUtf8 } from "node:buffer";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { InputError } from "./errors.ts";

export interface SourceFile {
  readonly file: string;
  readonly text: string;
}

/** kubectl writes `-o yaml` and `-o json`; a folder of either (or both) is read. */
const INPUT_FILE = /\.(ya?ml|json)$/i;
/** Large enough for 5,000 nodes and 150,000 pods written out in full, small enough to refuse a disk image. */
const MAX_BYTES = 512 * 1024 * 1024;

export function readSources(pathOrText: string): SourceFile[] {
  if (isInlineText(pathOrText)) {
    return [{ file: "<input>", text: pathOrText }];
  }
  let stat: ReturnType<typeof statSync>;
  try {
    stat = statSync(pathOrText);
  } catch {
    throw InputError.at(
      { file: pathOrText, line: 1, col: 1 },
      "no such file or folder; give a YAML file or a folder of .yaml files (or kubectl's -o json output)",
    );
  }
  if (stat.isDirectory()) {
    const files = readdirSync(pathOrText, { recursive: true, encoding: "utf8" })
      .filter((f) => INPUT_FILE.test(f))
      .sort();
    if (files.length === 0) {
      throw InputError.at(
        { file: pathOrText, line: 1, col: 1 },
        "folder holds no .yaml or .yml files (nor kubectl's .json)",
      );
    }
    return files.map((f) => readOne(join(pathOrText, f)));
  }
  return [readOne(pathOrText)];
}

/** Text given in place of a path: several lines, a first `apiVersion:`/`kind:` key, or a JSON object. */
export function isInlineText(pathOrText: string): boolean {
  return pathOrText.includes("\n") || /^\s*(apiVersion|kind)\s*:/.test(pathOrText) || /^\s*\{/.test(pathOrText);
}

function readOne(file: string): SourceFile {
  const bytes = readFileSync(file);
  if (bytes.length > MAX_BYTES) {
    throw InputError.at({ file, line: 1, col: 1 }, `file is ${bytes.length} bytes; at most ${MAX_BYTES} are read`);
  }
  const nul = bytes.indexOf(0);
  if (nul >= 0) throw binaryError(file, bytes, nul, "not a text file (binary data); expected UTF-8 YAML");
  // Checked first, then decoded without checks: at hundreds of MB of `kubectl -o json` this is
  // much cheaper than a decoder that checks as it goes.
  if (!isUtf8(bytes)) {
    const at = firstInvalidUtf8(bytes);
    const byte = `0x${bytes[at]!.toString(16).padStart(2, "0")}`;
    throw binaryError(file, bytes, at, `invalid UTF-8 (byte ${byte}); expected UTF-8 YAML, save the file as UTF-8`);
  }
  const text = bytes.toString("utf8");
  return { file, text: text.startsWith("\uFEFF") ? text.slice(1) : text };
}

function binaryError(file: string, bytes: Buffer, offset: number, message: string): InputError {
  const before = bytes.subarray(0, offset).toString("latin1");
  const line = before.split("\n").length;
  const col = offset - before.lastIndexOf("\n");
  return InputError.at({ file, line, col }, message);
}

function firstInvalidUtf8(bytes: Buffer): number {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let lo = 0;
  let hi = bytes.length;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    try {
      decoder.decode(bytes.subarray(0, mid));
      lo = mid;
    } catch {
      hi = mid;
    }
  }
  return lo;
}
