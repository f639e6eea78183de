// The ingress-nginx annotations that change where a request goes or what it gets, parsed the way the
// controller parses them (internal/ingress/annotations at kubernetes/ingress-nginx dbb11b92): a value
// it cannot read falls back to the default, or denies the location where the controller does so.
import { type ControllerSettings, type Ingress, NO_SETTINGS } from "../model/ingress.ts";
import { byteSize, goBool, goInt, type SourceRanges, sourceRanges } from "./annotation-values.ts";

export const ANNOTATION_PREFIX = "nginx.ingress.kubernetes.io/";

export type BackendProtocol = "HTTP" | "HTTPS" | "GRPC" | "GRPCS" | "AUTO_HTTP" | "FCGI";
export const BACKEND_PROTOCOLS: readonly BackendProtocol[] = ["HTTP", "HTTPS", "GRPC", "GRPCS", "AUTO_HTTP", "FCGI"];

export interface LocationRedirect {
  /** temporal-redirect wins when both are set (redirect.go reads it first). */
  readonly annotation: "temporal-redirect" | "permanent-redirect";
  readonly url: string;
  readonly code: number;
}

export interface SourceRule {
  /** The annotation as written: allowlist-source-range, its alias whitelist-source-range, or denylist-source-range. */
  readonly annotation: string;
  readonly ranges: SourceRanges;
  /** `namespace/name` of the controller's ConfigMap, when the rule is its key of that name. */
  readonly configMap?: string;
}

export interface ExternalAuth {
  readonly url: string;
  readonly method?: string;
  /** auth-signin: a 401 becomes a 302 to it. */
  readonly signin?: string;
  readonly signinRedirectParam: string;
}

export type Affinity =
  | { readonly by: "cookie"; readonly cookie: string }
  | { readonly by: "hash"; readonly key: string };

/** Where a setting of a location comes from: its Ingress's annotation, the controller's ConfigMap, or the default. */
export type SettingFrom = "annotation" | "configmap" | "default";

export interface BodyLimit {
  /** As written ("1m"); "0" turns the check off. */
  readonly text: string;
  readonly bytes: number;
  readonly from: SettingFrom;
  /** `namespace/name` of the ConfigMap, when from it. */
  readonly configMap?: string;
}

export interface CanaryRule {
  readonly weight: number;
  readonly weightTotal: number;
  readonly header?: string;
  readonly headerValue?: string;
  readonly headerPattern?: string;
  readonly cookie?: string;
}

export interface RoutingAnnotations {
  /** ssl-redirect; the configmap default is true. */
  readonly sslRedirect: boolean;
  readonly forceSslRedirect: boolean;
  /** Where ssl-redirect and force-ssl-redirect were set, and the ConfigMap when one of them was set there. */
  readonly redirectFrom: { readonly ssl: SettingFrom; readonly force: SettingFrom; readonly configMap?: string };
  readonly preserveTrailingSlash: boolean;
  readonly useRegex: boolean;
  /** rewrite-target, "" when unset. */
  readonly rewriteTarget: string;
  /** Proxy to the Service's ClusterIP instead of straight to endpoint IPs. */
  readonly serviceUpstream: boolean;
  readonly canary: boolean;
  /** app-root, "" when unset: the server answers `/` with 302 to it. */
  readonly appRoot: string;
  readonly redirect?: LocationRedirect;
  readonly allow?: SourceRule;
  readonly deny?: SourceRule;
  /** Why the controller denies the location (it answers 503), when an annotation's value cannot be read. */
  readonly denied?: string;
  readonly externalAuth?: ExternalAuth;
  readonly affinity?: Affinity;
  readonly backendProtocol: BackendProtocol;
  /** default-backend: a Service of the Ingress's namespace that answers when the backend has no endpoint. */
  readonly defaultBackend?: string;
  readonly customHttpErrors: readonly number[];
  readonly bodyLimit: BodyLimit;
  readonly canaryRule?: CanaryRule;
}

/** The configmap's proxy-body-size default (internal/ingress/controller/config: bodySize = "1m"). */
export const DEFAULT_BODY_LIMIT: BodyLimit = { text: "1m", bytes: 1024 * 1024, from: "default" };

