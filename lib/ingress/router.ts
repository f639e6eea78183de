// One request through ingress-nginx's routing: server by Host, location by path, then the
// redirects nginx/lua would answer before proxying. Pure: the same Ingresses and request always
// give the same result, with the deciding rule and the rules that lost.
import { certificateServer, chooseServer, normaliseHost } from "./hosts.ts";
import { findIn, userRegex } from "./user-regex.ts";
import { chooseLocation, locationMatches, locationRegex, normalisePath, renderLocation } from "./locations.ts";
import { type Ingress, type PathType, backendText, ingressKey } from "../model/ingress.ts";
import { DEFAULT_SERVER, type Location, type Server, buildServers, needsRewrite } from "./servers.ts";
import type { Ipv4 } from "../model/address.ts";
import type { RedirectCause } from "../model/step-detail.ts";
import type { BackendProtocol, ExternalAuth, Affinity } from "./annotations.ts";
import type { CanaryBackend } from "./canary.ts";
import { bodySizeCheck, type LocationCheck, sourceRangeCheck } from "./checks.ts";
import { escapeArgs } from "./uri-escape.ts";

export interface RouteRequest {
  /** The Host header (or :authority), port allowed. */
  readonly host: string;
  /** The request target: path, optionally with ?query. */
  readonly path: string;
  readonly scheme: "http" | "https";
  /** remote_addr, for the source-range annotations; absent: not checked. */
  readonly clientIp?: Ipv4;
  /** The Content-Length sent, for client_max_body_size; absent: no body. */
  readonly contentLength?: number;
  /**
   * With use-forwarded-headers: lua's pass_access_scheme and best_http_host, which the https redirect
   * goes by (lib/ingress/forwarded.ts); absent: the request's own scheme and Host.
   */
  readonly forwarded?: {
    readonly scheme: string;
    readonly host: string;
    /** Whether clientIp is X-Forwarded-For's (the real_ip module's), not the connection's source. */
    readonly clientIpFromHeader: boolean;
  };
}

export interface RouteOptions {
  /** configmap http-redirect-code */
  readonly httpRedirectCode?: 301 | 302 | 307 | 308;
  /** configmap no-tls-redirect-locations */
  readonly noTlsRedirectLocations?: readonly string[];
}

interface Explained {
  /** Human text naming the deciding rule. */
  readonly rule: string;
  readonly reason: string;
  /** The other candidates and why each lost, one line each. */
  readonly considered: readonly string[];
  /** The nginx server that answered ("_" = the catch-all). */
  readonly server: string;
  /** The checks the request passed at its location before this outcome, in nginx's order. */
  readonly checks: readonly LocationCheck[];
}

export interface BackendRoute extends Explained {
  readonly kind: "backend";
  readonly ingress: string;
  /** The Ingress's namespace, where its backend Services live. */
  readonly namespace: string;
  readonly host: string;
  /** The rule's path as written ("/" for an Ingress defaultBackend). */
  readonly path: string;
  readonly pathType: PathType;
  readonly backend: { readonly service: string; readonly port: number | string };
  /** "rule" = a path matched; "default-backend" = the Ingress's spec.defaultBackend caught it. */
  readonly source: "rule" | "default-backend";
  /** The nginx location that matched, as rendered (`= /api`, `/api/`, `~* "^/api"`). */
  readonly location: string;
  readonly serviceUpstream: boolean;
  /** The path sent upstream when rewrite-target applies (decoded, before the arguments nginx keeps). */
  readonly rewrittenPath?: string;
  /** The arguments rewrite-target's own `?` gives, its captures filled in. */
  readonly rewrittenArgs?: string;
  readonly externalAuth?: ExternalAuth;
  readonly canary?: CanaryBackend;
  readonly affinity?: Affinity;
  readonly backendProtocol: BackendProtocol;
  /** The default-backend annotation's Service, for when the backend has no ready endpoint. */
  readonly defaultBackend?: string;
}

export interface RedirectRoute extends Explained {
  readonly kind: "redirect";
  readonly status: number;
  readonly location: string;
  readonly ingress?: string;
  readonly by: RedirectCause;
}

/** nginx answers at the location itself: a check failed (413, 403) or the location is denied (503). */
export interface RefusedRoute extends Explained {
  readonly kind: "refused";
  readonly status: 403 | 413 | 503;
  /** Where the request was going. */
  readonly matched: BackendRoute | DefaultBackendRoute;
  /** The failed check; absent for a denied location. */
  readonly failed?: LocationCheck;
  /** Why the controller denies the location (an annotation it cannot read). */
  readonly denied?: string;
}

