// Removing what an emulation made: the processes in its namespaces (pod servers, wireguard-go), then
// the namespaces, which takes their interfaces with them. Also sweeps leftovers of a crashed run.
import { existsSync, readdirSync, rmSync } from "node:fs";
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
  return tryRun("ip", ["netns", "pids", ns]).out.split(/\s+/).filter((p) => /^\d+$/.test(p)).map(Number);
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

export function removeNamespace(ns: string): void {
  removeNamespaces([ns]);
}

/** wireguard-go's UAPI sockets are files in /var/run/wireguard named after the device. */
export function removeWgSockets(runId?: string): void {
  const dir = "/var/run/wireguard";
  if (!existsSync(dir)) return;
  const want = runId === undefined ? /^kh[0-9a-f]{4}w\d+\.(sock|name)$/ : new RegExp(`^kh${runId}w\\d+\\.(sock|name)$`);
  for (const f of readdirSync(dir)) if (want.test(f)) rmSync(`${dir}/${f}`, { force: true });
}

/** Removes a run's namespaces, or every `kh-` namespace when no run id is given (crashed runs). */
export function cleanup(runId?: string): string[] {
  const gone = listKhNamespaces(runId);
  removeNamespaces(gone);
  removeWgSockets(runId);
  return gone;
}

export function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
