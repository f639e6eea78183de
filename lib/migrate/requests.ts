// The requests `kubehop migrate` sends to both worlds: every host and path either world routes (the
// Ingress world's nginx locations, the Gateway world's attached HTTPRoute matches), each with the
// edges where ingress-nginx and the Gateway API part ways: the trailing slash toggled (nginx's 301
// to add it for a Prefix path written with one), the prefix boundary (/api against /apix), a
// sub-path with a query (rewrite-target keeps it), the path in upper case (nginx's regex locations
// are case-insensitive, HTTPRoute paths are not), a sample a regex path matches and its literal
// part; plain http for every host, https where either world ends TLS for it, and a host neither
// world names, sent to each world's front address (the default backend against the Gateway's 404).
// Where either world routes on more than host and path (a canary-by-header Ingress; an HTTPRoute
// match on headers, query parameters or the method), the request that meets every condition is sent
// too, and with each condition left out in turn: a lost header match is then a difference.
import { DEFAULT_SERVER, buildServers } from "../ingress/servers.ts";
import type { Cluster } from "../model/cluster.ts";
import type { CanaryRule } from "../ingress/annotations.ts";
import type { HttpRouteMatch, ValueMatch } from "../model/gateway.ts";
import { ingressKey } from "../model/ingress.ts";
import { regexSample } from "./regex-sample.ts";

/** A host no Ingress and no HTTPRoute names; each world is asked at the address its own hosts resolve to. */
export const UNKNOWN_HOST = "unknown-host.invalid";

/** How many requests a run sends at most, unless told otherwise: each is traced in both worlds. */
export const DEFAULT_REQUEST_LIMIT = 1000;

export interface MigrateRequest {
  /** What curl is given. */
  readonly url: string;
  /** curl's -X, when not GET. */
  readonly method?: string;
  /** curl's -H lines, `Name: value`. */
  readonly headers?: readonly string[];
  /** Why it is in the set: the first rule or route match that brought it, and which edge it is. */
  readonly why: string;
  /** The host is named by neither world: curl --resolve sends it to each world's front address. */
  readonly unknownHost: boolean;
}

type PathKind = "Exact" | "Prefix" | "Regex";

/** A path one world routes on one host, and who routes it. */
interface RoutedPath {
  readonly host: string;
  readonly path: string;
  readonly kind: PathKind;
  readonly by: string;
}

/** What a route or a canary asks of a request beyond its host and path, each with what it is. */
interface Condition {
  readonly kind: "header" | "query" | "method";
  readonly name: string;
  readonly value: string;
}

/** A path routed only when the request also meets `conditions`. */
interface ConditionedPath {
  readonly host: string;
  /** A path the route's path match takes. */
  readonly path: string;
  readonly conditions: readonly Condition[];
  readonly by: string;
}

interface Hosts {
  readonly paths: RoutedPath[];
  readonly conditioned: ConditionedPath[];
  readonly tls: Set<string>;
}

/** How the report names a request: as curl is given it, `-X POST -H 'Name: value' URL`. */
export function requestLabel(r: Pick<MigrateRequest, "url" | "method" | "headers">): string {
  const words = [
    ...(r.method !== undefined ? [`-X ${r.method}`] : []),
    ...(r.headers ?? []).map((h) => `-H '${h}'`),
    r.url,
  ];
  return words.join(" ");
}

export function migrateRequests(ingressWorld: Cluster, gatewayWorld: Cluster): MigrateRequest[] {
  const hosts: Hosts = { paths: [], conditioned: [], tls: new Set() };
  ingressPaths(ingressWorld, hosts);
  routePaths(gatewayWorld, hosts);
  const out = new Map<string, MigrateRequest>();
  const add = (host: string, path: string, why: string, met: readonly Condition[] = []) => {
    const schemes = hosts.tls.has(host) ? ["http", "https"] : ["http"];
    const method = met.find((c) => c.kind === "method")?.value;
    const headers = met.filter((c) => c.kind === "header").map((c) => `${c.name}: ${c.value}`);
    const query = met.filter((c) => c.kind === "query").map((c) => `${encode(c.name)}=${encode(c.value)}`);
    const target = query.length ? `${path}${path.includes("?") ? "&" : "?"}${query.join("&")}` : path;
    for (const scheme of schemes) {
      const request: MigrateRequest = {
        url: `${scheme}://${host}${target}`,
        ...(method !== undefined && method !== "GET" ? { method } : {}),
        ...(headers.length ? { headers } : {}),
        why,
        unknownHost: host === UNKNOWN_HOST,
      };
      const label = requestLabel(request);
      if (!out.has(label)) out.set(label, request);
    }
  };
  add(UNKNOWN_HOST, "/", "a host neither world names");
  for (const p of hosts.paths) for (const [path, edge] of variants(p)) add(p.host, path, `${p.by}: ${edge}`);
  for (const c of hosts.conditioned)
    for (const [met, edge] of conditionVariants(c.conditions)) add(c.host, c.path, `${c.by}: ${edge}`, met);
  return [...out.values()].sort(byHostThenPath);
}

