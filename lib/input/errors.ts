// Bad input is reported, never thrown as a stack trace: every problem is an error Diagnostic naming
// the file, the line and column, what is wrong and what would be valid.
import { type Diagnostic, type DiagnosticCode, diagnostic, formatDiagnostic } from "../model/diagnostic.ts";
import type { Origin } from "../model/origin.ts";

/** An error found in the input: a Diagnostic of severity error. */
export type InputProblem = Diagnostic;

export class InputError extends Error {
  readonly diagnostics: readonly Diagnostic[];
  constructor(diagnostics: readonly Diagnostic[]) {
    super(diagnostics.map(formatDiagnostic).join("\n"));
    this.name = "InputError";
    this.diagnostics = diagnostics;
  }
  /** The default code is for the readers of files and folders, which report nothing else. */
  static at(origin: Origin, message: string, code: DiagnosticCode = "input-file", hint?: string): InputError {
    return new InputError([diagnostic(code, origin, message, hint)]);
  }
}

/** An error at a position: the problems lists of the input checks collect these. */
export function problem(code: DiagnosticCode, origin: Origin, message: string, hint?: string): Diagnostic {
  return diagnostic(code, { file: origin.file, line: origin.line, col: origin.col }, message, hint);
}
