// From validated Gateway API objects to the model, with the CRDs' defaults filled in (a parentRef's
// group and kind, a match's PathPrefix "/", a backendRef's weight 1, a redirect's 302).
import type {
  GatewayClassObject,
  GatewayObject,
  GrpcRouteObject,
  HttpRouteObject,
  ReferenceGrantObject,
} from "../input/gateway-schema.ts";
import {
  type BackendRef,
  GATEWAY_GROUP,
  type Gateway,
  type GatewayClass,
  type GatewayListener,
  type GrpcRoute,
  type HttpRoute,
  type HttpRouteMatch,
  type LabelSelector,
  type PathModifier,
  type ReferenceGrant,
  type RouteFilter,
  type ValueMatch,
} from "../model/gateway.ts";
import type { Origin } from "../model/origin.ts";

type FilterObject = NonNullable<NonNullable<HttpRouteObject["spec"]["rules"]>[number]["filters"]>[number];
type BackendRefObject = NonNullable<NonNullable<HttpRouteObject["spec"]["rules"]>[number]["backendRefs"]>[number];
type ListenerObject = GatewayObject["spec"]["listeners"][number];
type SelectorObject = NonNullable<NonNullable<NonNullable<ListenerObject["allowedRoutes"]>["namespaces"]>["selector"]>;
type PathModifierObject = {
  type: "ReplaceFullPath" | "ReplacePrefixMatch";
  replaceFullPath?: string;
  replacePrefixMatch?: string;
};

const nsOf = (md: { namespace?: string | undefined }) => md.namespace ?? "default";

export function toGatewayClass(obj: GatewayClassObject, origin?: Origin): GatewayClass {
  return { name: obj.metadata.name, controllerName: obj.spec.controllerName, ...(origin ? { origin } : {}) };
}

function toSelector(s: SelectorObject): LabelSelector {
  return {
    matchLabels: { ...(s.matchLabels ?? {}) },
    matchExpressions: (s.matchExpressions ?? []).map((e) => ({
      key: e.key,
      operator: e.operator,
      values: e.values ?? [],
    })),
  };
}

function toListener(l: ListenerObject, origin?: Origin): GatewayListener {
  const ns = l.allowedRoutes?.namespaces;
  return {
    name: l.name,
    ...(l.hostname !== undefined ? { hostname: l.hostname.toLowerCase() } : {}),
    port: l.port,
    protocol: l.protocol,
    ...(l.tls
      ? {
          tls: {
            mode: l.tls.mode ?? "Terminate",
            certificateRefs: (l.tls.certificateRefs ?? []).map((c) => ({
              group: c.group ?? "",
              kind: c.kind ?? "Secret",
              name: c.name,
              ...(c.namespace !== undefined ? { namespace: c.namespace } : {}),
            })),
          },
        }
      : {}),
    allowedRoutes: {
      from: ns?.from ?? "Same",
      ...(ns?.selector ? { selector: toSelector(ns.selector) } : {}),
      kinds: (l.allowedRoutes?.kinds ?? []).map((k) => ({ group: k.group ?? GATEWAY_GROUP, kind: k.kind })),
    },
    ...(origin ? { origin } : {}),
  };
}

export function toGateway(obj: GatewayObject, origin?: Origin, listenerAt?: (i: number) => Origin): Gateway {
  const addr = (a: { type?: string | undefined; value: string }) => ({ type: a.type ?? "IPAddress", value: a.value });
  return {
    namespace: nsOf(obj.metadata),
    name: obj.metadata.name,
    className: obj.spec.gatewayClassName,
    listeners: obj.spec.listeners.map((l, i) => toListener(l, listenerAt?.(i))),
    addresses: (obj.spec.addresses ?? []).map(addr),
    statusAddresses: (obj.status?.addresses ?? []).map(addr),
    ...(origin ? { origin } : {}),
  };
}

function toPathModifier(p: PathModifierObject): PathModifier {
  return p.type === "ReplaceFullPath"
    ? { type: "ReplaceFullPath", value: p.replaceFullPath ?? "/" }
    : { type: "ReplacePrefixMatch", value: p.replacePrefixMatch ?? "/" };
}