/** Every condition met, then (when there are several) each one left out; the request meeting none is a path variant. */
function conditionVariants(conditions: readonly Condition[]): [Condition[], string][] {
  const all: [Condition[], string] = [[...conditions], `with ${conditions.map(conditionText).join(", ")}`];
  if (conditions.length < 2) return [all];
  return [
    all,
    ...conditions.map((c): [Condition[], string] => [conditions.filter((x) => x !== c), `without ${conditionText(c)}`]),
  ];
}

function conditionText(c: Condition): string {
  if (c.kind === "method") return `method ${c.value}`;
  return c.kind === "header" ? `header ${c.name}: ${c.value}` : `query ${c.name}=${c.value}`;
}

function encode(s: string): string {
  return encodeURIComponent(s).replace(/%2F/g, "/");
}

/**
 * Host (the unknown one last), then path, then http before https, then method and headers: the same order
 * every run.
 */
function byHostThenPath(a: MigrateRequest, b: MigrateRequest): number {
  const key = (r: MigrateRequest) => {
    const u = new URL(r.url);
    return [r.unknownHost ? "~" : u.hostname, `${u.pathname}${u.search}`, u.protocol, requestLabel(r)];
  };
  const [x, y] = [key(a), key(b)];
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i]! < y[i]! ? -1 : 1;
  return 0;
}

/** nginx's servers and locations, as the controller renders them from the served Ingresses. */
function ingressPaths(cluster: Cluster, hosts: Hosts): void {
  const served = cluster.ingress.served.map((s) => s.ingress);
  for (const ing of served)
    for (const t of ing.tls)
      for (const h of t.hosts.length ? t.hosts : ing.rules.flatMap((r) => (r.host ? [r.host] : []))) hosts.tls.add(h);
  for (const server of buildServers(served, cluster.ingress.settings).values()) {
    const host = server.hostname === DEFAULT_SERVER ? UNKNOWN_HOST : sampleHost(server.hostname);
    for (const loc of server.locations) {
      if (loc.twin || loc.isDefault || !loc.ingress) continue;
      const kind: PathKind = server.regex ? "Regex" : loc.rulePathType === "Exact" ? "Exact" : "Prefix";
      const by = `Ingress ${ingressKey(loc.ingress)} ${loc.rulePath} (${loc.rulePathType})`;
      hosts.paths.push({ host, path: loc.rulePath, kind, by });
      const rule = loc.canary?.rule;
      if (rule?.header === undefined) continue;
      const path = kind === "Regex" ? regexPath(loc.rulePath) : rooted(loc.rulePath);
      const canaryBy = `canary Ingress ${loc.canary!.ingress} by header ${rule.header} at ${loc.rulePath}`;
      for (const value of canaryHeaderValues(rule))
        hosts.conditioned.push({
          host,
          path,
          conditions: [{ kind: "header", name: rule.header, value }],
          by: canaryBy,
        });
    }
  }
}

