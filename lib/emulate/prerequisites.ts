// What the emulation needs from the machine; a reason string when something is missing.
import { existsSync } from "node:fs";
import { claimNewRun, removeRun } from "./cleanup.ts";
import { PREFIX } from "./names.ts";
import { have, tryRun } from "./runner.ts";

/** Emulation cannot run on this machine; verify reports it as skipped, emulate exits 1. */
export class EmulationUnavailable extends Error {
  override name = "EmulationUnavailable";
}

/**
 * Undefined when emulation can run here, else why not (for "skipped: ..."). The namespace it tries
 * belongs to `runId` when given (an emulation that has claimed its run), else to a run claimed for
 * the probe alone: either way it has an owner record, so no other run's sweep takes it for a leftover.
 */
export function checkPrerequisites(runId?: string): string | undefined {
  const missing = missingTool();
  if (missing !== undefined || runId !== undefined) return missing ?? probeNamespaces(runId!);
  const own = claimNewRun();
  try {
    return probeNamespaces(own);
  } finally {
    removeRun(own);
  }
}

function missingTool(): string | undefined {
  if (process.platform !== "linux") return `not Linux (${process.platform}): network namespaces are a Linux feature`;
  if (typeof process.getuid === "function" && process.getuid() !== 0)
    return "not root: creating network namespaces needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN)";
  for (const cmd of ["ip", "iptables-restore", "iptables", "wg", "wireguard-go", "sysctl"]) {
    if (!have(cmd))
      return `${cmd} is not installed (apt-get install iproute2 iptables wireguard-tools wireguard-go procps)`;
  }
  if (!existsSync("/dev/net/tun")) return "/dev/net/tun is missing: wireguard-go needs a TUN device";
  return undefined;
}

function probeNamespaces(runId: string): string | undefined {
  const probe = `${PREFIX}${runId}-probe`;
  const add = tryRun("ip", ["netns", "add", probe]);
  if (!add.ok) return `network namespaces are unavailable: ip netns add failed: ${add.err.trim()}`;
  const ipt = tryRun("iptables", ["-w", "5", "-t", "nat", "-L", "-n"], { ns: probe });
  tryRun("ip", ["netns", "del", probe]);
  if (!ipt.ok) return `iptables does not work inside a namespace: ${ipt.err.trim()}`;
  return undefined;
}
