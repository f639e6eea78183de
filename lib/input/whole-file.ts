// The one way kubehop writes a file (the commands' -o, --svg, --junit and generate's output through
// lib/output/files.ts, and the snapshot cache): safe in a folder others can write to, also as root.
// The data goes to a temporary file created exclusively (O_EXCL: never an existing file; O_NOFOLLOW:
// never through a symlink) under an unpredictable name beside the target, which is then renamed over
// the target: a reader sees the old file or the new one, never half of one, and rename replaces a
// link rather than writing through it. This lives in the lowest layer that touches files, so the
// snapshot cache (control plane) and the output commands share it.
import { randomBytes } from "node:crypto";
import { closeSync, constants, fchmodSync, lstatSync, openSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";

/** Why a target is not written; the message names the file and what would be valid. */
export class UnsafeTargetError extends Error {
  override name = "UnsafeTargetError";
}

export interface ReplaceOptions {
  /** Permission bits of a new file (before the umask); an existing regular file keeps its own. */
  readonly mode?: number;
}

const CREATE_EXCLUSIVE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/**
 * Writes `data` to `file` whole. Throws UnsafeTargetError when `file` exists and is not a regular
 * file (a symlink, folder, FIFO, socket or device), else the system error of the write; either way
 * no temporary file is left behind.
 */
export function replaceFile(file: string, data: string | readonly Uint8Array[], options: ReplaceOptions = {}): void {
  const existingMode = regularFileMode(file);
  deferSignalsDuringWrites();
  const temp = join(dirname(file), `.${basename(file)}.${randomBytes(8).toString("hex")}.tmp`);
  const fd = openSync(temp, CREATE_EXCLUSIVE, options.mode ?? 0o666);
  try {
    if (existingMode !== undefined) fchmodSync(fd, existingMode);
    for (const part of typeof data === "string" ? [Buffer.from(data, "utf8")] : data) writeAll(fd, part);
    closeSync(fd);
    renameSync(temp, file);
  } catch (e) {
    closeQuietly(fd);
    unlinkQuietly(temp);
    throw e;
  }
}

/** The permission bits of `file` when it is a regular file, undefined when it does not exist. */
function regularFileMode(file: string): number | undefined {
  let st: ReturnType<typeof lstatSync>;
  try {
    st = lstatSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
  if (st.isFile()) return st.mode & 0o7777;
  throw new UnsafeTargetError(
    `${file} is ${kindOf(st)}, not a regular file: kubehop replaces only regular files; name a new or regular file`,
  );
}

/** What a path is, in words, for the refusal. */
export function kindOf(st: { isSymbolicLink(): boolean; isDirectory(): boolean } & FileKind): string {
  if (st.isSymbolicLink()) return "a symbolic link";
  if (st.isDirectory()) return "a folder";
  if (st.isFIFO()) return "a FIFO (named pipe)";
  if (st.isSocket()) return "a socket";
  if (st.isCharacterDevice()) return "a character device";
  if (st.isBlockDevice()) return "a block device";
  return "not a regular file";
}

interface FileKind {
  isFIFO(): boolean;
  isSocket(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
}

function writeAll(fd: number, buf: Uint8Array): void {
  for (let off = 0; off < buf.length; ) off += writeSync(fd, buf, off);
}

const DEFERRED: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];
let deferring = false;

/**
 * Without a listener, SIGINT or SIGTERM kills the process at once, possibly between creating the
 * temporary file and renaming it. With one, Node delivers the signal on the event loop, that is
 * after the synchronous write has renamed or removed its temporary file; the listener then ends the
 * process as the signal would have (re-raised with the default action), unless the command has
 * listeners of its own (emulate tears down, then exits), which decide instead. A command that ends
 * straight after its write ends with its own exit code: Node does not wait for a pending signal.
 */
function deferSignalsDuringWrites(): void {
  if (deferring) return;
  deferring = true;
  const onSignal = (sig: NodeJS.Signals) => {
    if (process.listenerCount(sig) > 1) return;
    for (const s of DEFERRED) process.off(s, onSignal);
    deferring = false;
    process.kill(process.pid, sig);
  };
  for (const s of DEFERRED) process.on(s, onSignal);
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // Already closed before the rename failed.
  }
}

function unlinkQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // Renamed already, or never created.
  }
}
