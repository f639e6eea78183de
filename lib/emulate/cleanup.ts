// Who owns what an emulation made, and removing it: the processes in its namespaces (pod servers,
// wireguard-go, nginx), the namespaces (which take their interfaces with them), wireguard-go's sockets, the
// folder of private keys, and last the owner record. A run is claimed before anything of it exists,
// so every kh- namespace (the prerequisite probe's too) has an owner record while its owner lives.
import { randomBytes } from "node:crypto";
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { replaceFile } from "../input/whole-file.ts";
import { PREFIX } from "./names.ts";
import { tryRun } from "./runner.ts";

/**
 * /run/kubehop/RUN: the pid of the process that built the run, or "kept" after `emulate --keep`; the
 * format older kubehops read too, so runs of two versions on one machine leave each other alone. A
 * dead owner's pid reused by another process makes its run look live: it is then left for
 * `--clean --force`, never removed while in use. /run is a tmpfs: records go at a reboot, with the
 * namespaces they describe.
 */
const OWNERS = "/run/kubehop";
/**
 * Run ids are 4 lower-case hex digits (claimNewRun), and only those are swept: a namespace of someone
 * else's that merely starts with `kh-` (a spec's `kh-spec-123`, a user's `kh-lab`) is never taken for
 * a dead run's leftover.
 */
const RUN_ID = /^[0-9a-f]{4}$/;

export type RunState = "live" | "kept" | "dead";

/** Picks a run id no namespace or record uses and records this process as its owner, atomically (O_EXCL). */
export function claimNewRun(): string {
  mkdirSync(OWNERS, { recursive: true, mode: 0o700 });
  const taken = new Set(listKhNamespaces().map(runOf));
  for (;;) {
    const id = randomBytes(2).toString("hex");
    if (taken.has(id)) continue;
    let fd: number;
    try {
      fd = openSync(join(OWNERS, id), "wx", 0o600);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "EEXIST") continue;
      throw e;
    }
    writeSync(fd, `${process.pid}\n`);
    closeSync(fd);
    return id;
  }
}

/** `emulate --keep`: the run outlives this process; the sweep leaves it, `--clean` removes it. */
export function markKept(runId: string): void {
  replaceFile(join(OWNERS, runId), "kept\n", { mode: 0o600 });
}

/** The private folder (0700) `wg set` reads this run's private keys from; removed with the run. */
export function keyFolder(runId: string): string {
  const dir = join(tmpdir(), `${PREFIX}${runId}-keys`);
  mkdirSync(dir, { mode: 0o700 });
  return dir;
}

export function stateOf(runId: string): RunState {
  let owner: string;
  try {
    owner = readFileSync(join(OWNERS, runId), "utf8").trim();
  } catch {
    return "dead";
  }
  if (owner === "kept") return "kept";
  const pid = Number(owner);
  if (!Number.isInteger(pid) || pid <= 0) return "dead";
  try {
    process.kill(pid, 0);
    return "live";
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM" ? "live" : "dead";
  }
}

/** Namespaces whose names start with `kh-`, optionally only one run's. */
export function listKhNamespaces(runId?: string): string[] {
  const r = tryRun("ip", ["netns", "list"]);
  if (!r.ok) return [];
  const want = runId === undefined ? PREFIX : `${PREFIX}${runId}-`;
  return r.out
    .split("\n")
    .map((l) => l.trim().split(/\s+/)[0] ?? "")
    .filter((n) => n.startsWith(want));
}

function runOf(ns: string): string {
  return ns.slice(PREFIX.length).split("-")[0] ?? "";
}

/** Every run with something left: a namespace, an owner record, a key folder or an nginx folder. */
export function knownRuns(): string[] {
  const ids = new Set(listKhNamespaces().map(runOf));
  if (existsSync(OWNERS)) for (const f of readdirSync(OWNERS)) ids.add(f);
  for (const f of readdirSync(tmpdir()))
    if (f.startsWith(PREFIX) && (f.endsWith("-keys") || f.endsWith("-nginx"))) ids.add(runOf(f));
  return [...ids].filter((id) => RUN_ID.test(id)).sort();
}

/** Removes everything of one run, the owner record last (so an interrupted removal is swept again). */
export function removeRun(runId: string): string[] {
  const namespaces = listKhNamespaces(runId);
  removeNamespaces(namespaces);
  removeWgSockets(runId);
  rmSync(join(tmpdir(), `${PREFIX}${runId}-keys`), { recursive: true, force: true });
  rmSync(join(tmpdir(), `${PREFIX}${runId}-nginx`), { recursive: true, force: true });
  rmSync(join(OWNERS, runId), { force: true });
  return namespaces;
}

/** The sweep every start runs: runs whose owner is gone and that were not kept. */
export function sweepDeadRuns(): string[] {
  return knownRuns()
    .filter((id) => stateOf(id) === "dead")
    .flatMap(removeRun);
}

/**
 * `emulate --clean`: dead and kept runs; a run whose owner still runs (an emulation in use, a
 * verify in progress) only with `force`. Returns the namespaces removed and the live runs left.
 */
export function cleanRuns(force: boolean): { removed: string[]; live: string[] } {
  const live: string[] = [];
  const removed: string[] = [];
  for (const id of knownRuns()) {
    if (stateOf(id) === "live" && !force) live.push(id);
    else removed.push(...removeRun(id));
  }
  return { removed, live };
}

function pidsIn(ns: string): number[] {
  return tryRun("ip", ["netns", "pids", ns])
    .out.split(/\s+/)
    .filter((p) => /^\d+$/.test(p))
    .map(Number);
}

/** Kills every process inside the namespaces (SIGTERM, then SIGKILL), then deletes them. */
function removeNamespaces(namespaces: readonly string[]): void {
  for (const sig of ["SIGTERM", "SIGKILL"] as const) {
    const pids = namespaces.flatMap(pidsIn);
    if (pids.length === 0) break;
    for (const pid of pids) {
      try {
        process.kill(pid, sig);
      } catch {
        /* already gone */
      }
    }
    sleepMs(sig === "SIGTERM" ? 200 : 50);
  }
  for (const ns of namespaces) tryRun("ip", ["netns", "del", ns]);
}

/** wireguard-go's UAPI sockets are files in /var/run/wireguard named after the device. */
function removeWgSockets(runId: string): void {
  const dir = "/var/run/wireguard";
  if (!existsSync(dir)) return;
  const want = new RegExp(`^kh${runId}w\\d+\\.(sock|name)$`);
  for (const f of readdirSync(dir)) if (want.test(f)) rmSync(join(dir, f), { force: true });
}

export function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
