// Output files are written whole: a temp file beside the target, then renamed over it, so a reader
// never sees half a file and a failed write leaves nothing behind.
import { renameSync, unlinkSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";

/** A file kubehop was asked to write and could not; the CLI prints it and exits 2. */
export class OutputError extends Error {
  override name = "OutputError";
}

export function writeWhole(file: string, text: string): void {
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, file);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // nothing was written
    }
    throw new OutputError(`cannot write ${file}: ${(e as Error).message}`);
  }
}
