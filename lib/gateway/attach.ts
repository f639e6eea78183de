// Which listeners each route attaches to, and the status a conformant controller writes for it
// (shared_types.go RouteConditionType/RouteConditionReason, gateway_types.go AllowedRoutes):
// parentRefs pick listeners by sectionName and port; a listener takes the route only if its
// namespaces and kinds allow it; the route's and listener's hostnames must intersect.
import {
  type Attachment,
  GATEWAY_GROUP,
  type Gateway,
  type GatewayListener,
  type GatewayRoute,
  type GatewayState,
  type GatewayStatus,
  type GatewayWorld,
  type LabelSelector,
  type ParentRef,
  type RouteParentStatus,
  type RouteStatus,
  routeKey,
} from "../model/gateway.ts";
import { intersectHostnames } from "./hostnames.ts";
import { condition, type ListenerVerdict, listenerVerdicts, supportedKinds } from "./listeners.ts";
import { resolveBackend } from "./references.ts";

export function selectorMatches(sel: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  return (
    Object.entries(sel.matchLabels).every(([k, v]) => labels[k] === v) &&
    sel.matchExpressions.every((e) => {
      const v = labels[e.key];
      switch (e.operator) {
        case "In":
          return v !== undefined && e.values.includes(v);
        case "NotIn":
          return v === undefined || !e.values.includes(v);
        case "Exists":
          return v !== undefined;
        case "DoesNotExist":
          return v === undefined;
      }
      return false;
    })
  );
}

function namespaceLabels(world: GatewayWorld, ns: string): Readonly<Record<string, string>> {
  return { "kubernetes.io/metadata.name": ns, ...(world.namespaces.get(ns) ?? {}) };
}

function namespaceAllowed(world: GatewayWorld, gw: Gateway, l: GatewayListener, routeNs: string): boolean {
  const from = l.allowedRoutes.from;
  if (from === "All") return true;
  if (from === "Same") return routeNs === gw.namespace;
  if (from === "Selector")
    return (
      l.allowedRoutes.selector !== undefined &&
      selectorMatches(l.allowedRoutes.selector, namespaceLabels(world, routeNs))
    );
  return false;
}

interface ParentVerdict {
  readonly status: RouteParentStatus;
  readonly listeners: readonly { readonly listener: string; readonly hostnames: readonly string[] }[];
}

function notAccepted(
  ref: ParentRef,
  reason: string,
  message: string,
  resolved: RouteParentStatus["conditions"][number],
) {
  return {
    status: { parentRef: ref, conditions: [condition("Accepted", false, reason, message), resolved] },
    listeners: [],
  };
}

function parentVerdict(
  world: GatewayWorld,
  route: GatewayRoute,
  ref: ParentRef,
  verdicts: ReadonlyMap<string, readonly ListenerVerdict[]>,
  resolved: RouteParentStatus["conditions"][number],
): ParentVerdict {
  const gwKey = `${ref.namespace}/${ref.name}`;
  if (ref.group !== GATEWAY_GROUP || ref.kind !== "Gateway")
    return notAccepted(
      ref,
      "NoMatchingParent",
      `parent ${ref.kind} ${gwKey}: kubehop models Gateway parents only`,
      resolved,
    );
  const gw = world.gateways.find((g) => routeKey(g) === gwKey);
  if (!gw) return notAccepted(ref, "NoMatchingParent", `no Gateway ${gwKey} in the input`, resolved);
  const named = (verdicts.get(gwKey) ?? []).filter(
    (v) =>
      (ref.sectionName === undefined || v.listener.name === ref.sectionName) &&
      (ref.port === undefined || v.listener.port === ref.port),
  );
  if (named.length === 0) {
    const which = [ref.sectionName && `named ${ref.sectionName}`, ref.port && `on port ${ref.port}`]
      .filter(Boolean)
      .join(" ");
    return notAccepted(ref, "NoMatchingParent", `Gateway ${gwKey} has no listener ${which}`, resolved);
  }
  const allowed = named.filter(
    (v) =>
      v.serving &&
      supportedKinds(v.listener).some((k) => k.kind === route.kind) &&
      namespaceAllowed(world, gw, v.listener, route.namespace),
  );
  if (allowed.length === 0)
    return notAccepted(
      ref,
      "NotAllowedByListeners",
      `no listener of Gateway ${gwKey} ${ref.sectionName ? `(${ref.sectionName}) ` : ""}allows ` +
        `${route.kind}s from namespace ${route.namespace}`,
      resolved,
    );
  const listeners = allowed.flatMap((v) => {
    const hostnames = intersectHostnames(v.listener.hostname, route.hostnames);
    return hostnames === undefined || hostnames.length > 0
      ? [{ listener: v.listener.name, hostnames: hostnames ?? [] }]
      : [];
  });
  if (listeners.length === 0)
    return notAccepted(
      ref,
      "NoMatchingListenerHostname",
      `none of the hostnames ${route.hostnames.join(", ")} intersects a listener hostname of Gateway ${gwKey}`,
      resolved,
    );
  return { status: { parentRef: ref, conditions: [condition("Accepted", true, "Accepted", ""), resolved] }, listeners };
}

