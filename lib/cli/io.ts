// What a command may touch: two output streams and stdin. Commands return their exit code.
export interface CommandIO {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  readStdin: () => Promise<string>;
  /** Width text output should fit (the terminal's, else $COLUMNS, else 100). */
  columns?: number;
  /** Colour only on a terminal and never with NO_COLOR set. */
  color?: boolean;
}

export function columnsOf(io: CommandIO): number {
  return io.columns ?? 100;
}

/** Bad usage or bad input: printed without a stack trace, exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

export const EXIT = { ok: 0, failed: 1, badInput: 2, internal: 3 } as const;

export function required(v: string | undefined, what: string): string {
  if (v === undefined || v === "") throw new UsageError(`missing ${what}`);
  return v;
}

export function int(v: string, what: string, min: number, max: number): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < min || n > max)
    throw new UsageError(`${what} ${v}: expected a whole number ${min}-${max}`);
  return n;
}