export const DEFAULT_ANNOTATIONS: RoutingAnnotations = {
  sslRedirect: true,
  forceSslRedirect: false,
  redirectFrom: { ssl: "default", force: "default" },
  preserveTrailingSlash: false,
  useRegex: false,
  rewriteTarget: "",
  serviceUpstream: false,
  canary: false,
  appRoot: "",
  backendProtocol: "HTTP",
  customHttpErrors: [],
  bodyLimit: DEFAULT_BODY_LIMIT,
};

/**
 * The locations nginx builds with no annotations applied at all (the catch-all server's `/`): no
 * redirect, and the ConfigMap's proxy-body-size (a server-wide setting).
 */
export function unannotated(settings: ControllerSettings = NO_SETTINGS): RoutingAnnotations {
  return { ...DEFAULT_ANNOTATIONS, sslRedirect: false, bodyLimit: globalBodyLimit(settings) };
}

/** proxy-body-size of the ConfigMap, else ingress-nginx's default. */
function globalBodyLimit(settings: ControllerSettings): BodyLimit {
  const text = settings.values["proxy-body-size"];
  const bytes = text !== undefined ? byteSize(text) : undefined;
  if (text === undefined || bytes === undefined || settings.configMap === undefined) return DEFAULT_BODY_LIMIT;
  return { text, bytes, from: "configmap", configMap: settings.configMap };
}

/**
 * A location's settings from its Ingress's annotations; what an annotation does not set comes from
 * the controller's ConfigMap (`settings`), else ingress-nginx's default.
 */
export function parseAnnotations(
  ing: Pick<Ingress, "annotations">,
  settings: ControllerSettings = NO_SETTINGS,
): RoutingAnnotations {
  const a = (k: string): string | undefined => {
    const v = ing.annotations[ANNOTATION_PREFIX + k]?.trim();
    return v === "" ? undefined : v;
  };
  const bool = (k: string, d: boolean) => goBool(a(k)) ?? d;
  // An annotation the controller cannot read falls back to the ConfigMap's value, as to a default.
  const setting = (k: string, d: boolean): [boolean, SettingFrom] => {
    const own = goBool(a(k));
    if (own !== undefined) return [own, "annotation"];
    const global = goBool(settings.values[k]);
    return global !== undefined ? [global, "configmap"] : [d, "default"];
  };
  const [sslRedirect, ssl] = setting("ssl-redirect", DEFAULT_ANNOTATIONS.sslRedirect);
  const [forceSslRedirect, force] = setting("force-ssl-redirect", false);
  const configMap = ssl === "configmap" || force === "configmap" ? settings.configMap : undefined;
  const canary = bool("canary", false);
  // With no annotation, the ConfigMap's list is the location's (ipallowlist and ipdenylist fall back to it).
  const allow =
    sourceRule(a, "allowlist-source-range", "whitelist-source-range") ??
    globalSourceRule(settings, "whitelist-source-range");
  const deny = sourceRule(a, "denylist-source-range") ?? globalSourceRule(settings, "denylist-source-range");
  const auth = externalAuth(a);
  const denied = [allow, deny, auth].find((r) => typeof r === "string");
  const affinity = affinityOf(a);
  const backendProtocol = a("backend-protocol")?.toUpperCase() as BackendProtocol | undefined;
  const body = a("proxy-body-size");
  const bodyBytes = body !== undefined ? byteSize(body) : undefined;
  const redirect = redirectOf(a);
  const appRoot = appRootOf(a("app-root"));
  return {
    sslRedirect,
    forceSslRedirect,
    redirectFrom: { ssl, force, ...(configMap !== undefined ? { configMap } : {}) },
    preserveTrailingSlash: bool("preserve-trailing-slash", false),
    useRegex: bool("use-regex", false),
    rewriteTarget: a("rewrite-target") ?? "",
    serviceUpstream: bool("service-upstream", false),
    canary,
    appRoot,
    ...(redirect ? { redirect } : {}),
    ...(allow && typeof allow !== "string" ? { allow } : {}),
    ...(deny && typeof deny !== "string" ? { deny } : {}),
    ...(typeof denied === "string" ? { denied } : {}),
    ...(auth && typeof auth !== "string" ? { externalAuth: auth } : {}),
    ...(affinity ? { affinity } : {}),
    backendProtocol: backendProtocol && BACKEND_PROTOCOLS.includes(backendProtocol) ? backendProtocol : "HTTP",
    ...(a("default-backend") ? { defaultBackend: a("default-backend")! } : {}),
    customHttpErrors: (a("custom-http-errors") ?? "")
      .split(",")
      .map((c) => goInt(c.trim()))
      .filter((c): c is number => c !== undefined),
    bodyLimit:
      bodyBytes !== undefined ? { text: body!, bytes: bodyBytes, from: "annotation" } : globalBodyLimit(settings),
    ...(canary ? { canaryRule: canaryRuleOf(a) } : {}),
  };
}

