// Longest-prefix match over a node's main routing table (derived by lib/control/node-network.ts),
// and a route as `ip route` prints it.
import { formatIpv4, type Ipv4, prefixContains } from "../model/address.ts";
import type { Route } from "../model/cluster.ts";

/** Longest prefix wins; among equals the first listed (Topology routes come before derived ones). */
export function lookupRoute(table: readonly Route[], dst: Ipv4): Route | undefined {
  let best: Route | undefined;
  for (const r of table)
    if (prefixContains(r.dst, dst) && (best === undefined || r.dst.length > best.dst.length)) best = r;
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
