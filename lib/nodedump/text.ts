// Line and word positions for the dump parsers: every problem points at `file:line:col`. Dumps are
// read best-effort, as users paste them: a line that cannot be read is a diagnostic and the rest of
// the file is still read; shell prompts and echoed commands are recognised and skipped.
import { type Diagnostic, type DiagnosticCode, diagnostic } from "../model/diagnostic.ts";
import { excerpt } from "../model/excerpt.ts";

export interface Word {
  readonly text: string;
  /** 1-based column of the word's first character. */
  readonly col: number;
}

/** Words split on runs of blanks, with their columns. */
export function words(line: string): Word[] {
  return [...line.matchAll(/[^ \t]+/g)].map((m) => ({ text: m[0], col: m.index + 1 }));
}

/** Fields split on each tab (empty fields kept), with their columns. */
export function tabFields(line: string): Word[] {
  const out: Word[] = [];
  let col = 1;
  for (const text of line.split("\t")) {
    out.push({ text, col });
    col += text.length + 1;
  }
  return out;
}

/** The dump's lines, without a trailing CR, numbered from 1. */
export function lines(text: string): { readonly text: string; readonly line: number }[] {
  return text.split("\n").map((t, i) => ({ text: t.endsWith("\r") ? t.slice(0, -1) : t, line: i + 1 }));
}

// `root@node:~# cmd`, `[root@node3 dev]# cmd`, `user@host:~$ cmd`, `bash-5.0# cmd`, `$ cmd`.
const PROMPT = /^(?:\[[^\]]*\]|[\w.-]+@[^\s#$]*|(?:ba|z|k)?sh-[\d.]+)?[#$%](?:\s|$)/;
// zsh's oh-my-zsh prompt: `➜  dir git:(master) ✗ cmd`.
const ZSH = /^➜\s/;
/** The commands whose output these parsers read, and the ones around them in a paste. */
const COMMAND = /^(?:sudo\s+)?(?:ip|wg|ipset|iptables(?:-save|-legacy-save|-nft-save)?|nft|kubectl|cat)(?:\s|$)/;

/**
 * What a line that is no output of the command is: a shell prompt (with or without its command), a
 * command echoed alone on its line, or a comment (`# ...`, which kubehop's own dumps carry); none
 * of these starts a line of `ip`, `wg` or `ipset` output.
 */
export function pastedLine(line: string): "prompt" | "comment" | undefined {
  const t = line.trim();
  if (ZSH.test(t) || COMMAND.test(t)) return "prompt";
  const m = PROMPT.exec(t);
  if (!m) return undefined;
  // A bare `# text` is a comment unless a command follows; `root@host:~#` is a prompt whatever follows.
  return m[0].trim() === "#" && !COMMAND.test(t.slice(m[0].length)) ? "comment" : "prompt";
}

/**
 * A dump's diagnostics: lines it cannot read (dump-syntax: the line or field is skipped), what it
 * reads but does not model, and the prompts it skipped. Nothing here rejects the file.
 */
export class Problems {
  readonly warnings: Diagnostic[] = [];
  private readonly unread = new Set<number>();
  constructor(readonly file: string) {}
  /** The line (or the field at `col`) cannot be read: it is skipped and the rest is read. */
  error(line: number, col: number, message: string): void {
    this.unread.add(line);
    this.warnings.push(diagnostic("dump-syntax", { file: this.file, line, col }, message));
  }
  /** At the line's first column: these are about the whole line. */
  warn(code: DiagnosticCode, line: number, message: string, hint?: string): void {
    this.warnings.push(diagnostic(code, { file: this.file, line, col: 1 }, message, hint));
  }
  /** Skips a prompt or echoed command (saying so) or a comment; true when the line was one. */
  prompt(line: number, text: string): boolean {
    const kind = pastedLine(text);
    if (kind === "prompt")
      this.warn("dump-prompt", line, `${excerpt(text.trim())} is a shell prompt or an echoed command; skipped`);
    return kind !== undefined;
  }
  /** Whether a field of this line could not be read. */
  failed(line: number): boolean {
    return this.unread.has(line);
  }
}
