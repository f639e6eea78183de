// Bad input is reported, never thrown as a stack trace: every problem names the file, the line and
// column, what is wrong and what would be valid.
import type { Origin } from "../model/cluster.ts";

export interface InputProblem extends Origin {
  readonly message: string;
}

export class InputError extends Error {
  readonly problems: readonly InputProblem[];
  constructor(problems: readonly InputProblem[]) {
    super(problems.map(formatProblem).join("\n"));
    this.name = "InputError";
    this.problems = problems;
  }
  static at(origin: Origin, message: string): InputError {
    return new InputError([{ ...origin, message }]);
  }
}

export function formatProblem(p: InputProblem): string {
  return `${p.file}:${p.line}:${p.col}: ${p.message}`;
}
