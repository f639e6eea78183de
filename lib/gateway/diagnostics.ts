// What validate and a trace say about the Gateway API objects: every parentRef a Gateway does not
// accept (and why), every backendRef that does not resolve, every listener not served, every
// filter kubehop names without applying it.
import { type Diagnostic, diagnostic } from "../model/diagnostic.ts";
import { type GatewayState, routeKey } from "../model/gateway.ts";

export function gatewayDiagnostics(state: GatewayState): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const gw of state.world.gateways) {
    const status = state.gateways.find((g) => routeKey(g) === routeKey(gw));
    for (const l of gw.listeners) {
      const conds = status?.listeners.find((s) => s.name === l.name)?.conditions ?? [];
      const bad = conds.find((c) => (c.type === "Conflicted" ? c.status === "True" : c.status === "False"));
      const programmed = conds.find((c) => c.type === "Programmed");
      // Not served: not Accepted, Conflicted, or (a certificate that does not resolve) not Programmed.
      if (bad && (bad.type === "Accepted" || bad.type === "Conflicted" || programmed?.status === "False"))
        out.push(
          diagnostic(
            "gateway-listener-not-served",
            l.origin ?? gw.origin,
            `Gateway ${routeKey(gw)} listener ${l.name}: ${bad.type} ${bad.status} (${bad.reason}): ${bad.message}`,
          ),
        );
    }
  }
  for (const route of state.world.routes) {
    const status = state.routes.find((r) => r.kind === route.kind && routeKey(r) === routeKey(route));
    const where = route.origin ?? { object: { kind: route.kind, namespace: route.namespace, name: route.name } };
    for (const p of status?.parents ?? []) {
      const accepted = p.conditions.find((c) => c.type === "Accepted");
      if (accepted?.status === "False")
        out.push(
          diagnostic(
            "gateway-route-not-accepted",
            where,
            `${route.kind} ${routeKey(route)}: parent Gateway ${p.parentRef.namespace}/${p.parentRef.name} does not ` +
              `accept it (${accepted.reason}): ${accepted.message}`,
          ),
        );
    }
    const resolved = status?.parents[0]?.conditions.find((c) => c.type === "ResolvedRefs");
    if (resolved?.status === "False")
      out.push(
        diagnostic(
          "gateway-backend-unresolved",
          where,
          `${route.kind} ${routeKey(route)}: ResolvedRefs False (${resolved.reason}): ${resolved.message}; ` +
            "requests its rule sends there answer 500",
        ),
      );
    const unmodelled = new Set(
      route.rules
        .flatMap((r) => [...r.filters, ...r.backendRefs.flatMap((b) => b.filters)])
        .flatMap((f) => (f.type === "Unmodelled" ? [f.filterType] : [])),
    );
    for (const f of [...unmodelled].sort())
      out.push(
        diagnostic(
          "gateway-filter-not-modelled",
          where,
          `${route.kind} ${routeKey(route)}: filter ${f} is not modelled; traces leave it out`,
        ),
      );
  }
  return out;
}
