// Runs the Linux tools the emulation is built with: argv arrays through execFileSync/spawn, never a
// shell, so names and addresses from the topology are never interpreted. Every command can be
// pointed into a network namespace with `ip netns exec`.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";

export class CommandError extends Error {
  override name = "CommandError";
  constructor(
    readonly argv: readonly string[],
    readonly stderr: string,
    readonly status: number | null,
  ) {
    super(`${argv.join(" ")} failed (${status ?? "signal"}): ${stderr.trim().split("\n").slice(-3).join(" / ")}`);
  }
}

export interface RunOptions {
  /** Run inside this network namespace (`ip netns exec NS ...`). */
  readonly ns?: string;
  /** Text for the command's stdin. */
  readonly input?: string;
  /** Milliseconds before the command is killed. */
  readonly timeoutMs?: number;
  /** Environment additions. */
  readonly env?: Readonly<Record<string, string>>;
}

/** The argv that runs `cmd args` inside `ns` (or as is). */
export function inNs(ns: string | undefined, cmd: string, args: readonly string[]): string[] {
  return ns === undefined ? [cmd, ...args] : ["ip", "netns", "exec", ns, cmd, ...args];
}

/** Runs a command to completion; throws CommandError with its stderr on a non-zero exit. */
export function run(cmd: string, args: readonly string[], opts: RunOptions = {}): string {
  const argv = inNs(opts.ns, cmd, args);
  try {
    return execFileSync(argv[0]!, argv.slice(1), {
      input: opts.input ?? "",
      encoding: "utf8",
      stdio: ["pipe", "pipe", "pipe"],
      timeout: opts.timeoutMs ?? 20_000,
      env: opts.env ? { ...process.env, ...opts.env } : process.env,
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (e) {
    const err = e as { stderr?: string | Buffer; status?: number | null };
    throw new CommandError(argv, String(err.stderr ?? (e as Error).message), err.status ?? null);
  }
}

/** Like run, but a failure is returned instead of thrown. */
export function tryRun(
  cmd: string,
  args: readonly string[],
  opts: RunOptions = {},
): { ok: boolean; out: string; err: string } {
  try {
    return { ok: true, out: run(cmd, args, opts), err: "" };
  } catch (e) {
    return { ok: false, out: "", err: e instanceof CommandError ? e.stderr : String(e) };
  }
}

/** `ip -batch -`: many ip commands in one process (each line is an argv, joined by spaces). */
export function ipBatch(ns: string | undefined, lines: readonly (readonly string[])[]): void {
  if (lines.length === 0) return;
  for (const l of lines)
    for (const w of l)
      if (!/^[A-Za-z0-9_.:/@-]+$/.test(w)) throw new Error(`internal: unsafe ip batch word ${JSON.stringify(w)}`);
  const args = ns === undefined ? ["-batch", "-"] : ["-n", ns, "-batch", "-"];
  run("ip", args, { input: `${lines.map((l) => l.join(" ")).join("\n")}\n` });
}

/**
 * Starts a long-running process (a pod's server) in its own process group, so a Ctrl-C meant for kubehop does not kill
 * it before kubehop cleans up.
 */
export function start(cmd: string, args: readonly string[], opts: RunOptions = {}): ChildProcess {
  const argv = inNs(opts.ns, cmd, args);
  return spawn(argv[0]!, argv.slice(1), {
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
    env: opts.env ? { ...process.env, ...opts.env } : process.env,
  });
}

/** Runs a command asynchronously and collects its output (for probes that run side by side). */
export function runAsync(
  cmd: string,
  args: readonly string[],
  opts: RunOptions = {},
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const argv = inNs(opts.ns, cmd, args);
    const child = spawn(argv[0]!, argv.slice(1), {
      stdio: ["pipe", "pipe", "pipe"],
      env: opts.env ? { ...process.env, ...opts.env } : process.env,
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString("utf8")));
    child.stderr.on("data", (d: Buffer) => (err += d.toString("utf8")));
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 60_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
    child.on("error", (e) => {
      clearTimeout(timer);
      resolve({ code: -1, out, err: err + String(e) });
    });
    child.stdin.end(opts.input ?? "");
  });
}

/** Whether a command is on PATH. */
export function have(cmd: string): boolean {
  return tryRun("sh", ["-c", 'command -v "$1"', "sh", cmd]).ok;
}
