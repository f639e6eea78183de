// References out of a route: a backendRef resolves to a Service of the route's namespace, or of
// another namespace whose ReferenceGrant allows it (referencegrant_types.go); anything else is a
// ResolvedRefs reason, and the share of requests it would get answers 500.
import { type BackendRef, GATEWAY_GROUP, type GatewayRoute, type GatewayWorld } from "../model/gateway.ts";

export type BackendProblem = "InvalidKind" | "RefNotPermitted" | "BackendNotFound";

export interface ResolvedBackend {
  readonly namespace: string;
  readonly service: string;
  readonly port: number;
}

export type BackendResolution =
  | { readonly ok: true; readonly backend: ResolvedBackend }
  | { readonly ok: false; readonly reason: BackendProblem; readonly message: string };

/** Does a ReferenceGrant in `toNamespace` let `from` refer to group/kind/name there? */
export function grantAllows(
  world: GatewayWorld,
  from: { readonly group: string; readonly kind: string; readonly namespace: string },
  toNamespace: string,
  group: string,
  kind: string,
  name: string,
): boolean {
  return world.referenceGrants.some(
    (g) =>
      g.namespace === toNamespace &&
      g.from.some((f) => f.group === from.group && f.kind === from.kind && f.namespace === from.namespace) &&
      g.to.some((t) => t.group === group && t.kind === kind && (t.name === undefined || t.name === name)),
  );
}

export function resolveBackend(world: GatewayWorld, route: GatewayRoute, ref: BackendRef): BackendResolution {
  const what = `${ref.namespace}/${ref.name}`;
  if (ref.group !== "" || ref.kind !== "Service")
    return {
      ok: false,
      reason: "InvalidKind",
      message: `backendRef ${ref.group ? `${ref.group}/` : ""}${ref.kind} ${what}: only core Services are routed to`,
    };
  if (
    ref.namespace !== route.namespace &&
    !grantAllows(
      world,
      { group: GATEWAY_GROUP, kind: route.kind, namespace: route.namespace },
      ref.namespace,
      "",
      "Service",
      ref.name,
    )
  )
    return {
      ok: false,
      reason: "RefNotPermitted",
      message:
        `Service ${what} is in another namespace and no ReferenceGrant in ${ref.namespace} allows ` +
        `${route.kind}s from ${route.namespace}`,
    };
  const ports = world.services.get(what);
  if (ports === undefined)
    return { ok: false, reason: "BackendNotFound", message: `Service ${what} is not in the input` };
  if (ref.port === undefined || !ports.includes(ref.port))
    return {
      ok: false,
      reason: "BackendNotFound",
      message:
        ref.port === undefined
          ? `backendRef to Service ${what} needs a port`
          : `Service ${what} has no port ${ref.port} (it has ${ports.join(", ") || "none"})`,
    };
  return { ok: true, backend: { namespace: ref.namespace, service: ref.name, port: ref.port } };
}