/** Each attached HTTPRoute's matches, on the hostnames it serves at that listener. */
function routePaths(cluster: Cluster, hosts: Hosts): void {
  const { world, attachments } = cluster.gateways;
  for (const a of attachments) {
    if (a.route.kind !== "HTTPRoute") continue;
    const gateway = world.gateways.find((g) => `${g.namespace}/${g.name}` === a.gateway);
    const listener = gateway?.listeners.find((l) => l.name === a.listener);
    const names = a.hostnames.length ? a.hostnames : listener?.hostname ? [listener.hostname] : [UNKNOWN_HOST];
    for (const name of names) {
      const host = sampleHost(name);
      if (listener?.protocol === "HTTPS") hosts.tls.add(host);
      a.route.rules.forEach((rule, i) => {
        const by = `HTTPRoute ${a.route.namespace}/${a.route.name} rule ${i}`;
        for (const m of rule.matches) {
          const kind: PathKind =
            m.path.type === "RegularExpression" ? "Regex" : m.path.type === "Exact" ? "Exact" : "Prefix";
          const matchBy = `${by} ${m.path.value} (${m.path.type})`;
          hosts.paths.push({ host, path: m.path.value, kind, by: matchBy });
          const conditions = matchConditions(m);
          if (conditions.length === 0) continue;
          const path = kind === "Regex" ? regexPath(m.path.value) : rooted(m.path.value);
          hosts.conditioned.push({ host, path, conditions, by: matchBy });
        }
      });
    }
  }
}

/**
 * ingress-nginx's canary-by-header: a value routes to the canary when the header equals it (or
 * matches canary-by-header-pattern); without either, "always" routes to the canary and "never" away
 * from it (annotations/canary, and nginx's balancer.lua).
 */
function canaryHeaderValues(rule: CanaryRule): string[] {
  if (rule.headerValue !== undefined && rule.headerValue !== "") return [rule.headerValue];
  if (rule.headerPattern !== undefined && rule.headerPattern !== "") {
    const sample = regexSample(rule.headerPattern);
    return sample !== undefined ? [sample] : [];
  }
  return ["always", "never"];
}

/** An HTTPRoute match's header, query and method conditions, a regex value by a sample it matches. */
function matchConditions(m: HttpRouteMatch): Condition[] {
  const value = (v: ValueMatch) => (v.type === "RegularExpression" ? regexSample(v.value) : v.value);
  const out: Condition[] = [];
  for (const h of m.headers) {
    const v = value(h);
    if (v !== undefined) out.push({ kind: "header", name: h.name, value: v });
  }
  for (const q of m.queryParams) {
    const v = value(q);
    if (v !== undefined) out.push({ kind: "query", name: q.name, value: v });
  }
  if (m.method !== undefined) out.push({ kind: "method", name: "method", value: m.method });
  return out;
}

/** The part of a regex path before its first regex character. */
function regexLiteral(pattern: string): string {
  return rooted(pattern.replace(/^\(\?[a-z]+\)/, "").split(/[()[\]{}|$^*+?\\.]/)[0]!);
}

/** A path the regex matches, else its literal part. */
function regexPath(pattern: string): string {
  return rooted(regexSample(pattern) ?? regexLiteral(pattern));
}

/** `*.example.com` stands for any one name under it. */
function sampleHost(name: string): string {
  return name.startsWith("*.") ? `any${name.slice(1)}` : name;
}

/** The path as written and its edges, each with what it probes. */
function variants(p: RoutedPath): [string, string][] {
  if (p.kind === "Regex") {
    const literal = regexLiteral(p.path);
    const sample = regexPath(p.path);
    return [
      [sample, "a path the regex matches"],
      [`${sample}?q=1`, "the regex sample with a query"],
      [upper(sample), "the regex sample in upper case"],
      [literal, "the literal part of the regex"],
    ];
  }
  const path = rooted(p.path);
  if (path === "/") return [["/", "the path as written"]];
  const out: [string, string][] = [
    [path, "the path as written"],
    [toggleSlash(path), path.endsWith("/") ? "without its trailing slash" : "with a trailing slash"],
    [upper(path), "in upper case"],
  ];
  if (p.kind === "Prefix") {
    const dir = path.endsWith("/") ? path : `${path}/`;
    out.push([`${dir}x?q=1`, "a sub-path with a query"]);
    if (!path.endsWith("/")) out.push([`${path}x`, "past the prefix boundary"]);
  }
  return out;
}

function rooted(path: string): string {
  return path.startsWith("/") ? path : `/${path}`;
}

function toggleSlash(path: string): string {
  return path.endsWith("/") ? path.slice(0, -1) : `${path}/`;
}

/** Letters upper-cased, %-escapes kept as written. */
function upper(path: string): string {
  return path.replace(/%[0-9a-fA-F]{2}|[a-z]+/g, (s) => (s.startsWith("%") ? s : s.toUpperCase()));
}