export interface DefaultBackendRoute extends Explained {
  readonly kind: "default-backend";
  readonly status: 404;
}

export type RouteResult = BackendRoute | RedirectRoute | DefaultBackendRoute | RefusedRoute;

/** What every outcome carries but its reason. */
type Decided = Omit<Explained, "reason">;

const ACME = "/.well-known/acme-challenge";

export function route(ingresses: readonly Ingress[], request: RouteRequest, options: RouteOptions = {}): RouteResult {
  return routeOn(buildServers(ingresses), request, options);
}

/** The same, on servers built once with buildServers (for many requests). */
export function routeOn(
  servers: ReadonlyMap<string, Server>,
  request: RouteRequest,
  options: RouteOptions = {},
): RouteResult {
  const host = normaliseHost(request.host);
  const uri = normalisePath(request.path);
  const query = request.path.includes("?") ? request.path.slice(request.path.indexOf("?")) : "";
  const { server, how } = chooseServer(servers, host);
  const hostWhy =
    how === "exact"
      ? `host ${host} matched server ${server.hostname}`
      : how === "wildcard"
        ? `host ${host} matched wildcard server ${server.hostname} (exactly one label)`
        : `host ${host || "(none)"} matched no Ingress host, so the catch-all server answers (rules without a host ` +
          `live there)`;
  const appRoot = appRootRedirect(server, uri, request);
  if (appRoot) return { ...appRoot, considered: [...server.shadowed], reason: `${hostWhy}; ${appRoot.reason}` };
  const match = chooseLocation(server, uri);
  const loc = match.location;
  const considered = [...explainOthers(server, loc, uri), ...server.shadowed];
  const ing = loc.ingress ? ingressKey(loc.ingress) : undefined;
  const checks: LocationCheck[] = [];
  const base: Decided = { server: server.hostname, considered, checks, rule: ruleText(server, loc) };
  const redirectTo = (status: number, location: string, by: RedirectCause, why: string): RedirectRoute => ({
    kind: "redirect",
    status,
    location,
    by,
    ...(ing ? { ingress: ing } : {}),
    ...base,
    reason: `${hostWhy}; ${why}`,
  });
  const why = `${hostWhy}; ${locationWhy(server, loc, uri)}`;
  const proxied = () => matched(server, loc, { uri, raw: request.path }, host, why, base);

  // nginx checks Content-Length against client_max_body_size as soon as the location is found.
  const body = bodySizeCheck(loc, request.contentLength);
  if (body) checks.push(body);
  if (body && !body.ok) return refused(413, proxied(), body, base);
  if (match.kind === "slash-redirect")
    return redirectTo(
      301,
      // nginx's own redirect names the validated host: lower-case, no port, no trailing dot.
      `${request.scheme}://${host}${uri}/${query}`,
      "trailing-slash",
      `${uri} names no location but ${renderLocation(loc, false)} exists, so nginx answers 301 to add the slash ` +
        `(Prefix paths ending in "/" do not match the path without it)`,
    );
  // The location's `return` directives run in the rewrite phase, before the Lua that redirects to https.
  if (loc.annotations.denied) return { ...refused(503, proxied(), undefined, base), denied: loc.annotations.denied };
  const own = loc.annotations.redirect;
  if (own)
    return redirectTo(
      own.code,
      own.url,
      own.annotation,
      `${ing} sets ${own.annotation}: nginx answers ${own.code} to ${own.url} instead of proxying`,
    );
  const ssl = sslRedirect(servers, host, loc, request, options);
  // X-Forwarded-Proto kept lua's https redirect away: said, since the route alone would not show it.
  if (!ssl && request.forwarded && request.forwarded.scheme !== "http" && request.scheme === "http") {
    const plain = sslRedirect(servers, host, loc, { ...request, forwarded: undefined }, options);
    if (plain)
      considered.push(
        `${plain.by}: not applied, X-Forwarded-Proto is ${request.forwarded.scheme} (use-forwarded-headers): ` +
          "lua_ingress.lua redirects only what came as plain http",
      );
  }
  if (ssl) {
    const keepSlash = loc.annotations.preserveTrailingSlash;
    const target = `${uri}${query}`;
    const trimmed = !keepSlash && target.endsWith("/") ? target.slice(0, -1) : target;
    return redirectTo(
      options.httpRedirectCode ?? 308,
      `https://${hostForRedirect(request.forwarded?.host ?? request.host)}${trimmed}`,
      ssl.by,
      ssl.why,
    );
  }
  const route = proxied();
  const source = sourceRangeCheck(loc, request.clientIp, request.forwarded?.clientIpFromHeader ?? false);
  if (source) checks.push(source);
  if (source && !source.ok) return refused(403, route, source, base);
  return route;
}

