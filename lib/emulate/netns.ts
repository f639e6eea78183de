// Namespaces and the links between them. A veth pair is always created with both ends already
// inside namespaces (`ip -n A link add X type veth peer name Y netns B`), so nothing ever appears,
// even for a moment, in the host's own namespace.
import { ipBatch, run } from "./runner.ts";

export function createNamespace(ns: string): void {
  run("ip", ["netns", "add", ns]);
  ipBatch(ns, [["link", "set", "lo", "up"]]);
}

/** A veth pair between two namespaces, both ends up, with the given MTU. */
export function vethBetween(nsA: string, ifA: string, nsB: string, ifB: string, mtu: number): void {
  ipBatch(nsA, [
    ["link", "add", ifA, "mtu", String(mtu), "type", "veth", "peer", "name", ifB, "mtu", String(mtu), "netns", nsB],
  ]);
  ipBatch(nsA, [["link", "set", ifA, "up"]]);
  ipBatch(nsB, [["link", "set", ifB, "up"]]);
}

/** Per-namespace sysctls (`ip netns exec NS sysctl -w k=v ...`); net.* sysctls are per namespace. */
export function sysctls(ns: string, values: Readonly<Record<string, string | number>>): void {
  const args = Object.entries(values).map(([k, v]) => `${k}=${v}`);
  if (args.length) run("sysctl", ["-q", "-w", ...args], { ns });
}

/** Reads a sysctl inside a namespace; undefined when it does not exist there. */
export function readSysctl(ns: string | undefined, key: string): string | undefined {
  try {
    return run("sysctl", ["-n", key], { ns }).trim();
  } catch {
    return undefined;
  }
}
