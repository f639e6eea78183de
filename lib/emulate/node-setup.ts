// A node: eth0 on the underlay, bridge0 (a Linux bridge holding the podCIDR's .1), IP forwarding,
// br_netfilter's call into iptables for bridged frames, and the routes kubehop derives for it.
import { formatIpv4 } from "../model/address.ts";
import type { Cluster, Node, Route } from "../model/cluster.ts";
import type { Network } from "../dataplane/network.ts";
import { readSysctl, sysctls, vethBetween } from "./netns.ts";
import { CommandError, ipBatch } from "./runner.ts";

export interface NodeSetupNotes {
  /** What happened to bridge-nf-call-iptables, said once per run. */
  brNetfilter: string;
}

export function setUpNode(
  cluster: Cluster,
  node: Node,
  ns: string,
  underlayNs: string,
  port: string,
  notes: NodeSetupNotes,
): void {
  const mtu = cluster.underlay.mtu;
  // eth0 first: with wg0 addressless (Kilo style), MASQUERADE out of wg0 takes the first global
  // address of the namespace, which is then eth0's, as on a node whose NIC came up first.
  vethBetween(ns, "eth0", underlayNs, port, mtu);
  ipBatch(underlayNs, [["link", "set", port, "master", "ul"]]);
  ipBatch(ns, [
    ["addr", "add", `${formatIpv4(node.ip)}/${cluster.underlay.cidr.length}`, "dev", "eth0"],
    ["link", "add", "bridge0", "type", "bridge"],
    ["link", "set", "bridge0", "mtu", String(mtu)],
    ["addr", "add", `${formatIpv4(node.bridgeIp)}/${node.podCidr.length}`, "dev", "bridge0"],
    ["link", "set", "bridge0", "up"],
  ]);
  sysctls(ns, { "net.ipv4.ip_forward": 1 });
  // br_netfilter: on this kernel its sysctls live in each namespace; where they are global, kubehop
  // leaves the host's value alone and says so.
  const before = readSysctl(ns, "net.bridge.bridge-nf-call-iptables");
  if (before === undefined) {
    notes.brNetfilter =
      "br_netfilter is not loaded: bridged pod-to-pod frames skip iptables (same-node ClusterIP replies may not be " +
      "un-NATed)";
  } else {
    const host = readSysctl(undefined, "net.bridge.bridge-nf-call-iptables");
    sysctls(ns, { "net.bridge.bridge-nf-call-iptables": 1 });
    const hostAfter = readSysctl(undefined, "net.bridge.bridge-nf-call-iptables");
    if (hostAfter !== host) {
      // Global on this kernel: put the host's value back and report it.
      sysctls(ns, { "net.bridge.bridge-nf-call-iptables": host ?? 0 });
      const kept = `kubehop left the host's value (${host}) unchanged`;
      notes.brNetfilter = `bridge-nf-call-iptables is global on this kernel; ${kept}`;
    } else {
      notes.brNetfilter =
        "bridge-nf-call-iptables=1 set inside each node namespace (per-namespace on this kernel; the host's value " +
        "is untouched)";
    }
  }
}

/** `ip route replace` argv for one route of the table. */
export function routeArgs(r: Route): string[] {
  if (r.type === "blackhole" || r.type === "unreachable")
    return ["route", "replace", r.type, r.dst.text, "proto", r.proto];
  const a = ["route", "replace", r.dst.text];
  if (r.via !== undefined) a.push("via", formatIpv4(r.via));
  a.push("dev", r.dev, "proto", r.proto, "scope", r.scope);
  if (r.src !== undefined) a.push("src", formatIpv4(r.src));
  return a;
}

/** The node's routes as kubehop derives them (or as its dump gives them), after wg0 is up. */
export function installRoutes(net: Network, node: Node, ns: string): readonly Route[] {
  const table = net.routeTable(node);
  // The kernel made the connected routes when the addresses were added; replace keeps them in step.
  try {
    ipBatch(ns, table.map(routeArgs));
  } catch (e) {
    // A route kubehop accepts may be one the kernel refuses (a gateway on no connected network):
    // name that route, from the batch line ip reports, rather than the whole batch.
    const line = e instanceof CommandError ? /Command failed -:(\d+)/.exec(e.stderr)?.[1] : undefined;
    const route = line === undefined ? undefined : table[Number(line) - 1];
    if (!route) throw e;
    const err = e as CommandError;
    throw new CommandError(
      ["ip", ...routeArgs(route)],
      err.stderr.replace(/\s*Command failed -:\d+\s*$/, ""),
      err.status,
    );
  }
  return table;
}
