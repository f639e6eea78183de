// The large cluster's per-packet figure and the 10-Service cluster's, taken in turns of a few
// thousand walks each, so that every pair of figures comes from the same state of this shared
// machine (it switches between a quiet and a ~2x slower state every few seconds; rounds seconds
// apart, or in a child process started for each, put that switch into the ratio).
//
// The 10-Service walks run in a worker thread: its own V8 isolate, so its engines do not shape the
// JIT's code for the large cluster's walk (walked in one isolate, the large walk ran ~1.7x slower,
// for a reason no user meets: one process traces one cluster). The threads hand the turn to each
// other through a shared Int32Array, Atomics.wait and Atomics.notify; only one walks at a time.
//
// Both threads run on one CPU during the turns: here the slow state belongs to a CPU, not to the
// machine, and two threads on two CPUs gave a 10-Service walk on both sides a ratio of 0.63x for a
// whole run (pinned to one CPU, quartiles 1.00 to 1.03).
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { Worker } from "node:worker_threads";
import { performance } from "node:perf_hooks";
import { median, steadyTimeIt, timeIt } from "./report.ts";

export type Mode = "iptables" | "nftables";

/** Slots of the shared control array. */
export const TURN = 0;
export const READY = 1;
export const BRANCHES = 2;
export const EVENTS = 3;
/** Values of the TURN slot. */
export const LARGE = 0;
export const SMALL = 1;
export const STOP = 2;

/** What the worker (bench/small-walks.ts) is given. */
export interface SmallWalkData {
  readonly mode: Mode;
  readonly walks: number;
  readonly control: Int32Array;
  /** Per turn, its median walk and its mean walk with the scavenges it met, in µs (see walkTurn). */
  readonly figures: Float64Array;
}

/**
 * One turn of `walks` walks: the median walk, as the targets are set, and the mean, which counts the
 * scavenges the walks' garbage causes (a scavenge costs more the larger the old heap: 5 ms at 1.2 GB,
 * 0.5 ms at 35 MB), and so what many traces cost a user.
 */
export function walkTurn(walk: () => number, walks: number, into: Float64Array, at: number): void {
  const start = performance.now();
  into[2 * at] = timeIt(walk, walks, walks / 10);
  into[2 * at + 1] = ((performance.now() - start) * 1000) / (walks + walks / 10);
}

const TURNS = 31;
const WALKS = 2000;
/** How long the main thread waits for the worker before it gives up (loading, then one turn). */
const WAIT_MS = 120_000;

export interface PairedWalks {
  /** The large cluster's figure once it has settled (steadyTimeIt), before the turns. */
  readonly settled: { us: number; first: number; rounds: number };
  readonly large: number[];
  readonly small: number[];
  readonly ratios: number[];
  /** Per turn, the mean walk with its scavenges (walkTurn). */
  readonly means: { large: number[]; small: number[] };
  readonly smallBranches: number;
  /** The rule events of one 10-Service walk: with the branches, the shape of its path. */
  readonly smallEvents: number;
  readonly turns: number;
  readonly walks: number;
  /** Whether both threads ran on one CPU (see pinToOneCpu). */
  readonly pinned: boolean;
}

/** Waits while `slot` holds `value`; a worker that stops answering is an error, not a hang. */
function waitWhile(control: Int32Array, slot: number, value: number, worker: string): void {
  const deadline = Date.now() + WAIT_MS;
  while (Atomics.load(control, slot) === value) {
    if (Atomics.wait(control, slot, value, deadline - Date.now()) === "timed-out")
      throw new Error(`bench: the 10-Service ${worker} walks did not answer within ${WAIT_MS / 1000} s`);
  }
}

/** Starts bench/small-walks.ts in a worker; tsx's loader is registered in the worker first. */
function startSmallWalks(data: SmallWalkData): Worker {
  const script = new URL("./small-walks.ts", import.meta.url).href;
  const source = `import { register } from "tsx/esm/api"; register(); await import(${JSON.stringify(script)});`;
  return new Worker(source, { eval: true, workerData: data });
}