/** Where the location sends the request: its backend, or the controller's default backend. */
function matched(
  server: Server,
  loc: Location,
  { uri, raw }: { uri: string; raw: string },
  host: string,
  why: string,
  base: Decided,
): BackendRoute | DefaultBackendRoute {
  if (!loc.backend)
    return {
      kind: "default-backend",
      status: 404,
      ...base,
      reason: `${why}; no Ingress defaultBackend covers it, so the controller's default backend answers 404`,
    };
  const rewritten = rewrite(loc, uri, raw);
  const a = loc.annotations;
  const proxied = a.serviceUpstream
    ? "; service-upstream: proxied to the Service ClusterIP"
    : "; proxied straight to endpoint pod IPs (no service-upstream)";
  return {
    kind: "backend",
    ingress: ingressKey(loc.ingress!),
    namespace: loc.ingress!.namespace,
    host: server.hostname === DEFAULT_SERVER ? host : server.hostname,
    path: loc.rulePath,
    pathType: loc.rulePathType,
    backend: { service: loc.backend.service, port: loc.backend.port },
    source: loc.isDefault ? "default-backend" : "rule",
    location: renderLocation(loc, server.regex),
    serviceUpstream: a.serviceUpstream,
    ...(rewritten !== undefined ? { rewrittenPath: rewritten.path } : {}),
    ...(rewritten?.args !== undefined ? { rewrittenArgs: rewritten.args } : {}),
    ...(a.externalAuth ? { externalAuth: a.externalAuth } : {}),
    ...(loc.canary ? { canary: loc.canary } : {}),
    ...(a.affinity ? { affinity: a.affinity } : {}),
    backendProtocol: a.backendProtocol,
    ...(a.defaultBackend ? { defaultBackend: a.defaultBackend } : {}),
    ...base,
    reason: `${why}${proxied}`,
  };
}

function refused(
  status: RefusedRoute["status"],
  route: BackendRoute | DefaultBackendRoute,
  failed: LocationCheck | undefined,
  base: Decided,
): RefusedRoute {
  return { kind: "refused", status, matched: route, ...(failed ? { failed } : {}), ...base, reason: route.reason };
}

/**
 * app-root renders `if ($uri = /) { return 302 $scheme://$http_host<app-root>; }` in the server block,
 * so it answers `/` before any location is chosen; the first location that sets it wins.
 */
function appRootRedirect(
  server: Server,
  uri: string,
  request: RouteRequest,
): Omit<RedirectRoute, "considered"> | undefined {
  if (uri !== "/") return undefined;
  const loc = server.locations.find((l) => l.annotations.appRoot !== "");
  if (!loc?.ingress) return undefined;
  const key = ingressKey(loc.ingress);
  return {
    kind: "redirect",
    status: 302,
    location: `${request.scheme}://${request.host.trim()}${loc.annotations.appRoot}`,
    by: "app-root",
    ingress: key,
    server: server.hostname,
    checks: [],
    rule: `${key}: app-root ${loc.annotations.appRoot}`,
    reason:
      `${key} sets app-root ${loc.annotations.appRoot}: nginx answers a request for / with 302 to it, before ` +
      `choosing a location`,
  };
}

function hostForRedirect(header: string): string {
  const h = header.trim();
  if (h.startsWith("[")) return h.slice(0, h.indexOf("]") + 1);
  return h.split(":")[0] ?? h;
}

