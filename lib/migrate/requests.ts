// The requests `kubehop migrate` sends to both worlds: every host and path either world routes (the
// Ingress world's nginx locations, the Gateway world's attached HTTPRoute matches), each with the
// edges where ingress-nginx and the Gateway API part ways: the trailing slash toggled (nginx's 301
// to add it for a Prefix path written with one), the prefix boundary (/api against /apix), a
// sub-path with a query (rewrite-target keeps it), the path in upper case (nginx's regex locations
// are case-insensitive, HTTPRoute paths are not), a sample a regex path matches and its literal
// part; plain http for every host, https where either world ends TLS for it, and a host neither
// world names, sent to each world's front address (the default backend against the Gateway's 404).
import { DEFAULT_SERVER, buildServers } from "../ingress/servers.ts";
import type { Cluster } from "../model/cluster.ts";
import { ingressKey } from "../model/ingress.ts";
import { regexSample } from "./regex-sample.ts";

/** A host no Ingress and no HTTPRoute names; each world is asked at the address its own hosts resolve to. */
export const UNKNOWN_HOST = "unknown-host.invalid";

/** How many requests a run sends at most, unless told otherwise: each is traced in both worlds. */
export const DEFAULT_REQUEST_LIMIT = 1000;

export interface MigrateRequest {
  /** What curl is given; also the request's identity in the report. */
  readonly url: string;
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

interface Hosts {
  readonly paths: RoutedPath[];
  readonly tls: Set<string>;
}

export function migrateRequests(ingressWorld: Cluster, gatewayWorld: Cluster): MigrateRequest[] {
  const hosts: Hosts = { paths: [], tls: new Set() };
  ingressPaths(ingressWorld, hosts);
  routePaths(gatewayWorld, hosts);
  const out = new Map<string, MigrateRequest>();
  const add = (host: string, path: string, why: string) => {
    const schemes = hosts.tls.has(host) ? ["http", "https"] : ["http"];
    for (const scheme of schemes) {
      const url = `${scheme}://${host}${path}`;
      if (!out.has(url)) out.set(url, { url, why, unknownHost: host === UNKNOWN_HOST });
    }
  };
  add(UNKNOWN_HOST, "/", "a host neither world names");
  for (const p of hosts.paths) for (const [path, edge] of variants(p)) add(p.host, path, `${p.by}: ${edge}`);
  return [...out.values()].sort(byHostThenPath);
}

/** Host (the unknown one last), then path, then http before https: the same set in the same order every run. */
function byHostThenPath(a: MigrateRequest, b: MigrateRequest): number {
  const key = (r: MigrateRequest) => {
    const u = new URL(r.url);
    return [r.unknownHost ? "~" : u.hostname, `${u.pathname}${u.search}`, u.protocol];
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
  for (const server of buildServers(served).values()) {
    const host = server.hostname === DEFAULT_SERVER ? UNKNOWN_HOST : sampleHost(server.hostname);
    for (const loc of server.locations) {
      if (loc.twin || loc.isDefault || !loc.ingress) continue;
      const kind: PathKind = server.regex ? "Regex" : loc.rulePathType === "Exact" ? "Exact" : "Prefix";
      const by = `Ingress ${ingressKey(loc.ingress)} ${loc.rulePath} (${loc.rulePathType})`;
      hosts.paths.push({ host, path: loc.rulePath, kind, by });
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
          hosts.paths.push({ host, path: m.path.value, kind, by: `${by} ${m.path.value} (${m.path.type})` });
        }
      });
    }
  }
}

/** `*.example.com` stands for any one name under it. */
function sampleHost(name: string): string {
  return name.startsWith("*.") ? `any${name.slice(1)}` : name;
}

/** The path as written and its edges, each with what it probes. */
function variants(p: RoutedPath): [string, string][] {
  if (p.kind === "Regex") {
    const literal = rooted(p.path.replace(/^\(\?[a-z]+\)/, "").split(/[()[\]{}|$^*+?\\.]/)[0]!);
    const sample = rooted(regexSample(p.path) ?? literal);
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
