// The Gateway API status kubehop computed, as validate shows it: per Gateway its conditions and each
// listener's (Accepted, ResolvedRefs, Conflicted, Programmed, attachedRoutes), per route each
// parentRef's Accepted and ResolvedRefs, each object with the file:line it was written at.
import type { Condition, GatewayState, ParentRef } from "../model/gateway.ts";
import { routeKey } from "../model/gateway.ts";
import type { Origin } from "../model/origin.ts";

export interface ListenerStatusReport {
  readonly name: string;
  readonly port: number;
  readonly protocol: string;
  /** Absent: any host. */
  readonly hostname?: string;
  readonly at?: string;
  readonly supportedKinds: readonly string[];
  readonly attachedRoutes: number;
  readonly conditions: readonly Condition[];
}

export interface GatewayStatusReport {
  /** "namespace/name" */
  readonly gateway: string;
  readonly gatewayClassName: string;
  readonly at?: string;
  readonly conditions: readonly Condition[];
  readonly listeners: readonly ListenerStatusReport[];
}

export interface RouteParentStatusReport {
  /** "namespace/name" of the parent the ref names. */
  readonly parent: string;
  readonly kind: string;
  readonly sectionName?: string;
  readonly port?: number;
  readonly conditions: readonly Condition[];
}

export interface RouteStatusReport {
  readonly kind: "HTTPRoute" | "GRPCRoute";
  /** "namespace/name" */
  readonly route: string;
  readonly at?: string;
  readonly parents: readonly RouteParentStatusReport[];
}

export interface GatewayApiStatusReport {
  readonly gateways: readonly GatewayStatusReport[];
  readonly routes: readonly RouteStatusReport[];
}

function at(origin: Origin | undefined): { at?: string } {
  return origin ? { at: `${origin.file}:${origin.line}` } : {};
}

function parentReport(ref: ParentRef, conditions: readonly Condition[]): RouteParentStatusReport {
  return {
    parent: `${ref.namespace}/${ref.name}`,
    kind: ref.kind,
    ...(ref.sectionName !== undefined ? { sectionName: ref.sectionName } : {}),
    ...(ref.port !== undefined ? { port: ref.port } : {}),
    conditions,
  };
}

/** The status of every Gateway and route, in the input's order. */
export function gatewayApiStatus(state: GatewayState): GatewayApiStatusReport {
  const gateways = state.world.gateways.map((gw): GatewayStatusReport => {
    const status = state.gateways.find((g) => routeKey(g) === routeKey(gw));
    return {
      gateway: routeKey(gw),
      gatewayClassName: gw.className,
      ...at(gw.origin),
      conditions: status?.conditions ?? [],
      listeners: gw.listeners.map((l) => {
        const ls = status?.listeners.find((s) => s.name === l.name);
        return {
          name: l.name,
          port: l.port,
          protocol: l.protocol,
          ...(l.hostname !== undefined ? { hostname: l.hostname } : {}),
          ...at(l.origin),
          supportedKinds: (ls?.supportedKinds ?? []).map((k) => k.kind),
          attachedRoutes: ls?.attachedRoutes ?? 0,
          conditions: ls?.conditions ?? [],
        };
      }),
    };
  });
  const routes = state.world.routes.map((route): RouteStatusReport => {
    const status = state.routes.find((r) => r.kind === route.kind && routeKey(r) === routeKey(route));
    return {
      kind: route.kind,
      route: routeKey(route),
      ...at(route.origin),
      parents: (status?.parents ?? []).map((p) => parentReport(p.parentRef, p.conditions)),
    };
  });
  return { gateways, routes };
}
