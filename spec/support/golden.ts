// Golden files: output a human has read, committed, and compared byte for byte. With UPDATE_GOLDEN=1
// a file that differs is rewritten (and named on stderr) instead of failing: only the files the
// running specs compare, so `UPDATE_GOLDEN=1 npx mocha spec/x.spec.ts` touches x's files alone.
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { relative } from "node:path";
import { fileURLToPath } from "node:url";
import { AssertionError } from "chai";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** Where the file's text first differs from `actual`: line number and both lines. */
function firstDifference(expected: string, actual: string): string {
  const a = expected.split("\n");
  const b = actual.split("\n");
  const i = a.findIndex((line, k) => line !== b[k]);
  const at = i === -1 ? a.length : i;
  const show = (s: string | undefined) =>
    s === undefined ? "(end of text)" : JSON.stringify(s.length > 200 ? `${s.slice(0, 200)}...` : s);
  return `line ${at + 1}: the file has ${show(a[at])}, the output ${show(b[at])}`;
}

/**
 * Compares `actual` with the golden file `path` (relative to the repository's root). `spec` is the
 * spec's own import.meta.url, named in the failure's message with the command that updates the file.
 */
export function golden(spec: string, path: string, actual: string): void {
  const file = `${ROOT}${path}`;
  let expected: string | undefined;
  try {
    expected = readFileSync(file, "utf8");
  } catch {
    expected = undefined;
  }
  if (expected === actual) return;
  if (process.env.UPDATE_GOLDEN) {
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, actual);
    renameSync(tmp, file);
    process.stderr.write(`      golden: rewrote ${path}\n`);
    return;
  }
  const update = `UPDATE_GOLDEN=1 npx mocha ${relative(ROOT, fileURLToPath(spec))}`;
  const why = expected === undefined ? "is missing" : `is stale (${firstDifference(expected, actual)})`;
  throw new AssertionError(`${path} ${why}; after checking the change, ${update} rewrites it`);
}
