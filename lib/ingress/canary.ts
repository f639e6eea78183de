// Canary Ingresses (canary: "true"): ingress-nginx creates no location for them; it merges each of
// their backends into the primary upstream serving the same host, path and pathType
// (controller.go mergeAlternativeBackends), and every location proxying to that upstream then lets
// balancer.lua's route_to_alternative_balancer send a request to the canary by header, cookie or
// weight. Only the first canary of an upstream is consulted (the Lua "TODO: n > 1").
import { type Ingress, type ServiceBackend, ingressKey } from "../model/ingress.ts";
import type { CanaryRule, RoutingAnnotations } from "./annotations.ts";

export interface CanaryBackend {
  /** `namespace/name` of the canary Ingress. */
  readonly ingress: string;
  readonly namespace: string;
  readonly backend: ServiceBackend;
  readonly rule: CanaryRule;
}

/** The locations' shape this needs: where they proxy, and the Ingress that wrote them. */
interface Proxying {
  readonly rulePath: string;
  readonly rulePathType: string;
  readonly backend?: ServiceBackend;
  readonly ingress?: Ingress;
  readonly annotations: RoutingAnnotations;
  readonly canary?: CanaryBackend;
}

/** The upstream a location proxies to, as ingress-nginx names it (namespace, Service, port as written). */
export function upstreamKey(namespace: string, b: ServiceBackend): string {
  return `${namespace}-${b.service}-${b.port}`;
}

function primaryUpstream(l: Proxying): string | undefined {
  return l.backend && l.ingress ? upstreamKey(l.ingress.namespace, l.backend) : undefined;
}

/**
 * Each canary backend attached to the locations of its primary upstream; `notes` says which canary
 * found no primary (the controller deletes it) for the "why" of a route.
 */
export function mergeCanaries<L extends Proxying>(
  servers: ReadonlyMap<string, { readonly locations: readonly L[] }>,
  canaries: readonly Ingress[],
  rule: (ing: Ingress) => CanaryRule,
): { attach: Map<string, CanaryBackend>; notes: Map<string, string[]> } {
  const attach = new Map<string, CanaryBackend>();
  const notes = new Map<string, string[]>();
  for (const ing of canaries) {
    for (const r of ing.rules) {
      const server = servers.get(r.host ?? "_");
      for (const p of r.paths ?? []) {
        if (p.backend.kind !== "service") continue;
        const path = p.path === "" ? "/" : p.path;
        const alternative = upstreamKey(ing.namespace, p.backend);
        const primaries = (server?.locations ?? [])
          .filter((l) => !l.canary && l.rulePath === path && l.rulePathType === p.pathType)
          .map(primaryUpstream)
          .filter((u): u is string => u !== undefined && u !== alternative);
        const canary = { ingress: ingressKey(ing), namespace: ing.namespace, backend: p.backend, rule: rule(ing) };
        for (const u of primaries) if (!attach.has(u)) attach.set(u, canary);
        if (primaries.length > 0) continue;
        // Told where the request would look: the host's server, or the catch-all when the host has none.
        const where = server ? (r.host ?? "_") : "_";
        const list = notes.get(where) ?? [];
        notes.set(where, [
          ...list,
          `canary ${ingressKey(ing)} path ${path} (${p.pathType}) -> ${p.backend.service}:${p.backend.port} finds ` +
            `no Ingress serving host ${r.host ?? "(any)"} with that path and pathType: ingress-nginx drops it`,
        ]);
      }
    }
  }
  return { attach, notes };
}

/** The location with its upstream's canary, if it has one. */
export function withCanary<L extends Proxying>(l: L, attach: ReadonlyMap<string, CanaryBackend>): L {
  const u = primaryUpstream(l);
  const canary = u !== undefined ? attach.get(u) : undefined;
  return canary ? { ...l, canary } : l;
}
