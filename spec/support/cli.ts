// Runs kubehop's CLI in-process, capturing what it prints; the terminal is fixed (100 columns, no colour)
// unless a spec says otherwise, so output does not depend on where the specs run.
import type { CommandIO } from "../../lib/cli/io.ts";
import { main } from "../../lib/cli/main.ts";

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCli(
  argv: string[],
  options: { stdin?: string; columns?: number; color?: boolean } = {},
): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  const io: CommandIO = {
    stdout: (s) => void (stdout += s),
    stderr: (s) => void (stderr += s),
    readStdin: async () => options.stdin ?? "",
    columns: options.columns ?? 100,
    color: options.color ?? false,
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

/** A command line as a shell splits it: words, with '...' and "..." quoting (no expansions). */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  const re = /'([^']*)'|"((?:\\.|[^"\\])*)"|([^\s'"]+)/g;
  let word: string | undefined;
  let last = -1;
  for (let m = re.exec(line); m; m = re.exec(line)) {
    const part = m[1] ?? m[2]?.replace(/\\(.)/g, "$1") ?? m[3]!;
    if (m.index === last && word !== undefined) word += part;
    else {
      if (word !== undefined) words.push(word);
      word = part;
    }
    last = re.lastIndex;
  }
  if (word !== undefined) words.push(word);
  return words;
}