/** ResolvedRefs for the whole route: the first backendRef that does not resolve says why. */
function resolvedRefs(world: GatewayWorld, route: GatewayRoute): RouteParentStatus["conditions"][number] {
  for (const rule of route.rules) {
    for (const ref of rule.backendRefs) {
      const r = resolveBackend(world, route, ref);
      if (!r.ok) return condition("ResolvedRefs", false, r.reason, r.message);
    }
  }
  return condition("ResolvedRefs", true, "ResolvedRefs", "");
}

/** Status of every Gateway and route, and which route serves which listener. */
export function attachRoutes(world: GatewayWorld): GatewayState {
  const verdicts = new Map(world.gateways.map((gw) => [routeKey(gw), listenerVerdicts(gw, world)] as const));
  const attachments: Attachment[] = [];
  const routes: RouteStatus[] = world.routes.map((route) => {
    const resolved = resolvedRefs(world, route);
    const parents = route.parentRefs.map((ref) => {
      const v = parentVerdict(world, route, ref, verdicts, resolved);
      for (const l of v.listeners)
        attachments.push({
          gateway: `${ref.namespace}/${ref.name}`,
          listener: l.listener,
          route,
          hostnames: l.hostnames,
        });
      return v.status;
    });
    return { kind: route.kind, namespace: route.namespace, name: route.name, parents };
  });
  const gateways: GatewayStatus[] = world.gateways.map((gw) =>
    gatewayStatus(gw, verdicts.get(routeKey(gw))!, attachments, world),
  );
  return { world, gateways, routes, attachments };
}

function gatewayStatus(
  gw: Gateway,
  verdicts: readonly ListenerVerdict[],
  attachments: readonly Attachment[],
  world: GatewayWorld,
): GatewayStatus {
  const key = routeKey(gw);
  const listeners = verdicts.map((v) => ({
    name: v.listener.name,
    supportedKinds: supportedKinds(v.listener),
    attachedRoutes: new Set(
      attachments.filter((a) => a.gateway === key && a.listener === v.listener.name).map((a) => routeKey(a.route)),
    ).size,
    conditions: v.conditions,
  }));
  const serving = verdicts.filter((v) => v.serving).length;
  const classKnown = world.classes.some((c) => c.name === gw.className);
  const invalid = verdicts
    .filter((v) => v.conditions.some((c) => c.type === "Programmed" && c.status === "False"))
    .map((v) => v.listener.name);
  return {
    namespace: gw.namespace,
    name: gw.name,
    conditions: [
      condition(
        "Accepted",
        serving > 0,
        serving > 0 ? (invalid.length > 0 ? "ListenersNotValid" : "Accepted") : "ListenersNotValid",
        [
          invalid.length > 0 ? `listeners not served: ${invalid.join(", ")}` : "",
          classKnown ? "" : `GatewayClass ${gw.className} is not in the input; kubehop serves it as the standard says`,
        ]
          .filter(Boolean)
          .join("; "),
      ),
      condition("Programmed", serving > 0, serving > 0 ? "Programmed" : "Invalid", ""),
    ],
    listeners,
  };
}
