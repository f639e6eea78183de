// Which listeners a Gateway serves, and each listener's status (gateway_types.go Listener and
// ListenerConditionType): kubehop models HTTP and HTTPS; indistinct listeners are Conflicted and
// none of them is served; certificateRefs must name a Secret the Gateway may read.
import {
  type Condition,
  GATEWAY_GROUP,
  type Gateway,
  type GatewayListener,
  type GatewayWorld,
  type RouteGroupKind,
} from "../model/gateway.ts";
import { grantAllows } from "./references.ts";

export const MODELLED_PROTOCOLS: readonly string[] = ["HTTP", "HTTPS"];

const ROUTE_KINDS: readonly string[] = ["HTTPRoute", "GRPCRoute"];

export function condition(type: string, ok: boolean, reason: string, message: string): Condition {
  return { type, status: ok ? "True" : "False", reason, message };
}

/** The route kinds a listener takes: those it allows (or, when it names none, its protocol's). */
export function supportedKinds(l: GatewayListener): RouteGroupKind[] {
  if (!MODELLED_PROTOCOLS.includes(l.protocol)) return [];
  const wanted: readonly RouteGroupKind[] =
    l.allowedRoutes.kinds.length > 0
      ? l.allowedRoutes.kinds
      : ROUTE_KINDS.map((kind) => ({ group: GATEWAY_GROUP, kind }));
  return ROUTE_KINDS.filter((kind) => wanted.some((k) => k.kind === kind && k.group === GATEWAY_GROUP)).map((kind) => ({
    group: GATEWAY_GROUP,
    kind,
  }));
}

/** Names of listeners that share a port with another listener they cannot be told apart from. */
export function conflictedListeners(gw: Gateway): Map<string, "HostnameConflict" | "ProtocolConflict"> {
  const out = new Map<string, "HostnameConflict" | "ProtocolConflict">();
  const family = (p: string) => (p === "TCP" || p === "UDP" ? p : "HTTP-TLS");
  for (const a of gw.listeners) {
    for (const b of gw.listeners) {
      if (a === b || a.port !== b.port) continue;
      if (a.protocol !== b.protocol) {
        // HTTP and HTTPS (or TLS) on one port cannot be told apart before the bytes arrive.
        if (family(a.protocol) === family(b.protocol) || a.protocol === "TCP" || b.protocol === "TCP")
          out.set(a.name, "ProtocolConflict");
      } else if (family(a.protocol) !== "HTTP-TLS" || (a.hostname ?? "") === (b.hostname ?? "")) {
        if (!out.has(a.name)) out.set(a.name, "HostnameConflict");
      }
    }
  }
  return out;
}

/** Why a listener's certificateRefs do not resolve, or undefined. */
function certificateProblem(gw: Gateway, l: GatewayListener, world: GatewayWorld): [string, string] | undefined {
  for (const ref of l.tls?.certificateRefs ?? []) {
    if (ref.group !== "" || ref.kind !== "Secret")
      return ["InvalidCertificateRef", `certificateRef ${ref.kind} ${ref.name}: only core Secrets are read`];
    const ns = ref.namespace ?? gw.namespace;
    if (
      ns !== gw.namespace &&
      !grantAllows(
        world,
        { group: GATEWAY_GROUP, kind: "Gateway", namespace: gw.namespace },
        ns,
        "",
        "Secret",
        ref.name,
      )
    )
      return [
        "RefNotPermitted",
        `Secret ${ns}/${ref.name} is in another namespace and no ReferenceGrant there allows it`,
      ];
    if (!world.secrets.has(`${ns}/${ref.name}`))
      return ["InvalidCertificateRef", `Secret ${ns}/${ref.name} is not in the input`];
    const malformed = world.malformedSecrets?.get(`${ns}/${ref.name}`);
    // gateway_types.go ListenerReasonInvalidCertificateRef: invalid also "when the data within that
    // resource is malformed".
    if (malformed !== undefined) return ["InvalidCertificateRef", `Secret ${ns}/${ref.name}: ${malformed}`];
  }
  if (l.protocol === "HTTPS" && (l.tls?.certificateRefs.length ?? 0) === 0)
    return ["InvalidCertificateRef", "an HTTPS listener needs tls.certificateRefs"];
  return undefined;
}

export interface ListenerVerdict {
  readonly listener: GatewayListener;
  /** Serves routes: a modelled protocol and no conflict. */
  readonly serving: boolean;
  readonly conditions: readonly Condition[];
}

export function listenerVerdicts(gw: Gateway, world: GatewayWorld): ListenerVerdict[] {
  const conflicts = conflictedListeners(gw);
  return gw.listeners.map((l) => {
    const modelled = MODELLED_PROTOCOLS.includes(l.protocol);
    const conflict = conflicts.get(l.name);
    const cert = modelled ? certificateProblem(gw, l, world) : undefined;
    const badKinds = l.allowedRoutes.kinds.filter((k) => !supportedKinds(l).some((s) => s.kind === k.kind));
    const accepted = modelled
      ? condition("Accepted", true, "Accepted", "")
      : condition(
          "Accepted",
          false,
          "UnsupportedProtocol",
          `kubehop models HTTP and HTTPS listeners, not ${l.protocol}`,
        );
    const resolved = cert
      ? condition("ResolvedRefs", false, cert[0], cert[1])
      : badKinds.length > 0
        ? condition(
            "ResolvedRefs",
            false,
            "InvalidRouteKinds",
            `kinds not served: ${badKinds.map((k) => k.kind).join(", ")}`,
          )
        : condition("ResolvedRefs", true, "ResolvedRefs", "");
    const conflicted = conflict
      ? condition("Conflicted", true, conflict, `another listener on port ${l.port} cannot be told apart from it`)
      : condition("Conflicted", false, "NoConflicts", "");
    const serving = modelled && !conflict;
    const programmed = condition(
      "Programmed",
      serving && !cert,
      serving && !cert ? "Programmed" : "Invalid",
      serving && !cert
        ? ""
        : serving
          ? "routes attach, but without its certificate the listener takes no connection"
          : "the listener is not served",
    );
    return { listener: l, serving, conditions: [accepted, resolved, conflicted, programmed] };
  });
}
