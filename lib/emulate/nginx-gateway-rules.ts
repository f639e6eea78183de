// What one HTTPRoute rule becomes inside an nginx location, written as NGINX Gateway Fabric writes it
// (nginx/nginx-gateway-fabric e55bfe33, internal/controller/nginx/config/servers.go and its templates):
// RequestRedirect as `return CODE "scheme://host[:port]$request_uri"` (a path modifier rewrites $uri
// first and the Location takes `$uri$is_args$args`), URLRewrite as `rewrite ... break` and the Host
// header, RequestHeaderModifier as proxy_set_header lines (add through a map that keeps the client's
// value, remove as an empty value), ResponseHeaderModifier as add_header ... always / proxy_hide_header,
// backendRefs as upstreams of the ready endpoints' pod IPs, several weighted ones through
// `split_clients $request_id`. A backendRef that does not resolve, or a Service port without ready
// endpoints, goes to an upstream whose only server answers 500 or 503, as NGF's do.
import { formatIpv4 } from "../model/address.ts";
import type { Cluster, Endpoint } from "../model/cluster.ts";
import type { HeaderModifier, HttpRoute, HttpRouteRule, PathMatch, PathModifier } from "../model/gateway.ts";
import { resolveBackend } from "../gateway/references.ts";

/** The http block's shared pieces the rules add to: upstreams, split_clients, add-header maps. */
export interface GatewayHttpBlock {
  readonly cluster: Cluster;
  readonly upstreams: Map<string, readonly string[]>;
  readonly splits: Map<string, readonly string[]>;
  readonly addHeaderMaps: Set<string>;
}

export const INVALID_BACKEND = "invalid-backend-ref";
export const NO_ENDPOINTS = "no-ready-endpoints";

/** NGF's proxy headers (createBaseProxySetHeaders, with the Upgrade and Connection of httpUpgradeHeader). */
export const BASE_PROXY_HEADERS: readonly (readonly [string, string])[] = [
  ["Host", "$gw_api_compliant_host"],
  ["X-Forwarded-For", "$proxy_add_x_forwarded_for"],
  ["X-Real-IP", "$remote_addr"],
  ["X-Forwarded-Proto", "$scheme"],
  ["X-Forwarded-Host", "$host"],
  ["X-Forwarded-Port", "$server_port"],
  ["Upgrade", "$http_upgrade"],
  ["Connection", "$connection_upgrade"],
];

/** A rule's filters nginx cannot be written for here: the route's rows are then skipped with this. */
export function unrenderedRule(rule: HttpRouteRule, path: PathMatch): string | undefined {
  if (path.type === "RegularExpression")
    return "a RegularExpression path (nginx tries regex locations after the longest prefix; not written)";
  for (const f of rule.filters) {
    if (f.type === "CORS") return "a CORS filter (not written)";
    if (f.type === "Unmodelled") return `a ${f.filterType} filter (not written)`;
    const mod = f.type === "URLRewrite" ? f.rewrite.path : f.type === "RequestRedirect" ? f.redirect.path : undefined;
    if (mod?.type === "ReplacePrefixMatch" && path.type !== "PathPrefix")
      return "ReplacePrefixMatch on a path that is not a PathPrefix (NGF writes no rewrite)";
  }
  if (rule.backendRefs.some((r) => r.filters.length > 0)) return "filters on a backendRef (not written)";
  return undefined;
}

/**
 * The location's lines for a rule. `internal`: the location is reached by an internal redirect from the
 * path's location after its matches were tested, so the client's URI is brought back first.
 */
export function ruleLines(
  block: GatewayHttpBlock,
  route: HttpRoute,
  ruleIndex: number,
  path: PathMatch,
  listenerPort: number,
  internal: boolean,
): string[] {
  const rule = route.rules[ruleIndex]!;
  const redirect = rule.filters.find((f) => f.type === "RequestRedirect");
  if (redirect?.type === "RequestRedirect") {
    const r = redirect.redirect;
    const lines: string[] = [];
    if (r.path) {
      if (internal) lines.push(`rewrite ^ $request_uri_path;`);
      lines.push(`rewrite ${mainRewrite(r.path, path)};`);
    }
    return [...lines, `return ${r.statusCode} ${quote(redirectBody(r, listenerPort))};`];
  }
  const lines: string[] = [];
  let host = "$gw_api_compliant_host";
  let rewritten = false;
  const requestMods: HeaderModifier[] = [];
  const responseMods: HeaderModifier[] = [];
  for (const f of rule.filters) {
    if (f.type === "URLRewrite") {
      host = f.rewrite.hostname ?? host;
      if (f.rewrite.path) {
        if (internal) lines.push(`rewrite ^ $request_uri;`);
        lines.push(`rewrite ${mainRewrite(f.rewrite.path, path)} break;`);
        rewritten = true;
      }
    } else if (f.type === "RequestHeaderModifier") requestMods.push(f.modifier);
    else if (f.type === "ResponseHeaderModifier") responseMods.push(f.modifier);
  }
  const target = backendTarget(block, route, rule);
  if (target === undefined) return [...lines, `return 500;`];
  lines.push(`proxy_http_version 1.1;`);
  for (const [name, value] of proxyHeaders(block, host, requestMods)) lines.push(`proxy_set_header ${name} ${value};`);
  // An internal location's URI is the redirect's own: the client's goes on unless a rewrite replaced it.
  lines.push(`proxy_pass http://${target}${internal && !rewritten ? "$request_uri" : ""};`);
  for (const m of responseMods) {
    for (const h of m.add) lines.push(`add_header ${h.name} ${quote(h.value)} always;`);
    for (const h of m.set) lines.push(`proxy_hide_header ${h.name};`, `add_header ${h.name} ${quote(h.value)} always;`);
    for (const h of m.remove) lines.push(`proxy_hide_header ${h};`);
  }
  return lines;
}

