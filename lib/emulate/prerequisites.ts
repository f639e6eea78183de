// What the emulation needs from the machine; a reason string when something is missing.
import { existsSync } from "node:fs";
import { have, tryRun } from "./runner.ts";

/** Undefined when emulation can run here, else why not (for "skipped: ..."). */
export function checkPrerequisites(): string | undefined {
  if (process.platform !== "linux") return `not Linux (${process.platform}): network namespaces are a Linux feature`;
  if (typeof process.getuid === "function" && process.getuid() !== 0)
    return "not root: creating network namespaces needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN)";
  for (const cmd of ["ip", "iptables-restore", "iptables", "wg", "wireguard-go", "sysctl"]) {
    if (!have(cmd))
      return `${cmd} is not installed (apt-get install iproute2 iptables wireguard-tools wireguard-go procps)`;
  }
  if (!existsSync("/dev/net/tun")) return "/dev/net/tun is missing: wireguard-go needs a TUN device";
  const probe = `kh-probe${process.pid}`;
  const add = tryRun("ip", ["netns", "add", probe]);
  if (!add.ok) return `network namespaces are unavailable: ip netns add failed: ${add.err.trim()}`;
  const ipt = tryRun("iptables", ["-w", "5", "-t", "nat", "-L", "-n"], { ns: probe });
  tryRun("ip", ["netns", "del", probe]);
  if (!ipt.ok) return `iptables does not work inside a namespace: ${ipt.err.trim()}`;
  return undefined;
}
