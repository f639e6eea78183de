// kubehop's command line: from argv to one command, loaded only when it runs; exit 0 ok, 1 failed,
// 2 bad input, 3 an internal error (a bug: one line asking for a report, the stack only with
// KUBEHOP_DEBUG set). This file and the command table import nothing of the simulator, so help, version,
// completion and typos answer at once.
import { readFileSync } from "node:fs";
import { COMMANDS } from "./commands.ts";
import { commandHelp, mainHelp } from "./help.ts";
import { type CommandIO, EXIT } from "./io.ts";
import { parseCommand } from "./parse.ts";
import { safe, safeLines } from "../output/terminal.ts";
import { didYouMean } from "../model/suggest.ts";

/** Errors that are the user's input or usage, by name: importing their classes would load the simulator. */
const PLAIN = new Set(["InputError", "NetfilterParseError", "NetfilterWorkError"]);
const PREFIXED = new Set(["UsageError", "RequestError", "OutputError", "AssertionInputError", "EmulationError"]);

export const defaultIO: CommandIO = {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString("utf8");
  },
  columns: terminalColumns(),
  color: process.stdout.isTTY === true && !process.env.NO_COLOR && process.env.TERM !== "dumb",
};

function terminalColumns(): number {
  if (process.stdout.isTTY && process.stdout.columns > 0) return process.stdout.columns;
  const env = Number(process.env.COLUMNS);
  return Number.isInteger(env) && env >= 20 ? env : 100;
}

export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

export async function main(argv: string[], io: CommandIO = defaultIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.stderr(mainHelp(version(), io.columns));
    return EXIT.badInput;
  }
  if (name === "--help" || name === "-h") return say(io, mainHelp(version(), io.columns));
  if (name === "--version" || name === "version") return say(io, `kubehop ${version()}\n`);
  if (name === "help") return help(rest[0], io);
  const spec = COMMANDS[name];
  if (!spec) {
    io.stderr(
      `kubehop: unknown command "${safe(name)}"${didYouMean(name, Object.keys(COMMANDS))}; see kubehop --help\n`,
    );
    return EXIT.badInput;
  }
  try {
    if (spec.rawArgs && (rest.includes("--help") || rest.includes("-h")))
      return say(io, commandHelp(name, spec, io.columns));
    const args = spec.rawArgs ? { values: {}, positionals: rest } : parseCommand(name, spec, rest);
    if (args.values.help === true) return say(io, commandHelp(name, spec, io.columns));
    const { run } = await spec.load();
    return await run(args, io);
  } catch (e) {
    const kind = (e as Error | undefined)?.name ?? "";
    // Messages quote the user's names, paths and URLs: no control character reaches the terminal.
    const message = safeLines((e as Error | undefined)?.message ?? "");
    if (PLAIN.has(kind)) io.stderr(`${message}\n`);
    else if (kind === "UsageError") io.stderr(`kubehop ${name}: ${message}\nusage: kubehop ${name} ${spec.usage}\n`);
    else if (PREFIXED.has(kind)) io.stderr(`kubehop ${name}: ${message}\n`);
    else return internalError(e, `kubehop ${name}`, io.stderr);
    return EXIT.badInput;
  }
}

/**
 * Anything else that reaches the top is a bug in kubehop, not the user's input: one line that says
 * so and asks for a report, exit 3. The stack trace only with KUBEHOP_DEBUG set (to anything but 0),
 * since a stack means nothing to most users and may show their paths. Also used by bin/kubehop.js
 * for an exception thrown outside a command's promise (an event handler, a rejected promise).
 */
export function internalError(e: unknown, who: string, write: (s: string) => void): number {
  const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  write(
    `${who}: internal error: ${firstLine(message)} (a bug in kubehop: please report it with the command line that ` +
      "caused it; KUBEHOP_DEBUG=1 prints the stack)\n",
  );
  const debug = process.env.KUBEHOP_DEBUG;
  if (debug !== undefined && debug !== "" && debug !== "0" && e instanceof Error && e.stack) write(`${e.stack}\n`);
  return EXIT.internal;
}

function firstLine(s: string): string {
  // The message may quote input: no terminal control sequence reaches the user's screen.
  const line = s.split("\n")[0]!.replace(/\p{Cc}/gu, "?");
  return line.length > 300 ? `${line.slice(0, 300)}...` : line;
}

function help(name: string | undefined, io: CommandIO): number {
  if (name === undefined) return say(io, mainHelp(version(), io.columns));
  const spec = COMMANDS[name];
  if (spec) return say(io, commandHelp(name, spec, io.columns));
  io.stderr(`kubehop help: unknown command "${safe(name)}"${didYouMean(name, Object.keys(COMMANDS))}\n`);
  return EXIT.badInput;
}

function say(io: CommandIO, text: string): number {
  io.stdout(text);
  return EXIT.ok;
}
