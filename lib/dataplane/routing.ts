// A node's main routing table, as `ip route` would show it, and longest-prefix match over it.
// The table is a handful of routes per node however large the cluster: remote podCIDRs share one
// overlay route (the cluster CIDR via wg0, as flannel installs it) and wg0's AllowedIPs pick the node.
import { formatIpv4, type Ipv4, makePrefix, prefixContains } from "../model/address.ts";
import type { Cluster, Node, Route } from "../model/cluster.ts";
import { wireGuardAddress } from "../control/overlay.ts";

export function routeTable(cluster: Cluster, node: Node): Route[] {
  const wgSrc = wireGuardAddress(node, cluster.overlay.style) ?? node.ip;
  const derived: Route[] = [
    { dst: cluster.underlay.cidr, dev: "eth0", src: node.ip, proto: "kernel", scope: "link", why: "connected: eth0's subnet" },
    { dst: node.podCidr, dev: "bridge0", src: node.bridgeIp, proto: "kernel", scope: "link", why: "connected: this node's podCIDR on bridge0" },
    { dst: cluster.clusterCidr, dev: "wg0", src: wgSrc, proto: "static", scope: "link", why: "overlay: the cluster CIDR goes to wg0, whose AllowedIPs pick the node" },
  ];
  if (cluster.underlay.gateway !== undefined) {
    derived.push({ dst: makePrefix(0, 0), dev: "eth0", via: cluster.underlay.gateway, src: node.ip, proto: "boot", scope: "global", why: "default route via the underlay gateway" });
  }
  return [...node.extraRoutes, ...derived];
}

/** Longest prefix wins; among equals the first listed (Topology routes come before derived ones). */
export function lookupRoute(table: readonly Route[], dst: Ipv4): Route | undefined {
  let best: Route | undefined;
  for (const r of table) if (prefixContains(r.dst, dst) && (best === undefined || r.dst.length > best.dst.length)) best = r;
  return best;
}

const routeTexts = new WeakMap<Route, string>();

/** The route as `ip route` prints it. */
export function routeText(r: Route): string {
  let text = routeTexts.get(r);
  if (text === undefined) routeTexts.set(r, (text = formatRoute(r)));
  return text;
}

function formatRoute(r: Route): string {
  const dst = r.dst.length === 0 ? "default" : r.dst.length === 32 ? formatIpv4(r.dst.network) : r.dst.text;
  if (r.type === "blackhole" || r.type === "unreachable") return `${r.type} ${dst} proto ${r.proto}`;
  const parts = [dst];
  if (r.via !== undefined) parts.push(`via ${formatIpv4(r.via)}`);
  parts.push(`dev ${r.dev}`, `proto ${r.proto}`);
  if (r.scope !== "global") parts.push(`scope ${r.scope}`);
  if (r.src !== undefined) parts.push(`src ${formatIpv4(r.src)}`);
  return parts.join(" ");
}
