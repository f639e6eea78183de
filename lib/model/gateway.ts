// The Gateway API (gateway.networking.k8s.io) as the router needs it: plain data, no Kubernetes
// wrapping, no behaviour. lib/gateway/ computes attachment, status and routing from it.
import type { Origin } from "./origin.ts";

export const GATEWAY_GROUP = "gateway.networking.k8s.io";

export interface GatewayClass {
  readonly name: string;
  readonly controllerName: string;
  readonly origin?: Origin;
}

/** A LabelSelector: every matchLabels entry and every matchExpressions requirement must hold. */
export interface LabelSelector {
  readonly matchLabels: Readonly<Record<string, string>>;
  readonly matchExpressions: readonly {
    readonly key: string;
    readonly operator: "In" | "NotIn" | "Exists" | "DoesNotExist";
    readonly values: readonly string[];
  }[];
}

export interface RouteGroupKind {
  readonly group: string;
  readonly kind: string;
}

export interface AllowedRoutes {
  readonly from: "Same" | "All" | "Selector" | "None";
  readonly selector?: LabelSelector;
  /** Empty: the kinds the listener's protocol supports. */
  readonly kinds: readonly RouteGroupKind[];
}

export interface SecretRef {
  readonly group: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
}

export interface GatewayListener {
  readonly name: string;
  /** Lower-case DNS name or `*.suffix`; undefined = any host. */
  readonly hostname?: string;
  readonly port: number;
  /** As written: HTTP, HTTPS, TLS, TCP, UDP or a domain-prefixed implementation protocol. */
  readonly protocol: string;
  readonly tls?: { readonly mode: "Terminate" | "Passthrough"; readonly certificateRefs: readonly SecretRef[] };
  readonly allowedRoutes: AllowedRoutes;
  readonly origin?: Origin;
}

export interface GatewayAddress {
  readonly type: string;
  readonly value: string;
}

export interface Gateway {
  readonly namespace: string;
  readonly name: string;
  readonly className: string;
  readonly listeners: readonly GatewayListener[];
  /** spec.addresses as written (an IPAddress is the VIP the lead's data path uses). */
  readonly addresses: readonly GatewayAddress[];
  /** status.addresses, where the input holds a status. */
  readonly statusAddresses: readonly GatewayAddress[];
  readonly origin?: Origin;
}

export interface ParentRef {
  readonly group: string;
  readonly kind: string;
  /** Defaults to the route's namespace. */
  readonly namespace: string;
  readonly name: string;
  readonly sectionName?: string;
  readonly port?: number;
}

export interface HeaderModifier {
  readonly set: readonly { readonly name: string; readonly value: string }[];
  readonly add: readonly { readonly name: string; readonly value: string }[];
  readonly remove: readonly string[];
}

export type PathModifier =
  | { readonly type: "ReplaceFullPath"; readonly value: string }
  | { readonly type: "ReplacePrefixMatch"; readonly value: string };

export interface RequestRedirect {
  readonly scheme?: "http" | "https";
  readonly hostname?: string;
  readonly path?: PathModifier;
  readonly port?: number;
  /** 302 when left out. */
  readonly statusCode: 301 | 302 | 303 | 307 | 308;
}

export interface UrlRewrite {
  readonly hostname?: string;
  readonly path?: PathModifier;
}

export interface CorsPolicy {
  readonly allowOrigins: readonly string[];
  readonly allowCredentials: boolean;
  readonly allowMethods: readonly string[];
  readonly allowHeaders: readonly string[];
  readonly exposeHeaders: readonly string[];
  readonly maxAge?: number;
}

export type RouteFilter =
  | { readonly type: "RequestHeaderModifier"; readonly modifier: HeaderModifier }
  | { readonly type: "ResponseHeaderModifier"; readonly modifier: HeaderModifier }
  | { readonly type: "RequestRedirect"; readonly redirect: RequestRedirect }
  | { readonly type: "URLRewrite"; readonly rewrite: UrlRewrite }
  | { readonly type: "CORS"; readonly cors: CorsPolicy }
  /** RequestMirror, ExtensionRef, ExternalAuth and anything else: named, not applied. */
  | { readonly type: "Unmodelled"; readonly filterType: string };

export interface BackendRef {
  readonly group: string;
  readonly kind: string;
  readonly name: string;
  /** Defaults to the route's namespace. */
  readonly namespace: string;
  readonly port?: number;
  /** 1 when left out; 0 = never chosen. */
  readonly weight: number;
  readonly filters: readonly RouteFilter[];
}

export type PathMatch = { readonly type: "Exact" | "PathPrefix" | "RegularExpression"; readonly value: string };

export interface ValueMatch {
  readonly type: "Exact" | "RegularExpression";
  readonly name: string;
  readonly value: string;
}

