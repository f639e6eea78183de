// curl through a Gateway, checked against real nginx configured as NGINX Gateway Fabric would be: the
// requests (every attached HTTPRoute's hostnames and matches, with the edges where implementations part:
// the trailing slash toggled, a prefix's boundary, a sub-path with a query, a match's conditions left
// out) and how an answer compares. The Gateway API fixes less of the answer than ingress-nginx's
// template does, so two things compare as the conformance suite compares them
// (conformance/utils/http/http.go): a Location's port may be written or left out where it is the
// scheme's own, and the backend may receive headers the implementation adds of its own (NGF's
// X-Forwarded-*, X-Real-IP, Connection) beside every header kubehop predicts, each with its value.
import { formatIpv4 } from "../model/address.ts";
import type { Cluster } from "../model/cluster.ts";
import type { HttpRouteMatch } from "../model/gateway.ts";
import type { UpstreamRequest } from "../model/step.ts";
import type { Branch, Trace } from "../trace/types.ts";
import { GATEWAY_NAME_LABEL } from "../control/gateway-defaults.ts";
import { servingListeners } from "../gateway/select-listener.ts";
import { ANY_LISTENER_SAMPLE } from "../emulate/tls.ts";
import type { Echoed } from "./probe.ts";

/** Headers an implementation puts on the upstream request that the standard leaves to it (NGF's base set). */
export const IMPLEMENTATION_HEADERS: readonly string[] = [
  "connection",
  "x-forwarded-for",
  "x-forwarded-host",
  "x-forwarded-port",
  "x-forwarded-proto",
  "x-real-ip",
];

/** The HTTPRoutes a trace's branches went through (`HTTPRoute ns/name`). */
export function routesOf(trace: Trace): string[] {
  const routes = trace.branches.flatMap((b) => (b.http?.gateway && b.http.route ? [`HTTPRoute ${b.http.route}`] : []));
  return [...new Set(routes)].sort();
}

/** `ns/name` of the Gateway proxy pod that accepted the branch's connection. */
export function proxyPod(b: Branch): string | undefined {
  for (const h of b.hops)
    for (const s of h.steps)
      if (s.detail?.kind === "accept-connection" && s.detail.gateway !== undefined)
        return `${s.detail.controller.namespace}/${s.detail.controller.name}`;
  return undefined;
}

/** Whether the trace went through a Gateway's proxy. */
export const throughGateway = (trace: Trace): boolean => trace.branches.some((b) => b.http?.gateway !== undefined);

