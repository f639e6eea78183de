// Which requests the HTML report makes: a curl through every served Ingress host and path, and
// through every hostname and path match of each HTTPRoute attached to a listener that takes
// connections, sent as the match asks (its method, exact headers and query parameters). What cannot
// be asked as written (a regular expression, a name no DNS record answers) is named, not skipped.
import { servingListeners } from "../gateway/select-listener.ts";
import { formatIpv4 } from "../model/address.ts";
import type { Cluster } from "../model/cluster.ts";
import type { GatewayListener, HttpRouteMatch } from "../model/gateway.ts";
import type { Ingress } from "../model/ingress.ts";
import { zoneLookup } from "../trace/dns.ts";

/** One request of the report: what curl is given. */
export interface ReportRequest {
  readonly url: string;
  readonly method?: string;
  /** `Name: value`, as curl's -H takes them. */
  readonly headers?: readonly string[];
  /** `HOST:PORT:ADDR`, as curl's --resolve takes them: a wildcard listener's sample host. */
  readonly resolve?: readonly string[];
  /** Who asks for it: `Ingress shop/shop` or `HTTPRoute shop/store rule 1`. */
  readonly why: string;
}

export interface ReportRequests {
  readonly requests: readonly ReportRequest[];
  /** What the report could not ask, and why. */
  readonly notAsked: readonly string[];
}

const REGEX_CHARS = /[\^$()[\]{}*+?|\\]/;

/** One URL per host and path of every served Ingress, https where the Ingress lists the host under tls. */
export function ingressUrls(ingresses: readonly Ingress[]): string[] {
  const urls: string[] = [];
  for (const ing of ingresses) {
    for (const rule of ing.rules) {
      if (!rule.host || rule.host.startsWith("*")) continue;
      const tls = ing.tls.some((t) => t.hosts.includes(rule.host!));
      for (const p of rule.paths ?? []) {
        const path = p.path?.startsWith("/") && !REGEX_CHARS.test(p.path) ? p.path : "/";
        const url = `${tls ? "https" : "http"}://${rule.host}${path}`;
        if (!urls.includes(url)) urls.push(url);
      }
    }
  }
  return urls;
}

/** The command line a request stands for, as a user would type it. */
export function curlCommand(r: ReportRequest): string {
  const quote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  const args = [
    ...(r.method ? ["-X", r.method] : []),
    ...(r.headers ?? []).flatMap((h) => ["-H", quote(h)]),
    ...(r.resolve ?? []).flatMap((x) => ["--resolve", x]),
    quote(r.url),
  ];
  return `curl ${args.join(" ")}`;
}

/** Every request of the report, Ingresses first, then Gateways in the order their routes attach. */
export function reportRequests(cluster: Cluster): ReportRequests {
  const requests: ReportRequest[] = cluster.ingress.served.flatMap((s) =>
    ingressUrls([s.ingress]).map((url) => ({ url, why: `Ingress ${s.ingress.namespace}/${s.ingress.name}` })),
  );
  const notAsked: string[] = [];
  const seen = new Set(requests.map(curlCommand));
  for (const r of gatewayRequests(cluster, notAsked)) {
    const key = curlCommand(r);
    if (!seen.has(key)) requests.push(r);
    seen.add(key);
  }
  return { requests, notAsked };
}

function gatewayRequests(cluster: Cluster, notAsked: string[]): ReportRequest[] {
  const { world, attachments } = cluster.gateways;
  const out: ReportRequest[] = [];
  for (const a of attachments) {
    if (a.route.kind !== "HTTPRoute") continue;
    const listener = servingListeners(cluster.gateways, a.gateway).find((l) => l.name === a.listener);
    const route = `HTTPRoute ${a.route.namespace}/${a.route.name}`;
    if (!listener) continue; // Not programmed: `kubehop validate` says why; no connection is taken.
    const gateway = world.gateways.find((g) => `${g.namespace}/${g.name}` === a.gateway);
    const names = a.hostnames.length ? a.hostnames : listener.hostname ? [listener.hostname] : [];
    const front = frontAddress(cluster, a.gateway, gateway?.addresses ?? []);
    if (!names.length && front === undefined) {
      notAsked.push(`${route} on ${a.gateway} listener ${listener.name}: any host, and no address to send one to`);
      continue;
    }
    for (const name of names.length ? names : [`${a.gateway.replace("/", ".")}.invalid`]) {
      const host = name.startsWith("*.") ? `any${name.slice(1)}` : name;
      const resolved = zoneLookup(cluster.dns, host) !== undefined;
      if (!resolved && front === undefined) {
        notAsked.push(`${route} host ${host}: no DNS record and no address of ${a.gateway} to send it to`);
        continue;
      }
      a.route.rules.forEach((rule, i) => {
        const why = `${route} rule ${rule.name ?? i}`;
        for (const m of rule.matches) {
          const r = matchRequest(m, host, listener, why, resolved ? undefined : front);
          if (typeof r === "string") notAsked.push(`${why}: ${r}`);
          else out.push(r);
        }
      });
    }
  }
  return out;
}

/** The request that meets an HTTPRoute match on this host, or why none can be written. */
function matchRequest(
  m: HttpRouteMatch,
  host: string,
  listener: GatewayListener,
  why: string,
  front: string | undefined,
): ReportRequest | string {
  if (m.path.type === "RegularExpression") return `path ${m.path.value} is a regular expression`;
  const regex = [...m.headers, ...m.queryParams].find((v) => v.type === "RegularExpression");
  if (regex) return `${regex.name} is matched by a regular expression`;
  const scheme = listener.protocol === "HTTPS" ? "https" : "http";
  const port = listener.port === (scheme === "https" ? 443 : 80) ? "" : `:${listener.port}`;
  const query = m.queryParams.map((q) => `${encodeURIComponent(q.name)}=${encodeURIComponent(q.value)}`).join("&");
  const path = m.path.value.startsWith("/") ? m.path.value : `/${m.path.value}`;
  return {
    url: `${scheme}://${host}${port}${path}${query ? `?${query}` : ""}`,
    ...(m.method && m.method !== "GET" ? { method: m.method } : {}),
    ...(m.headers.length ? { headers: m.headers.map((h) => `${h.name}: ${h.value}`) } : {}),
    ...(front !== undefined ? { resolve: [`${host}:${listener.port}:${front}`] } : {}),
    why,
  };
}

/** Where a Gateway answers: the address its concrete hostnames resolve to, else its spec's or status's IP. */
function frontAddress(
  cluster: Cluster,
  gateway: string,
  addresses: readonly { type: string; value: string }[],
): string | undefined {
  for (const a of cluster.gateways.attachments) {
    if (a.gateway !== gateway) continue;
    for (const h of a.hostnames) {
      const record = h.startsWith("*") ? undefined : zoneLookup(cluster.dns, h);
      if (record) return formatIpv4(record.ip);
    }
  }
  const gw = cluster.gateways.world.gateways.find((g) => `${g.namespace}/${g.name}` === gateway);
  const ip = [...addresses, ...(gw?.statusAddresses ?? [])].find((a) => a.type === "IPAddress");
  return ip?.value;
}