/**
 * Pins the main thread, and so the worker it then starts (a new thread takes its creator's CPUs), to
 * the CPU it is on; returns how to undo it, or undefined where taskset is missing (the rows then say
 * so). V8's helper threads, started with the process, keep every CPU: pinned with the walks, the
 * parallel scavenges waited for their helpers, and a 10-Service walk's mean tripled.
 */
function pinToOneCpu(): (() => void) | undefined {
  const pid = String(process.pid);
  try {
    const mask = execFileSync("taskset", ["-p", pid], { encoding: "utf8" }).trim().split(" ").at(-1)!;
    // /proc/self/stat: the 39th field is the CPU the thread last ran on (the name, field 2, may hold spaces).
    const stat = readFileSync("/proc/self/stat", "utf8");
    const cpu = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[36]!;
    execFileSync("taskset", ["-p", "-c", cpu, pid], { stdio: "ignore" });
    return () => execFileSync("taskset", ["-p", mask, pid], { stdio: "ignore" });
  } catch {
    return undefined;
  }
}

export function pairedWalks(mode: Mode, large: () => number): PairedWalks {
  const settled = steadyTimeIt(large);
  const unpin = pinToOneCpu();
  try {
    return { settled, ...takeTurns(mode, large), pinned: unpin !== undefined };
  } finally {
    unpin?.();
  }
}

/** The turns themselves: the worker started, then TURNS pairs of a 10-Service turn and a large one. */
function takeTurns(mode: Mode, large: () => number): Omit<PairedWalks, "settled" | "pinned"> {
  const control = new Int32Array(new SharedArrayBuffer(4 * Int32Array.BYTES_PER_ELEMENT));
  const figures = new Float64Array(new SharedArrayBuffer(2 * TURNS * Float64Array.BYTES_PER_ELEMENT));
  control[TURN] = LARGE;
  const worker = startSmallWalks({ mode, walks: WALKS, control, figures });
  const failed = () => new Error(`bench: the 10-Service ${mode} walks failed (their error is above)`);
  try {
    waitWhile(control, READY, 0, mode);
    if (control[READY] !== 1) throw failed();
    const mine = new Float64Array(2 * TURNS);
    for (let t = 0; t < TURNS; t++) {
      Atomics.store(control, TURN, SMALL);
      Atomics.notify(control, TURN);
      waitWhile(control, TURN, SMALL, mode);
      if (control[TURN] !== LARGE) throw failed();
      // No full GC before a turn: each leaves seconds of sweeping a 1.5 GB heap to V8's helper
      // threads, and the turns that ran beside it had their means (scavenges included) doubled.
      walkTurn(large, WALKS, mine, t);
    }
    const at = (xs: Float64Array, k: number) => Array.from({ length: TURNS }, (_, t) => xs[2 * t + k]!);
    return {
      large: at(mine, 0),
      small: at(figures, 0),
      ratios: Array.from({ length: TURNS }, (_, t) => mine[2 * t]! / figures[2 * t]!),
      means: { large: at(mine, 1), small: at(figures, 1) },
      smallBranches: control[BRANCHES]!,
      smallEvents: control[EVENTS]!,
      turns: TURNS,
      walks: WALKS,
    };
  } finally {
    Atomics.store(control, TURN, STOP);
    Atomics.notify(control, TURN);
    void worker.terminate();
  }
}

/** The median and the quartiles of a list, as a row shows them. */
export function spread(xs: number[], digits: number, unit: string): string {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => s[Math.floor(q * (s.length - 1))]!.toFixed(digits);
  return `${median(xs).toFixed(digits)}${unit} (quartiles ${at(0.25)} to ${at(0.75)}, all ${at(0)} to ${at(1)})`;
}
