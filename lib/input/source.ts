// Reads what the user gave: a file, a folder of files, or YAML (or JSON) text, without ever writing to it.
import { isUtf8 } from "node:buffer";
import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  statSync,
} from "node:fs";
import { isAbsolute, join, relative, sep } from "node:path";
import type { Origin } from "../model/origin.ts";
import { InputError } from "./errors.ts";
import { kindOf } from "./whole-file.ts";

export interface SourceFile {
  readonly file: string;
  readonly text: string;
}

/** kubectl writes `-o yaml` and `-o json`; a folder of either (or both) is read. */
const INPUT_FILE = /\.(ya?ml|json)$/i;
/**
 * The largest input file read: 500 MiB, enough for 5,000 nodes and 150,000 pods written out in
 * full, small enough to refuse a disk image, and below the longest string Node can hold (512 MiB
 * less 24 characters), so the limit is an error with a position rather than a RangeError.
 */
export const MAX_INPUT_BYTES = 500 * 1024 * 1024;
/** Never blocks on open: a FIFO that slipped in between the check and the open is refused, not waited on. */
const OPEN_FOR_READING = constants.O_RDONLY | constants.O_NONBLOCK;

export function readSources(pathOrText: string): SourceFile[] {
  if (isInlineText(pathOrText)) {
    return [{ file: "<input>", text: pathOrText }];
  }
  const at = { file: pathOrText, line: 1, col: 1 };
  let stat: ReturnType<typeof statSync>;
  try {
    stat = statSync(pathOrText);
  } catch (e) {
    throw InputError.at(
      at,
      `${unreadable(e, pathOrText)}; give a YAML file or a folder of .yaml files (or kubectl's -o json output)`,
    );
  }
  if (stat.isDirectory()) {
    let names: string[];
    try {
      names = readdirSync(pathOrText, { recursive: true, encoding: "utf8" });
    } catch (e) {
      throw InputError.at(at, `cannot list the folder: ${unreadable(e, pathOrText)}`);
    }
    const files = names.filter((f) => INPUT_FILE.test(f)).sort();
    if (files.length === 0) {
      throw InputError.at(at, "folder holds no .yaml or .yml files (nor kubectl's .json)");
    }
    const folder = realFolder(pathOrText);
    return files.map((f) => readOne(insideFolder(join(pathOrText, f), pathOrText, folder)));
  }
  return [readOne(pathOrText)];
}

function realFolder(folder: string): string {
  try {
    return realpathSync(folder);
  } catch (e) {
    throw InputError.at({ file: folder, line: 1, col: 1 }, `cannot list the folder: ${unreadable(e, folder)}`);
  }
}

/**
 * A file found in a folder given as the topology, refused when it is a symbolic link out of the folder:
 * a folder of manifests may come from someone else, and a link in it to ~/.kube/config is not theirs to
 * give. A link kubehop cannot follow is left for the reader to report.
 */
function insideFolder(file: string, folder: string, real: string): string {
  let target: string;
  try {
    target = realpathSync(file);
  } catch {
    return file;
  }
  const rel = relative(real, target);
  if (rel.startsWith(`..${sep}`) || rel === ".." || isAbsolute(rel))
    throw InputError.at(
      { file, line: 1, col: 1 },
      `a symbolic link to a file outside ${folder}; kubehop reads only the folder's own files: copy it in`,
      "path-outside",
    );
  return file;
}

/** Text given in place of a path: several lines, a first `apiVersion:`/`kind:` key, or a JSON object. */
export function isInlineText(pathOrText: string): boolean {
  return pathOrText.includes("\n") || /^\s*(apiVersion|kind)\s*:/.test(pathOrText) || /^\s*\{/.test(pathOrText);
}

function readOne(file: string): SourceFile {
  const bytes = readInputFile(file);
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

/**
 * The bytes of a file kubehop reads, refused with a position (`at`, else the file's 1:1) when it is
 * not a regular file (a FIFO would block, a device never ends), cannot be opened (missing, a
 * dangling or looping link, unreadable) or is larger than MAX_INPUT_BYTES, checked before reading.
 * `checkOpened` may refuse the open file (by throwing InputError) before it is read.
 */
export function readInputFile(
  file: string,
  at: Origin = { file, line: 1, col: 1 },
  checkOpened?: (fd: number) => void,
): Buffer {
  const refuse = (why: string) => InputError.at(at, at.file === file ? why : `${file}: ${why}`);
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(file);
  } catch (e) {
    throw refuse(unreadable(e, file));
  }
  if (!st.isFile()) throw refuse(`${kindOf(st)}, not a regular file; kubehop reads regular files only`);
  let fd: number;
  try {
    fd = openSync(file, OPEN_FOR_READING);
  } catch (e) {
    throw refuse(unreadable(e, file));
  }
  try {
    const opened = fstatSync(fd);
    if (!opened.isFile()) throw refuse(`${kindOf(opened)}, not a regular file; kubehop reads regular files only`);
    if (opened.size > MAX_INPUT_BYTES)
      throw refuse(`file is ${opened.size} bytes; at most ${MAX_INPUT_BYTES} (500 MiB) are read`);
    // The caller's check of what was really opened (a path confined to a folder), before a byte is read.
    checkOpened?.(fd);
    const bytes = readFileSync(fd);
    // A file that grew after it was measured.
    if (bytes.length > MAX_INPUT_BYTES)
      throw refuse(`file is over ${MAX_INPUT_BYTES} bytes; at most ${MAX_INPUT_BYTES} (500 MiB) are read`);
    return bytes;
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw refuse(unreadable(e, file));
  } finally {
    closeSync(fd);
  }
}

/** Why a path could not be read, in words (the system's code names in brackets for searching). */
function unreadable(e: unknown, path: string): string {
  switch ((e as NodeJS.ErrnoException).code) {
    case "ENOENT":
      return danglingLink(path) ?? "no such file or folder";
    case "ELOOP":
      return "too many levels of symbolic links (a symlink loop)";
    case "EACCES":
    case "EPERM":
      return "permission denied (EACCES): kubehop cannot read it";
    case "EISDIR":
      return "is a folder, where a file was expected";
    case "ENOTDIR":
      return "a part of the path is not a folder";
    case "ENAMETOOLONG":
      return "the path is too long";
    default:
      return `cannot read it: ${(e as Error).message.split(",")[0]}`;
  }
}

/** "a symbolic link to TARGET, which does not exist" when `path` is one. */
function danglingLink(path: string): string | undefined {
  try {
    return lstatSync(path).isSymbolicLink()
      ? `a symbolic link to ${JSON.stringify(readlinkSync(path))}, which does not exist`
      : undefined;
  } catch {
    return undefined;
  }
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
