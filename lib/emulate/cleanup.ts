// Removing what an emulation made: the processes in its namespaces (pod servers, wireguard-go), then
// the namespaces, which takes their interfaces with them. Also sweeps leftovers of a crashed run.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { PREFIX } from "./names.ts";
import { tryRun } from "./runner.ts";

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

function pidsIn(ns: string): number[] {
  return tryRun("ip", ["netns", "pids", ns])
    .out.split(/\s+/)
    .filter((p) => /^\d+$/.test(p))
    .map(Number);
}

/** Kills every process inside the namespaces (SIGTERM, then SIGKILL), then deletes them. */
export function removeNamespaces(namespaces: readonly string[]): void {
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
export function removeWgSockets(runId?: string): void {
  const dir = "/var/run/wireguard";
  if (!existsSync(dir)) return;
  const want = runId === undefined ? /^kh[0-9a-f]{4}w\d+\.(sock|name)$/ : new RegExp(`^kh${runId}w\\d+\\.(sock|name)$`);
  for (const f of readdirSync(dir)) if (want.test(f)) rmSync(`${dir}/${f}`, { force: true });
}

/**
 * Who owns a run: /run/kubehop/RUN holds the pid of the process that built it, or "kept" for
 * `emulate --keep`. A run whose owner is alive (another kubehop, a spec running beside this one) or
 * that was kept on purpose is not a leftover.
 */
const OWNERS = "/run/kubehop";

export function claimRun(runId: string, kept = false): void {
  mkdirSync(OWNERS, { recursive: true, mode: 0o700 });
  writeFileSync(`${OWNERS}/${runId}`, kept ? "kept\n" : `${process.pid}\n`);
}

function runOf(ns: string): string {
  return ns.slice(PREFIX.length).split("-")[0] ?? "";
}

function isLive(runId: string): boolean {
  let owner: string;
  try {
    owner = readFileSync(`${OWNERS}/${runId}`, "utf8").trim();
  } catch {
    return false;
  }
  if (owner === "kept") return true;
  const pid = Number(owner);
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Run ids in use (by namespaces or owner files): a new run picks another. */
export function runIdsInUse(): Set<string> {
  const ids = new Set(listKhNamespaces().map(runOf));
  if (existsSync(OWNERS)) for (const f of readdirSync(OWNERS)) ids.add(f);
  return ids;
}

/**
 * Removes one run's namespaces (runId given), the leftovers of crashed runs (none given: every `kh-`
 * namespace whose owner is gone), or everything (`all`, for `emulate --clean`).
 */
export function cleanup(runId?: string, all = false): string[] {
  const gone = listKhNamespaces(runId).filter((ns) => runId !== undefined || all || !isLive(runOf(ns)));
  removeNamespaces(gone);
  const runs = runId !== undefined ? [runId] : [...new Set(gone.map(runOf))];
  for (const r of runs) {
    removeWgSockets(r);
    rmSync(`${OWNERS}/${r}`, { force: true });
  }
  if (all && existsSync(OWNERS))
    for (const f of readdirSync(OWNERS)) if (!isLiveOther(f)) rmSync(`${OWNERS}/${f}`, { force: true });
  return gone;
}

function isLiveOther(runId: string): boolean {
  return listKhNamespaces(runId).length > 0;
}

export function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
