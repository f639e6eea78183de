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