export interface HttpRouteMatch {
  /** PathPrefix "/" when left out. */
  readonly path: PathMatch;
  readonly headers: readonly ValueMatch[];
  readonly queryParams: readonly ValueMatch[];
  readonly method?: string;
}

export interface GrpcRouteMatch {
  readonly method?: {
    readonly type: "Exact" | "RegularExpression";
    readonly service?: string;
    readonly method?: string;
  };
  readonly headers: readonly ValueMatch[];
}

interface RuleCommon {
  readonly name?: string;
  readonly filters: readonly RouteFilter[];
  readonly backendRefs: readonly BackendRef[];
}

export interface HttpRouteRule extends RuleCommon {
  /** One PathPrefix "/" match when left out. */
  readonly matches: readonly HttpRouteMatch[];
}

export interface GrpcRouteRule extends RuleCommon {
  /** Empty: every request. */
  readonly matches: readonly GrpcRouteMatch[];
}

interface RouteCommon {
  readonly namespace: string;
  readonly name: string;
  /** RFC 3339; older routes win ties. */
  readonly creationTimestamp?: string;
  readonly parentRefs: readonly ParentRef[];
  readonly hostnames: readonly string[];
  readonly origin?: Origin;
}

export interface HttpRoute extends RouteCommon {
  readonly kind: "HTTPRoute";
  readonly rules: readonly HttpRouteRule[];
}

export interface GrpcRoute extends RouteCommon {
  readonly kind: "GRPCRoute";
  readonly rules: readonly GrpcRouteRule[];
}

export type GatewayRoute = HttpRoute | GrpcRoute;

export interface ReferenceGrant {
  readonly namespace: string;
  readonly name: string;
  readonly from: readonly { readonly group: string; readonly kind: string; readonly namespace: string }[];
  readonly to: readonly { readonly group: string; readonly kind: string; readonly name?: string }[];
}

/** What the Gateway API objects refer to outside themselves. */
export interface GatewayWorld {
  readonly classes: readonly GatewayClass[];
  readonly gateways: readonly Gateway[];
  readonly routes: readonly GatewayRoute[];
  readonly referenceGrants: readonly ReferenceGrant[];
  /** Namespace labels (kubernetes.io/metadata.name included) for allowedRoutes selectors. */
  readonly namespaces: ReadonlyMap<string, Readonly<Record<string, string>>>;
  /** Services by "namespace/name", with their port numbers. */
  readonly services: ReadonlyMap<string, readonly number[]>;
  /** Secrets by "namespace/name", for listeners' certificateRefs. */
  readonly secrets: ReadonlySet<string>;
  /** Secrets by "namespace/name" whose certificate is malformed, and why (absent: none is). */
  readonly malformedSecrets?: ReadonlyMap<string, string>;
}

export function routeKey(r: { readonly namespace: string; readonly name: string }): string {
  return `${r.namespace}/${r.name}`;
}

// What lib/gateway/attach.ts computes: the status a conformant controller would write, and which
// route serves which listener.

export interface Condition {
  readonly type: string;
  readonly status: "True" | "False";
  readonly reason: string;
  readonly message: string;
}

export interface ListenerStatus {
  readonly name: string;
  readonly supportedKinds: readonly RouteGroupKind[];
  readonly attachedRoutes: number;
  readonly conditions: readonly Condition[];
}

export interface GatewayStatus {
  readonly namespace: string;
  readonly name: string;
  readonly conditions: readonly Condition[];
  readonly listeners: readonly ListenerStatus[];
}

export interface RouteParentStatus {
  readonly parentRef: ParentRef;
  readonly conditions: readonly Condition[];
}

export interface RouteStatus {
  readonly kind: GatewayRoute["kind"];
  readonly namespace: string;
  readonly name: string;
  readonly parents: readonly RouteParentStatus[];
}

/** A route attached to one listener, with the hostnames it serves there. */
export interface Attachment {
  /** "namespace/name" */
  readonly gateway: string;
  readonly listener: string;
  readonly route: GatewayRoute;
  /** The intersection of the listener's and the route's hostnames; empty = any host the listener takes. */
  readonly hostnames: readonly string[];
}

export interface GatewayState {
  readonly world: GatewayWorld;
  readonly gateways: readonly GatewayStatus[];
  readonly routes: readonly RouteStatus[];
  readonly attachments: readonly Attachment[];
}

/** A cluster without Gateway API objects. */
export const NO_GATEWAYS: GatewayState = {
  world: {
    classes: [],
    gateways: [],
    routes: [],
    referenceGrants: [],
    namespaces: new Map(),
    services: new Map(),
    secrets: new Set(),
  },
  gateways: [],
  routes: [],
  attachments: [],
};