type Read = (k: string) => string | undefined;

/** A rule, or the reason the controller denies the location (LocationDeniedError: 503). */
function sourceRule(a: Read, name: string, alias?: string): SourceRule | string | undefined {
  const annotation = a(name) !== undefined ? name : alias !== undefined && a(alias) !== undefined ? alias : undefined;
  if (annotation === undefined) return undefined;
  const ranges = sourceRanges(a(annotation)!);
  if (!ranges) return `${annotation} "${a(annotation)}" is not a list of addresses and CIDRs`;
  return { annotation, ranges };
}

/** The ConfigMap's list (controller-settings.ts keeps only one it can read). */
function globalSourceRule(settings: ControllerSettings, key: string): SourceRule | undefined {
  const text = settings.values[key];
  const ranges = text !== undefined ? sourceRanges(text) : undefined;
  if (!ranges || settings.configMap === undefined) return undefined;
  return { annotation: key, ranges, configMap: settings.configMap };
}

function externalAuth(a: Read): ExternalAuth | string | undefined {
  const url = a("auth-url");
  if (url === undefined) return undefined;
  if (!isHttpUrl(url)) return `auth-url "${url}" is not an http(s) URL`;
  const method = a("auth-method");
  const signin = a("auth-signin");
  return {
    url,
    ...(method !== undefined ? { method } : {}),
    ...(signin !== undefined ? { signin } : {}),
    signinRedirectParam: a("auth-signin-redirect-param") ?? "rd",
  };
}

function isHttpUrl(v: string): boolean {
  try {
    const u = new URL(v);
    return (u.protocol === "http:" || u.protocol === "https:") && u.hostname !== "";
  } catch {
    return false;
  }
}

function affinityOf(a: Read): Affinity | undefined {
  if (a("affinity") === "cookie") return { by: "cookie", cookie: a("session-cookie-name") ?? "INGRESSCOOKIE" };
  const key = a("upstream-hash-by");
  return key !== undefined ? { by: "hash", key } : undefined;
}

/** redirect.go: a code outside 300-307 (temporal) or 300-308 (permanent) falls back to 302 or 301. */
function redirectOf(a: Read): LocationRedirect | undefined {
  const temporal = a("temporal-redirect");
  if (temporal !== undefined) {
    const code = goInt(a("temporal-redirect-code")) ?? 0;
    return { annotation: "temporal-redirect", url: temporal, code: code >= 300 && code <= 307 ? code : 302 };
  }
  const permanent = a("permanent-redirect");
  if (permanent === undefined) return undefined;
  const code = goInt(a("permanent-redirect-code")) ?? 0;
  return { annotation: "permanent-redirect", url: permanent, code: code >= 300 && code <= 308 ? code : 301 };
}

/** rewrite/main.go: an app-root must be a path; a URL with a scheme is dropped. */
function appRootOf(v: string | undefined): string {
  if (v === undefined || !v.startsWith("/")) return "";
  return v;
}

function canaryRuleOf(a: Read): CanaryRule {
  const header = a("canary-by-header");
  const headerValue = a("canary-by-header-value");
  const headerPattern = a("canary-by-header-pattern");
  const cookie = a("canary-by-cookie");
  return {
    weight: goInt(a("canary-weight")) ?? 0,
    weightTotal: goInt(a("canary-weight-total")) ?? 100,
    ...(header !== undefined ? { header } : {}),
    ...(headerValue !== undefined ? { headerValue } : {}),
    ...(headerPattern !== undefined ? { headerPattern } : {}),
    ...(cookie !== undefined ? { cookie } : {}),
  };
}
