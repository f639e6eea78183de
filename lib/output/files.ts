// Output files the user names (-o, --svg, --junit, generate's -o) are written whole and safely by
// replaceFile: an exclusive temporary file beside the target, then a rename; a target that is not a
// regular file (a symlink, folder, FIFO, device) is refused rather than written through.
import { replaceFile } from "../input/whole-file.ts";

/** A file kubehop was asked to write and could not; the CLI prints it and exits 2. */
export class OutputError extends Error {
  override name = "OutputError";
}

export function writeWhole(file: string, text: string): void {
  try {
    replaceFile(file, text);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new OutputError(
      `cannot write ${file}: ${err.name === "UnsafeTargetError" ? err.message : systemReason(err)}`,
    );
  }
}

/** The system's reason in words, without Node's "ENOENT: ..., open '/tmp/.x.1a2b.tmp'" (a name the user never gave). */
function systemReason(e: NodeJS.ErrnoException): string {
  switch (e.code) {
    case "ENOENT":
      return "its folder does not exist";
    case "ENOTDIR":
      return "a part of its path is not a folder";
    case "EACCES":
    case "EPERM":
      return "permission denied (the folder is not writable)";
    case "EROFS":
      return "the file system is read-only";
    case "ENOSPC":
      return "no space left on the device";
    case "EDQUOT":
      return "disk quota exceeded";
    default:
      // "ECODE: what, syscall 'path'": the temporary file's path says nothing to the user.
      return e.message.split(",")[0]!;
  }
}