function sslRedirect(
  servers: ReadonlyMap<string, Server>,
  host: string,
  loc: Location,
  req: RouteRequest,
  options: RouteOptions,
): { by: "ssl-redirect" | "force-ssl-redirect"; why: string } | undefined {
  // lua_ingress.lua redirects only what came as plain http: with use-forwarded-headers, X-Forwarded-Proto says.
  if ((req.forwarded?.scheme ?? req.scheme) !== "http") return undefined;
  const exempt = options.noTlsRedirectLocations ?? [ACME];
  if (exempt.some((p) => p !== "" && loc.path.startsWith(p))) return undefined;
  const owner = loc.ingress ? ingressKey(loc.ingress) : "the catch-all";
  const from = loc.annotations.redirectFrom;
  if (loc.annotations.forceSslRedirect) {
    const who = from.force === "configmap" ? `ConfigMap ${from.configMap}` : owner;
    return {
      by: "force-ssl-redirect",
      why: `${who} sets force-ssl-redirect: "true", so plain HTTP is redirected to https even without a certificate`,
    };
  }
  const certServer = certificateServer(servers, host);
  if (!loc.annotations.sslRedirect || !certServer) return undefined;
  const on =
    from.ssl === "annotation"
      ? `${owner} sets ssl-redirect: "true"`
      : from.ssl === "configmap"
        ? `ConfigMap ${from.configMap} sets ssl-redirect: "true" and ${owner} does not set it`
        : `ssl-redirect is on for ${owner} (default true; set nginx.ingress.kubernetes.io/ssl-redirect: "false" to ` +
          "serve plain HTTP)";
  const why = `a certificate is configured for ${certServer.hostname} (${certServer.certificate!.why}) and ${on}`;
  return { by: "ssl-redirect", why };
}

function rewrite(loc: Location, uri: string, rawPath: string): { path: string; args?: string } | undefined {
  if (!needsRewrite(loc)) return undefined;
  const m = findIn(userRegex(loc.path, true), uri);
  if (!m) return undefined;
  // nginx `rewrite` replaces the whole URI with the target, $N filled from the captures; a `?` in the target
  // (not in a capture) starts the request's new arguments.
  // A capture copied into the arguments is escaped when the client's path held % or + (quoted_uri, plus_in_uri).
  const quoted = /[%+]/.test(rawPath.split("?", 1)[0] ?? "");
  const fill = (t: string, inArgs: boolean) =>
    t.replace(/\$(\d)/g, (_, d: string) => {
      const c = m![Number(d)] ?? "";
      return inArgs && quoted ? escapeArgs(c) : c;
    });
  const target = loc.annotations.rewriteTarget;
  const q = target.indexOf("?");
  return q < 0
    ? { path: fill(target, false) }
    : { path: fill(target.slice(0, q), false), args: fill(target.slice(q + 1), true) };
}

export function ruleText(server: Server, loc: Location): string {
  if (!loc.ingress) return "the controller's default backend (404)";
  const key = ingressKey(loc.ingress);
  const host = server.hostname === DEFAULT_SERVER ? "(any host)" : server.hostname;
  if (loc.isDefault && loc.backend)
    return `${key}: defaultBackend -> ${backendText(loc.backend)} (host ${host}, no path matched)`;
  if (loc.isDefault) return `the controller's default backend (404), for host ${host} created by ${key}`;
  return `${key}: host ${host} path ${loc.rulePath} (${loc.rulePathType}) -> ${backendText(loc.backend)}`;
}

function locationWhy(server: Server, loc: Location, uri: string): string {
  const rendered = renderLocation(loc, server.regex);
  if (server.regex)
    return (
      `path ${uri} matched ${rendered} first (regex mode for the whole host: use-regex or rewrite-target on ` +
      `one of its Ingresses; longest path tried first)`
    );
  if (loc.isDefault) return `path ${uri} matched no Ingress path, only the implicit location /`;
  if (loc.exact)
    return (
      `path ${uri} ` +
      `equals ${rendered}${loc.twin ? ` (the exact twin ingress-nginx adds for Prefix ${loc.rulePath})` : ""}, ` +
      `and exact locations win`
    );
  return `path ${uri} matched ${rendered}, the longest matching prefix (${loc.rulePathType} ${loc.rulePath})`;
}

function explainOthers(server: Server, winner: Location, uri: string): string[] {
  const out: string[] = [];
  for (const l of server.locations) {
    if (l === winner) continue;
    const what =
      `${renderLocation(l, server.regex)} ` + `[${l.ingress ? ruleText(server, l) : "controller default backend"}]`;
    const re = server.regex ? locationRegex(l) : undefined;
    if (re && "unsupported" in re) out.push(`${what}: does not match: its regex ${re.unsupported}`);
    else if (!locationMatches(l, uri, server.regex)) out.push(`${what}: does not match`);
    else if (server.regex) out.push(`${what}: matches too, but comes later`);
    else out.push(`${what}: matches too, but ${winner.exact ? "an exact location wins" : "is shorter"}`);
  }
  return out;
}