/** createReturnAndRewriteConfigForRedirectFilter: the port is written unless a well-known scheme is given. */
function redirectBody(r: { scheme?: string; hostname?: string; port?: number; path?: unknown }, listenerPort: number) {
  const hostname = r.hostname ?? "$host";
  const port = r.port ?? listenerPort;
  let hostPort = `${hostname}:${port}`;
  const scheme = r.scheme ?? "$scheme";
  if (r.scheme !== undefined) {
    if ((port === 80 && scheme === "http") || (port === 443 && scheme === "https")) hostPort = hostname;
    if (r.port === undefined) hostPort = hostname;
  }
  return `${scheme}://${hostPort}${r.path ? "$uri$is_args$args" : "$request_uri"}`;
}

/** createMainRewriteForFilters. */
function mainRewrite(mod: PathModifier, path: PathMatch): string {
  if (mod.type === "ReplaceFullPath") return `^ ${mod.value}`;
  const prefix = mod.value === "" ? "/" : mod.value;
  const escaped = path.value.replace(/\$/g, "\\$");
  let regex = `^${escaped}([^?]*)?`;
  let replacement = `${prefix}$1?$args?`;
  if (prefix.endsWith("/") && !path.value.endsWith("/")) regex = `^${escaped}(?:/([^?]*))?`;
  if (path.value.endsWith("/") && !prefix.endsWith("/")) replacement = `${prefix}/$1?$args?`;
  return `${quote(regex)} ${quote(replacement)}`;
}

/** generateProxySetHeaders: the modifiers' add, set and remove lines first, then the base lines they leave. */
function proxyHeaders(block: GatewayHttpBlock, host: string, mods: readonly HeaderModifier[]): [string, string][] {
  const out: [string, string][] = [];
  for (const m of mods) {
    for (const h of m.add) {
      block.addHeaderMaps.add(h.name.toLowerCase());
      out.push([h.name, quote(`\${${addHeaderVar(h.name)}}${h.value}`)]);
    }
    for (const h of m.set) out.push([h.name, quote(h.value)]);
    for (const h of m.remove) out.push([h, '""']);
  }
  const named = new Set(out.map(([n]) => n.toLowerCase()));
  for (const [name, value] of BASE_PROXY_HEADERS)
    if (!named.has(name.toLowerCase())) out.push([name, name === "Host" ? quote(host) : value]);
  return out;
}

export function addHeaderVar(name: string): string {
  return `${safeVar(name.toLowerCase())}_header_var`;
}

export function safeVar(s: string): string {
  return s.replace(/[^A-Za-z0-9_]/g, "_");
}

/** The upstream (or split_clients variable) the rule proxies to; undefined when no backendRef has weight. */
function backendTarget(block: GatewayHttpBlock, route: HttpRoute, rule: HttpRouteRule): string | undefined {
  const refs = rule.backendRefs.filter((r) => r.weight > 0);
  const total = refs.reduce((s, r) => s + r.weight, 0);
  if (refs.length === 0 || total === 0) return undefined;
  const names = refs.map((ref) => {
    const resolved = resolveBackend(block.cluster.gateways.world, route, ref);
    if (!resolved.ok) return INVALID_BACKEND;
    const { namespace, service, port } = resolved.backend;
    const endpoints = readyEndpoints(block.cluster, namespace, service, port);
    if (endpoints.length === 0) return NO_ENDPOINTS;
    const name = safeVar(`${namespace}_${service}_${port}`);
    block.upstreams.set(name, endpoints);
    return name;
  });
  if (names.length === 1) return names[0];
  // NGF's percentages have two decimals; the last backend takes the rest (`*`).
  const lines = names.map((n, i) =>
    i === names.length - 1 ? `* ${n};` : `${((refs[i]!.weight / total) * 100).toFixed(2)}% ${n};`,
  );
  const variable = `group_${safeVar(`${route.namespace}__${route.name}_rule${route.rules.indexOf(rule)}`)}`;
  block.splits.set(variable, lines);
  return `$${variable}`;
}

/** The Service port's ready endpoints as `ip:targetPort`, each once, in the slices' order. */
function readyEndpoints(cluster: Cluster, namespace: string, service: string, port: number): string[] {
  const svc = cluster.services.find((s) => s.namespace === namespace && s.name === service);
  const sp = svc?.ports.find((p) => p.port === port);
  if (!svc || !sp) return [];
  const out: string[] = [];
  for (const slice of cluster.endpointSlices) {
    if (slice.namespace !== namespace || slice.serviceName !== service) continue;
    const p = slice.ports.find((x) => x.name === sp.name && x.protocol === sp.protocol);
    if (!p) continue;
    for (const e of slice.endpoints as readonly Endpoint[]) if (e.ready) out.push(`${formatIpv4(e.ip)}:${p.port}`);
  }
  return [...new Set(out)];
}

/** An nginx string: `\\` and `"` escaped; `$name` stays a variable. */
export function quote(s: string): string {
  return `"${s.replace(/[\\"]/g, (c) => `\\${c}`).replace(/\n/g, "\\n")}"`;
}
