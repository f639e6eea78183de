// What a command may touch: two output streams and stdin. Commands return their exit code.
export interface CommandIO {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  readStdin: () => Promise<string>;
}

/** Bad usage or bad input: printed without a stack trace, exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

export const EXIT = { ok: 0, failed: 1, badInput: 2 } as const;

export function required(v: string | undefined, what: string): string {
  if (v === undefined || v === "") throw new UsageError(`missing ${what}`);
  return v;
}

export function int(v: string, what: string, min: number, max: number): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < min || n > max) throw new UsageError(`${what} ${v}: expected a whole number ${min}-${max}`);
  return n;
}
