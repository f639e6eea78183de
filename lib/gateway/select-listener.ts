// Which listener of a Gateway takes a host: exact hostnames before wildcards, a longer wildcard
// suffix before a shorter one, a listener without a hostname last (gateway_types.go Listeners).
import type { GatewayListener, GatewayState } from "../model/gateway.ts";
import { routeKey } from "../model/gateway.ts";
import { hostMatches, hostnameRank } from "./hostnames.ts";
import { compareRanks } from "./matching.ts";

/**
 * The Gateway's listeners that take requests: Accepted, not Conflicted, and Programmed. The standard
 * leaves open what a listener whose certificateRefs do not resolve does with a connection; kubehop takes
 * it as not programmed (Programmed False, as GatewayWithAttachedRoutes expects): with no certificate
 * there is nothing to finish the TLS handshake with, though routes still attach to it.
 */
export function servingListeners(state: GatewayState, gateway: string): GatewayListener[] {
  const gw = state.world.gateways.find((g) => routeKey(g) === gateway);
  const status = state.gateways.find((g) => routeKey(g) === gateway);
  if (!gw || !status) return [];
  return gw.listeners.filter((l) => {
    const conds = status.listeners.find((s) => s.name === l.name)?.conditions ?? [];
    const is = (type: string) => conds.find((c) => c.type === type)?.status === "True";
    return is("Accepted") && !is("Conflicted") && is("Programmed");
  });
}

export function bestListener(listeners: readonly GatewayListener[], host: string): GatewayListener | undefined {
  return listeners
    .filter((l) => hostMatches(l.hostname, host))
    .sort((a, b) => compareRanks(hostnameRank(a.hostname), hostnameRank(b.hostname)))[0];
}
