// Line and word positions for the dump parsers: every problem points at `file:line:col`.
import { type Diagnostic, type DiagnosticCode, diagnostic } from "../model/diagnostic.ts";

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

/** A dump's errors (lines it cannot read: dump-syntax) and warnings (what it reads but does not model). */
export class Problems {
  readonly list: Diagnostic[] = [];
  readonly warnings: Diagnostic[] = [];
  constructor(readonly file: string) {}
  error(line: number, col: number, message: string): void {
    this.list.push(diagnostic("dump-syntax", { file: this.file, line, col }, message));
  }
  /** At the line's first column: these are about the whole line. */
  warn(code: DiagnosticCode, line: number, message: string, hint?: string): void {
    this.warnings.push(diagnostic(code, { file: this.file, line, col: 1 }, message, hint));
  }
  /** Whether an error was found on this line. */
  failed(line: number): boolean {
    return this.list.some((p) => p.source !== undefined && "line" in p.source && p.source.line === line);
  }
}
