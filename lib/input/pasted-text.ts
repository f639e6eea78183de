// What people paste around the YAML they mean: a shell prompt with the command they ran, kubectl's
// `Warning:` lines (stderr, interleaved), and the tables or `describe` text of other commands. The
// YAML parser would read a `Warning: ...` line as a key and a table as a scalar; these lines are
// blanked instead (line numbers stay those of the file) and each run of them is a diagnostic.
import { type Diagnostic, diagnostic } from "../model/diagnostic.ts";
import { asWritten, excerpt } from "../model/excerpt.ts";

/**
 * `$ cmd`, `$cmd`, `user@host:~# cmd`, `[user@host dir]$ cmd`, `PS C:\> cmd`, `❯ cmd`. Not a bare `#`
 * (a YAML comment) nor `%` (a YAML directive).
 */
const PROMPT = /^(?:\$|❯|PS [^>]*>|[\w.-]+@[\w.-]+(?::[^\s$#]*)?[$#]|\[[\w.-]+@[^\]]*\][$#])\s*\S/;
/** kubectl prints the API server's warnings (deprecations, policy) to stderr in this form. */
const KUBECTL_WARNING = /^Warning: (.*)$/;
/** A kubectl table's header: upper-case column names (`PORT(S)`, `NOMINATED NODE`) two or more spaces apart. */
const COLUMN = "[A-Z][A-Z0-9_-]*(?:\\([A-Z]\\))?(?: [A-Z][A-Z0-9_-]*)*";
const TABLE_HEADER = new RegExp(`^${COLUMN}(?: {2,}${COLUMN})+ *$`);
/** The first line of a YAML or JSON document kubectl prints (or a user writes). */
const DOCUMENT_START = /^(?:---|apiVersion:|kind:|items:|metadata:|\{|#)/;
/** Cheap test for the whole text: most files hold none of these at a line's start. */
const ANY_PASTE =
  /^(?:\$|❯|PS |Warning: |[\w.-]+@[\w.-]+(?::[^\s$#]*)?[$#]|\[[\w.-]+@|[A-Z][A-Z0-9_-]*(?:\([A-Z]\))? {2,}[A-Z])/m;

export interface PasteReading {
  /** The text with pasted lines blank (a prompt before YAML becomes `---`, ending the document above). */
  readonly text: string;
  readonly diagnostics: readonly Diagnostic[];
}

/** The YAML of a terminal paste, or undefined when the text is plain YAML (nothing to skip). */
export function readPaste(file: string, text: string): PasteReading | undefined {
  if (!ANY_PASTE.test(text)) return undefined;
  const lines = text.split("\n");
  const notes: Diagnostic[] = [];
  const at = (i: number) => ({ file, line: i + 1, col: 1 });
  const skipped = (first: number, last: number, what: string, after = "") =>
    notes.push(
      diagnostic(
        "pasted-text",
        at(first),
        `${what}${last > first ? ` (lines ${first + 1}-${last + 1})` : ""}: not YAML, skipped${after}`,
      ),
    );
  for (let i = 0; i < lines.length; i++) {
    const warning = KUBECTL_WARNING.exec(lines[i]!.trimEnd());
    if (!warning) continue;
    notes.push(
      diagnostic(
        "kubectl-warning",
        at(i),
        `kubectl printed a warning from the API server: ${asWritten(warning[1]!, 200)}`,
      ),
    );
    lines[i] = "";
  }
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (PROMPT.test(line)) {
      const end = blockEnd(lines, i + 1, (l) => PROMPT.test(l));
      const first = lines.slice(i + 1, end).findIndex((l) => l.trim() !== "");
      const command = `shell prompt ${excerpt(line.trim())}`;
      if (first >= 0 && DOCUMENT_START.test(lines[i + 1 + first]!)) {
        skipped(i, i, command, "; the YAML after it is read");
        lines[i] = "---";
      } else {
        skipped(i, end - 1, `${command} and what the command printed`);
        blank(lines, i, end);
        i = end - 1;
      }
    } else if (TABLE_HEADER.test(line.trimEnd())) {
      const end = blockEnd(lines, i + 1, (l) => l.trim() === "" || DOCUMENT_START.test(l) || PROMPT.test(l));
      skipped(i, end - 1, `a table kubectl printed (${excerpt(line.trim().replace(/ {2,}/g, " "))})`);
      blank(lines, i, end);
      i = end - 1;
    }
  }
  return notes.length === 0 ? undefined : { text: lines.join("\n"), diagnostics: notes };
}

function blockEnd(lines: readonly string[], from: number, ends: (line: string) => boolean): number {
  let i = from;
  while (i < lines.length && !ends(lines[i]!)) i++;
  return i;
}

function blank(lines: string[], from: number, to: number): void {
  for (let i = from; i < to; i++) lines[i] = "";
}