/** The same Location, a port that is the scheme's own written or not. */
export function sameLocation(want: string | undefined, got: string | undefined): boolean {
  if (want === undefined || got === undefined) return want === got;
  const norm = (l: string) =>
    l.replace(/^(http:\/\/[^/:?#]+):80(?=[/?#]|$)|^(https:\/\/[^/:?#]+):443(?=[/?#]|$)/, "$1$2");
  return norm(want) === norm(got);
}

/** The request the pod received is the one predicted, but for the implementation's own headers. */
export function sameGatewayRequest(want: UpstreamRequest | undefined, got: Echoed | undefined): boolean {
  if (!want || !got) return want === undefined && got === undefined;
  const predicted = new Map(Object.entries(want.headers).map(([k, v]) => [k.toLowerCase(), v] as const));
  predicted.set("host", want.host);
  for (const [k, v] of predicted) if (got.headers[k] !== v) return false;
  const extra = Object.keys(got.headers).filter((k) => !predicted.has(k));
  return (
    want.method === got.method &&
    want.host === got.host &&
    want.path === got.path &&
    extra.every((k) => IMPLEMENTATION_HEADERS.includes(k))
  );
}

export interface GatewayUrl {
  readonly to: string;
  readonly headers?: readonly string[];
  readonly method?: string;
  readonly resolve?: readonly string[];
}

/** What curl asks of every HTTPRoute attached to a Gateway's HTTP or HTTPS listener. */
export function gatewayUrls(cluster: Cluster): GatewayUrl[] {
  const state = cluster.gateways;
  const seen = new Set<string>();
  const out: GatewayUrl[] = [];
  const add = (u: GatewayUrl) => {
    const key = JSON.stringify(u);
    if (!seen.has(key)) out.push(u);
    seen.add(key);
  };
  for (const a of state.attachments) {
    if (a.route.kind !== "HTTPRoute") continue;
    const gw = state.world.gateways.find((g) => `${g.namespace}/${g.name}` === a.gateway);
    const listener = gw?.listeners.find((l) => l.name === a.listener);
    const vip = gw && gatewayVip(cluster, gw.namespace, gw.name);
    if (!listener || !vip || (listener.protocol !== "HTTP" && listener.protocol !== "HTTPS")) continue;
    const scheme = listener.protocol === "HTTP" ? "http" : "https";
    const port = listener.port === (scheme === "http" ? 80 : 443) ? "" : `:${listener.port}`;
    // Any host: a name no one resolves (.example, RFC 2606), sent as a wildcard's sample is.
    const hosts = a.hostnames.length ? a.hostnames : [listener.hostname ?? "*.any.example"];
    for (const host of hosts) {
      // A wildcard's sample name resolves nowhere: sent to the Gateway's address with its Host; over TLS
      // it is the server name too, so curl's --resolve takes it to the address.
      const wild = host.startsWith("*.");
      const sample = `kh-sample${host.slice(1)}`;
      const tlsWild = wild && scheme === "https";
      const base = wild && !tlsWild ? `${scheme}://${vip}${port}` : `${scheme}://${tlsWild ? sample : host}${port}`;
      const hostHeader = wild && !tlsWild ? [`Host: ${sample}`] : [];
      const resolve = tlsWild ? { resolve: [`${sample}:${listener.port}:${vip}`] } : {};
      for (const rule of a.route.rules)
        for (const m of rule.matches)
          for (const path of samplePaths(m)) {
            const conditions = withConditions(m);
            add({
              to: `${base}${joinQuery(path, conditions.query)}`,
              ...withHeaders(hostHeader, conditions),
              ...resolve,
            });
            if (conditions.headers.length || conditions.query || conditions.method)
              add({ to: `${base}${path}`, ...resolve });
          }
    }
  }
  for (const u of misdirectedUrls(cluster)) add(u);
  return out.map((u) => {
    if (u.headers?.length !== 0) return u;
    const { headers: _, ...rest } = u;
    return rest;
  });
}

/** A name a listener hostname takes: itself, a wildcard's sample, or for no hostname the any-listener sample. */
const nameFor = (hostname: string | undefined): string =>
  hostname === undefined ? ANY_LISTENER_SAMPLE : hostname.startsWith("*.") ? `kh-sample${hostname.slice(1)}` : hostname;

/**
 * Where HTTPS listeners of one Gateway share a port: curl with each listener's name as the server name
 * (--resolve to the Gateway's address) and the Host of each other listener (the standard's 421
 * Misdirected Request), and a Host no listener takes.
 */
function misdirectedUrls(cluster: Cluster): GatewayUrl[] {
  const out: GatewayUrl[] = [];
  for (const gw of cluster.gateways.world.gateways) {
    const vip = gatewayVip(cluster, gw.namespace, gw.name);
    const serving = servingListeners(cluster.gateways, `${gw.namespace}/${gw.name}`);
    const https = serving.filter((l) => l.protocol === "HTTPS" && l.tls?.mode === "Terminate");
    for (const port of [...new Set(https.map((l) => l.port))].sort((a, b) => a - b)) {
      const names = https.filter((l) => l.port === port).map((l) => nameFor(l.hostname));
      if (names.length < 2 || !vip) continue;
      const suffix = port === 443 ? "" : `:${port}`;
      const unknown = names.includes(ANY_LISTENER_SAMPLE) ? [] : [ANY_LISTENER_SAMPLE];
      for (const sni of names)
        for (const host of [...names.filter((h) => h !== sni), ...unknown])
          out.push({ to: `https://${sni}${suffix}/`, headers: [`Host: ${host}`], resolve: [`${sni}:${port}:${vip}`] });
    }
  }
  return out;
}

function withHeaders(host: readonly string[], c: { headers: string[]; method?: string }): Omit<GatewayUrl, "to"> {
  return { headers: [...host, ...c.headers], ...(c.method ? { method: c.method } : {}) };
}

function joinQuery(path: string, query: string): string {
  if (!query) return path;
  return `${path}${path.includes("?") ? "&" : "?"}${query}`;
}

/** The match's Exact header and query conditions and method, as a client satisfying them sends them. */
function withConditions(m: HttpRouteMatch): { headers: string[]; query: string; method?: string } {
  const headers = m.headers.filter((h) => h.type === "Exact").map((h) => `${h.name}: ${h.value}`);
  const query = m.queryParams
    .filter((q) => q.type === "Exact")
    .map((q) => `${encodeURIComponent(q.name)}=${encodeURIComponent(q.value)}`)
    .join("&");
  return { headers, query, ...(m.method ? { method: m.method } : {}) };
}

/** The path, its trailing slash toggled, and for a prefix a sub-path with a query and the prefix's boundary. */
function samplePaths(m: HttpRouteMatch): string[] {
  if (m.path.type === "RegularExpression") return [];
  const p = m.path.value;
  if (p === "/") return m.path.type === "Exact" ? ["/", "/x"] : ["/", "/x/y?q=1"];
  const toggled = p.endsWith("/") ? p.slice(0, -1) : `${p}/`;
  if (m.path.type === "Exact") return [p, toggled];
  const stem = p.replace(/\/+$/, "");
  return [p, toggled, `${stem}/x?q=1`, `${stem}x`];
}

/** The LoadBalancer address of the Gateway's proxy Service. */
function gatewayVip(cluster: Cluster, namespace: string, name: string): string | undefined {
  const svc = cluster.services.find(
    (s) => s.namespace === namespace && s.type === "LoadBalancer" && s.selector?.[GATEWAY_NAME_LABEL] === name,
  );
  const lb = svc && cluster.loadBalancers.find((l) => l.service.namespace === namespace && l.service.name === svc.name);
  return lb && formatIpv4(lb.vip);
}