function toFilter(f: FilterObject): RouteFilter {
  const mod = (m: NonNullable<FilterObject["requestHeaderModifier"]>) => ({
    set: (m.set ?? []).map((h) => ({ name: h.name, value: h.value })),
    add: (m.add ?? []).map((h) => ({ name: h.name, value: h.value })),
    remove: [...(m.remove ?? [])],
  });
  if (f.type === "RequestHeaderModifier" && f.requestHeaderModifier)
    return { type: "RequestHeaderModifier", modifier: mod(f.requestHeaderModifier) };
  if (f.type === "ResponseHeaderModifier" && f.responseHeaderModifier)
    return { type: "ResponseHeaderModifier", modifier: mod(f.responseHeaderModifier) };
  if (f.type === "RequestRedirect" && f.requestRedirect) {
    const r = f.requestRedirect;
    return {
      type: "RequestRedirect",
      redirect: {
        ...(r.scheme !== undefined ? { scheme: r.scheme } : {}),
        ...(r.hostname !== undefined ? { hostname: r.hostname } : {}),
        ...(r.path ? { path: toPathModifier(r.path) } : {}),
        ...(r.port !== undefined ? { port: r.port } : {}),
        statusCode: r.statusCode ?? 302,
      },
    };
  }
  if (f.type === "URLRewrite" && f.urlRewrite)
    return {
      type: "URLRewrite",
      rewrite: {
        ...(f.urlRewrite.hostname !== undefined ? { hostname: f.urlRewrite.hostname } : {}),
        ...(f.urlRewrite.path ? { path: toPathModifier(f.urlRewrite.path) } : {}),
      },
    };
  if (f.type === "CORS" && f.cors) {
    const c = f.cors;
    return {
      type: "CORS",
      cors: {
        allowOrigins: c.allowOrigins ?? [],
        allowCredentials: c.allowCredentials ?? false,
        allowMethods: c.allowMethods ?? [],
        allowHeaders: c.allowHeaders ?? [],
        exposeHeaders: c.exposeHeaders ?? [],
        ...(c.maxAge !== undefined ? { maxAge: c.maxAge } : {}),
      },
    };
  }
  return { type: "Unmodelled", filterType: f.type };
}

function toBackendRef(b: BackendRefObject, routeNs: string): BackendRef {
  return {
    group: b.group ?? "",
    kind: b.kind ?? "Service",
    name: b.name,
    namespace: b.namespace ?? routeNs,
    ...(b.port !== undefined ? { port: b.port } : {}),
    weight: b.weight ?? 1,
    filters: (b.filters ?? []).map(toFilter),
  };
}

function toValueMatches(
  list: readonly { type?: string | undefined; name: string; value: string }[] | undefined,
): ValueMatch[] {
  return (list ?? []).map((m) => ({
    type: m.type === "RegularExpression" ? "RegularExpression" : "Exact",
    name: m.name,
    value: m.value,
  }));
}

const ANY: HttpRouteMatch = { path: { type: "PathPrefix", value: "/" }, headers: [], queryParams: [] };

function routeCommon(obj: HttpRouteObject | GrpcRouteObject, origin?: Origin) {
  const ns = nsOf(obj.metadata);
  return {
    namespace: ns,
    name: obj.metadata.name,
    ...(obj.metadata.creationTimestamp !== undefined ? { creationTimestamp: obj.metadata.creationTimestamp } : {}),
    parentRefs: (obj.spec.parentRefs ?? []).map((p) => ({
      group: p.group ?? GATEWAY_GROUP,
      kind: p.kind ?? "Gateway",
      namespace: p.namespace ?? ns,
      name: p.name,
      ...(p.sectionName !== undefined ? { sectionName: p.sectionName } : {}),
      ...(p.port !== undefined ? { port: p.port } : {}),
    })),
    hostnames: (obj.spec.hostnames ?? []).map((h) => h.toLowerCase()),
    ...(origin ? { origin } : {}),
  };
}

export function toHttpRoute(obj: HttpRouteObject, origin?: Origin): HttpRoute {
  const common = routeCommon(obj, origin);
  const rules = obj.spec.rules ?? [{}];
  return {
    kind: "HTTPRoute",
    ...common,
    rules: rules.map((r) => ({
      ...(r.name !== undefined ? { name: r.name } : {}),
      matches:
        r.matches === undefined || r.matches.length === 0
          ? [ANY]
          : r.matches.map((m) => ({
              path: { type: m.path?.type ?? "PathPrefix", value: m.path?.value ?? "/" },
              headers: toValueMatches(m.headers),
              queryParams: toValueMatches(m.queryParams),
              ...(m.method !== undefined ? { method: m.method } : {}),
            })),
      filters: (r.filters ?? []).map(toFilter),
      backendRefs: (r.backendRefs ?? []).map((b) => toBackendRef(b, common.namespace)),
    })),
  };
}

export function toGrpcRoute(obj: GrpcRouteObject, origin?: Origin): GrpcRoute {
  const common = routeCommon(obj, origin);
  return {
    kind: "GRPCRoute",
    ...common,
    rules: (obj.spec.rules ?? [{}]).map((r) => ({
      ...(r.name !== undefined ? { name: r.name } : {}),
      matches: (r.matches ?? []).map((m) => ({
        ...(m.method
          ? {
              method: {
                type: m.method.type ?? "Exact",
                ...(m.method.service !== undefined ? { service: m.method.service } : {}),
                ...(m.method.method !== undefined ? { method: m.method.method } : {}),
              },
            }
          : {}),
        headers: toValueMatches(m.headers),
      })),
      filters: (r.filters ?? []).map(toFilter),
      backendRefs: (r.backendRefs ?? []).map((b) => toBackendRef(b, common.namespace)),
    })),
  };
}

export function toReferenceGrant(obj: ReferenceGrantObject): ReferenceGrant {
  return {
    namespace: nsOf(obj.metadata),
    name: obj.metadata.name,
    from: obj.spec.from.map((f) => ({ group: f.group, kind: f.kind, namespace: f.namespace })),
    to: obj.spec.to.map((t) => ({ group: t.group, kind: t.kind, ...(t.name !== undefined ? { name: t.name } : {}) })),
  };
}
