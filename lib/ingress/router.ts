// One request through ingress-nginx's routing: server by Host, location by path, then the
// redirects nginx/lua would answer before proxying. Pure: the same Ingresses and request always
// give the same result, with the deciding rule and the rules that lost.
import { certificateServer, chooseServer, normaliseHost } from "./hosts.ts";
import { chooseLocation, locationMatches, normalisePath, renderLocation } from "./locations.ts";
import { type Ingress, type PathType, backendText, ingressKey } from "../model/ingress.ts";
import { DEFAULT_SERVER, type Location, type Server, buildServers, needsRewrite } from "./servers.ts";

export interface RouteRequest {
  /** The Host header (or :authority), port allowed. */
  readonly host: string;
  /** The request target: path, optionally with ?query. */
  readonly path: string;
  readonly scheme: "http" | "https";
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
}

export interface BackendRoute extends Explained {
  readonly kind: "backend";
  readonly ingress: string;
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
  /** The path sent upstream when rewrite-target applies. */
  readonly rewrittenPath?: string;
}

export interface RedirectRoute extends Explained {
  readonly kind: "redirect";
  readonly status: 301 | 302 | 307 | 308;
  readonly location: string;
  readonly ingress?: string;
}

export interface DefaultBackendRoute extends Explained {
  readonly kind: "default-backend";
  readonly status: 404;
}

export type RouteResult = BackendRoute | RedirectRoute | DefaultBackendRoute;

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
        : `host ${host || "(none)"} matched no Ingress host, so the catch-all server answers (rules without a host live there)`;
  const match = chooseLocation(server, uri);
  const loc = match.location;
  const considered = [...explainOthers(server, loc, uri), ...server.shadowed];
  const base = { server: server.hostname, considered };
  const ing = loc.ingress ? ingressKey(loc.ingress) : undefined;

  if (match.kind === "slash-redirect") {
    return {
      kind: "redirect",
      status: 301,
      location: `${request.scheme}://${hostForRedirect(request.host)}${uri}/${query}`,
      ...(ing ? { ingress: ing } : {}),
      rule: ruleText(server, loc),
      ...base,
      reason: `${hostWhy}; ${uri} names no location but ${renderLocation(loc, false)} exists, so nginx answers 301 to add the slash (Prefix paths ending in "/" do not match the path without it)`,
    };
  }

  const redirect = sslRedirect(servers, host, loc, request, options);
  if (redirect) {
    const keepSlash = loc.annotations.preserveTrailingSlash;
    const target = `${uri}${query}`;
    const trimmed = !keepSlash && target.endsWith("/") ? target.slice(0, -1) : target;
    return {
      kind: "redirect",
      status: options.httpRedirectCode ?? 308,
      location: `https://${hostForRedirect(request.host)}${trimmed}`,
      ...(ing ? { ingress: ing } : {}),
      rule: ruleText(server, loc),
      ...base,
      reason: `${hostWhy}; ${redirect}`,
    };
  }

  const locWhy = locationWhy(server, loc, uri);
  if (!loc.backend) {
    return {
      kind: "default-backend",
      status: 404,
      rule: ruleText(server, loc),
      ...base,
      reason: `${hostWhy}; ${locWhy}; no Ingress defaultBackend covers it, so the controller's default backend answers 404`,
    };
  }
  const rewritten = rewrite(loc, uri);
  return {
    kind: "backend",
    ingress: ing!,
    host: server.hostname === DEFAULT_SERVER ? host : server.hostname,
    path: loc.rulePath,
    pathType: loc.rulePathType,
    backend: { service: loc.backend.service, port: loc.backend.port },
    source: loc.isDefault ? "default-backend" : "rule",
    location: renderLocation(loc, server.regex),
    serviceUpstream: loc.annotations.serviceUpstream,
    ...(rewritten !== undefined ? { rewrittenPath: rewritten } : {}),
    rule: ruleText(server, loc),
    ...base,
    reason: `${hostWhy}; ${locWhy}${loc.annotations.serviceUpstream ? "; service-upstream: proxied to the Service ClusterIP" : "; proxied straight to endpoint pod IPs (no service-upstream)"}`,
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
): string | undefined {
  if (req.scheme !== "http") return undefined;
  const exempt = options.noTlsRedirectLocations ?? [ACME];
  if (exempt.some((p) => p !== "" && loc.path.startsWith(p))) return undefined;
  const owner = loc.ingress ? ingressKey(loc.ingress) : "the catch-all";
  if (loc.annotations.forceSslRedirect)
    return `${owner} sets force-ssl-redirect: "true", so plain HTTP is redirected to https even without a certificate`;
  const certServer = certificateServer(servers, host);
  if (!loc.annotations.sslRedirect || !certServer) return undefined;
  return `a certificate is configured for ${certServer.hostname} (${certServer.certificate!.why}) and ssl-redirect is on for ${owner} (default true; set nginx.ingress.kubernetes.io/ssl-redirect: "false" to serve plain HTTP)`;
}

function rewrite(loc: Location, uri: string): string | undefined {
  if (!needsRewrite(loc)) return undefined;
  let m: RegExpExecArray | null;
  try {
    m = new RegExp(loc.path, "i").exec(uri);
  } catch {
    return undefined;
  }
  if (!m) return undefined;
  // nginx `rewrite` replaces the whole URI with the target, $N filled from the captures.
  return loc.annotations.rewriteTarget.replace(/\$(\d)/g, (_, d: string) => m![Number(d)] ?? "");
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
    return `path ${uri} matched ${rendered} first (regex mode for the whole host: use-regex or rewrite-target on one of its Ingresses; longest path tried first)`;
  if (loc.isDefault) return `path ${uri} matched no Ingress path, only the implicit location /`;
  if (loc.exact)
    return `path ${uri} equals ${rendered}${loc.twin ? ` (the exact twin ingress-nginx adds for Prefix ${loc.rulePath})` : ""}, and exact locations win`;
  return `path ${uri} matched ${rendered}, the longest matching prefix (${loc.rulePathType} ${loc.rulePath})`;
}

function explainOthers(server: Server, winner: Location, uri: string): string[] {
  const out: string[] = [];
  for (const l of server.locations) {
    if (l === winner) continue;
    const what = `${renderLocation(l, server.regex)} [${l.ingress ? ruleText(server, l) : "controller default backend"}]`;
    if (!locationMatches(l, uri, server.regex)) out.push(`${what}: does not match`);
    else if (server.regex) out.push(`${what}: matches too, but comes later`);
    else out.push(`${what}: matches too, but ${winner.exact ? "an exact location wins" : "is shorter"}`);
  }
  return out;
}
