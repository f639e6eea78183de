// Rewrites the output of every ```console example in README.md with what the command prints now.
// Run after changing output on purpose: npx tsx scripts/update-readme.ts (spec/readme.spec.ts checks,
// with the same word splitting and the same IO, so both see what a 100-column pipe would).
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import type { CommandIO } from "../lib/cli/io.ts";
import { main } from "../lib/cli/main.ts";

export const README = new URL("../README.md", import.meta.url);

export interface Example {
  /** The command line as shown, without the `$ `. */
  command: string;
  /** What it prints, stdout and stderr in the order written. */
  expected: string;
}

/** Every ```console block: its first line is `$ COMMAND`, the rest is what COMMAND prints. */
export function examples(markdown: string): Example[] {
  return [...markdown.matchAll(/```console\n([\s\S]*?)```/g)].map((block) => {
    const [first, ...rest] = block[1]!.split("\n");
    return { command: first!.replace(/^\$ /, ""), expected: rest.join("\n") };
  });
}

/**
 * A command line split into words as a POSIX shell does for these examples: '...' literal,
 * "..." with \" \\ \$ \` escapes, a backslash outside quotes escaping the next character, and
 * quoted and bare parts of one word joined (--data='a b' is one word).
 */
export function words(line: string): string[] {
  const out: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === " " || c === "\t") {
      if (word !== undefined) out.push(word);
      word = undefined;
    } else if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new Error(`unclosed ' in: ${line}`);
      word = (word ?? "") + line.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      word ??= "";
      for (i++; line[i] !== '"'; i++) {
        if (i >= line.length) throw new Error(`unclosed " in: ${line}`);
        if (line[i] === "\\" && '"\\$`'.includes(line[i + 1] ?? "")) i++;
        word += line[i];
      }
    } else if (c === "\\" && i + 1 < line.length) word = (word ?? "") + line[++i];
    else word = (word ?? "") + c;
  }
  if (word !== undefined) out.push(word);
  return out;
}

/** Runs `npx kubehop ARGS...` in-process as a 100-column pipe with no colour would see it. */
export async function run(command: string): Promise<string> {
  const [npx, bin, ...args] = words(command);
  if (`${npx} ${bin}` !== "npx kubehop") throw new Error(`a console example must run npx kubehop: ${command}`);
  let printed = "";
  const io: CommandIO = {
    stdout: (s) => (printed += s),
    stderr: (s) => (printed += s),
    readStdin: async () => "",
    columns: 100,
    color: false,
  };
  await main(args, io);
  return printed;
}

async function update(): Promise<void> {
  const parts = readFileSync(README, "utf8").split(/(```console\n[\s\S]*?```)/);
  for (let i = 1; i < parts.length; i += 2) {
    const [example] = examples(parts[i]!);
    parts[i] = `\`\`\`console\n$ ${example!.command}\n${await run(example!.command)}\`\`\``;
  }
  writeFileSync(`${README.pathname}.tmp`, parts.join(""));
  renameSync(`${README.pathname}.tmp`, README.pathname);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await update();
