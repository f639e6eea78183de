// The nginx configuration a Gateway's proxy pod runs in an emulation, written the way an nginx-based
// Gateway implementation, NGINX Gateway Fabric (nginx/nginx-gateway-fabric e55bfe33,
// internal/controller/nginx/config: servers.go, maps, split_clients, base_http_config), writes it for
// the HTTPRoutes attached to a plain-HTTP listener: a server per port and hostname the routes serve
// (the route's hostnames narrowed by the listener's; nginx's `*.suffix` takes one label or more, as the
// Gateway API's wildcard does), a default server answering 404, and per path the locations NGF writes
// (`= /p` for Exact; `/p/` and `= /p` for a PathPrefix /p; `/p/` for /p/). Where a path has matches on
// method, headers or query parameters, NGF tests them in njs (httpmatches.redirect) and redirects
// internally to the winning match's location; nginx here carries no njs, so each condition is a `map`
// to 0/1, a match is the map of its conditions all 1, and the path's location tries the matches in
// the standard's precedence with `if ($match) { rewrite ^ /_kh-... last; }` (rewrite last is one of
// the two things safe inside `if` in a location), answering 404 when none holds. The matching is
// nginx's: a query parameter's name is compared without case by $arg_NAME and its value as sent
// (not percent-decoded), a repeated header's first value is the one a $http_NAME map sees.
import type { Attachment, GatewayListener, HttpRoute, HttpRouteMatch, PathMatch } from "../model/gateway.ts";
import { routeKey } from "../model/gateway.ts";
import { hostMatches, hostnameRank, isWildcard } from "../gateway/hostnames.ts";
import { compareRanks, httpMatchRank } from "../gateway/matching.ts";
import { servingListeners } from "../gateway/select-listener.ts";
import { type NginxConfig, type NginxConfigInput, probeServer, sslLines } from "./nginx-config.ts";
import type { KeyPair } from "./tls.ts";
import {
  addHeaderVar,
  type GatewayHttpBlock,
  INVALID_BACKEND,
  NO_ENDPOINTS,
  quote,
  ruleLines,
  safeVar,
  unrenderedRule,
} from "./nginx-gateway-rules.ts";

/** The ingress controller's input (`pod` the proxy pod, `ports` its plain-HTTP listeners' ports), and the Gateway. */
export interface GatewayNginxInput extends NginxConfigInput {
  /** `ns/name` of the Gateway the pod serves. */
  readonly gateway: string;
}

/** `unrendered`: `HTTPRoute ns/name` -> why its rules are not written as NGF would run them (rows skipped). */
export type GatewayNginxConfig = NginxConfig;

/** The key verify looks a route up by in `unrendered`. */
export const routeTag = (route: { namespace: string; name: string }): string => `HTTPRoute ${routeKey(route)}`;

interface MatchRule {
  readonly route: HttpRoute;
  readonly ruleIndex: number;
  readonly match: HttpRouteMatch;
  readonly rank: readonly number[];
  readonly order: readonly number[];
}

/** NGF's server name for a listener that takes any host. */
const ANY_HOST = "~^";

export function nginxGatewayConfig(input: GatewayNginxInput): GatewayNginxConfig {
  const { cluster, prefix } = input;
  const block: GatewayHttpBlock = {
    cluster,
    upstreams: new Map(),
    splits: new Map(),
    addHeaderMaps: new Set(),
  };
  const unrendered = new Map<string, string>();
  const conditionMaps: string[] = [];
  const servers: string[] = [];
  const serving = servingListeners(cluster.gateways, input.gateway);
  const out = { unrendered, conditionMaps };
  for (const port of input.ports) {
    const onPort = serving.filter((l) => l.protocol === "HTTP" && l.port === port);
    const attached = attachedTo(input.gateway, cluster.gateways.attachments, onPort);
    servers.push(`  server {`, `    listen ${port} default_server;`, `    return 404;`, `  }`);
    for (const host of serverNames(attached, onPort)) {
      const rules = matchRulesFor(host, attached, onPort);
      const id = `${port}_${safeVar(host === ANY_HOST ? "any" : host)}`;
      servers.push(...serverBlock(block, out, id, host, port, rules));
    }
  }
  for (const port of input.tls?.ports ?? []) {
    const onPort = serving.filter((l) => l.protocol === "HTTPS" && l.tls?.mode === "Terminate" && l.port === port);
    const attached = attachedTo(input.gateway, cluster.gateways.attachments, onPort);
    const pair = (l: GatewayListener | undefined) => keyPairOf(input, l);
    conditionMaps.push(...misdirectedMaps(port, onPort));
    const catchAll = onPort.find((l) => l.hostname === undefined);
    // NGF's default SSL server has no location: nginx's static module answers, 404 for the html folder
    // NGF's image lacks; the run's folder is closed to the workers (403), so the 404 is written out.
    servers.push(
      `  server {`,
      `    listen ${port} ssl default_server;`,
      ...(catchAll ? sslLines(pair(catchAll)) : [`    ssl_reject_handshake on;`]),
      `    return 404;`,
      `  }`,
    );
    // NGF's servers: a route hostname's, and a 404 one for a listener without routes or without a hostname.
    const bare = onPort
      .filter((l) => l.hostname === undefined || !attached.some((a) => a.listener === l.name))
      .map((l) => l.hostname ?? ANY_HOST);
    for (const host of [...new Set([...serverNames(attached, onPort), ...bare])].sort()) {
      const rules = matchRulesFor(host, attached, onPort);
      const id = `${port}_${safeVar(host === ANY_HOST ? "any" : host)}`;
      const ssl = [
        ...sslLines(pair(listenerFor(host, onPort))),
        `    if ($kh_sni_${port} != $kh_host_${port}) { return 421; }`,
      ];
      servers.push(...serverBlock(block, out, id, host, port, rules, ssl));
    }
  }
  const answerPorts = [59500, 59501, 59502, 59503].filter((p) => !input.ports.includes(p));
  const text = [
    `# kubehop: the configuration an nginx-based Gateway implementation (NGINX Gateway Fabric) writes for`,
    `# ${input.pod}, proxy of Gateway ${input.gateway}: its plain-HTTP listeners' HTTPRoutes (a subset)`,
    `worker_processes 1;`,
    `pid ${prefix}/nginx.pid;`,
    `error_log ${prefix}/error.log warn;`,
    `events { worker_connections 1024; }`,
    `http {`,
    `  access_log off;`,
    ...["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map((t) => `  ${t}_temp_path ${prefix}/${t};`),
    `  server_names_hash_bucket_size 256;`,
    `  map_hash_bucket_size 256;`,
    `  map $http_host $gw_api_compliant_host { '' $host; default $http_host; }`,
    `  map $http_upgrade $connection_upgrade { default upgrade; '' close; }`,
    `  map $request_uri $request_uri_path { "~^(?P<path>[^?]*)(\\?.*)?$" $path; }`,
    ...[...block.addHeaderMaps]
      .sort()
      .map((h) => `  map $http_${safeVar(h)} $${addHeaderVar(h)} { default ''; ~.* "\${http_${safeVar(h)}},"; }`),
    ...conditionMaps,
    ...[...block.splits].flatMap(([v, lines]) => [
      `  split_clients $request_id $${v} {`,
      ...lines.map((l) => `    ${l}`),
      `  }`,
    ]),
    ...[...block.upstreams].flatMap(([name, eps]) => [
      `  upstream ${name} {`,
      ...eps.map((e) => `    server ${e};`),
      `  }`,
    ]),
    // NGF's upstreams for a backendRef that does not resolve and for a Service without endpoints. NGF's
    // servers listen on unix sockets; here loopback ports, as the workers (not root) cannot reach the
    // run's private folder.
    `  upstream ${INVALID_BACKEND} { server 127.0.0.1:${answerPorts[0]}; }`,
    `  upstream ${NO_ENDPOINTS} { server 127.0.0.1:${answerPorts[1]}; }`,
    `  server { listen 127.0.0.1:${answerPorts[0]}; return 500; }`,
    `  server { listen 127.0.0.1:${answerPorts[1]}; return 503; }`,
    ...servers,
    ...probeServer(input),
    `}`,
    ``,
  ].join("\n");
  return { text, unrendered };
}

function attachedTo(gateway: string, attachments: readonly Attachment[], onPort: readonly GatewayListener[]) {
  return attachments.filter(
    (a) => a.gateway === gateway && a.route.kind === "HTTPRoute" && onPort.some((l) => l.name === a.listener),
  );
}

/** The listener's certificate (its first certificateRef), the fake one if the run has none for it. */
function keyPairOf(input: GatewayNginxInput, l: GatewayListener | undefined): KeyPair {
  const certificates = input.tls!.certificates;
  const ref = l?.tls?.certificateRefs[0];
  const ns = input.gateway.split("/")[0]!;
  return (ref && certificates.secrets.get(`${ref.namespace ?? ns}/${ref.name}`)) || certificates.fake;
}

/**
 * NGF's misdirected-request maps (maps.go buildMisdirectedRequestMaps): per HTTPS port, the server name
 * and the Host each to the number of the listener hostname they match (`hostnames`: `*.x` takes any
 * depth), 0 for none or a listener without a hostname; a server answers 421 when the two differ.
 */
function misdirectedMaps(port: number, onPort: readonly GatewayListener[]): string[] {
  const names = [...new Set(onPort.flatMap((l) => (l.hostname ? [l.hostname] : [])))].sort();
  const body = ["hostnames;", ...names.map((h, i) => `${h} ${i + 1};`), "default 0;"].join(" ");
  return [`  map $ssl_server_name $kh_sni_${port} { ${body} }`, `  map $host $kh_host_${port} { ${body} }`];
}

/** The hostnames routes serve on the port, each a server; a route without any serves every host. */
function serverNames(attached: readonly Attachment[], onPort: readonly GatewayListener[]): string[] {
  const names = new Set<string>();
  for (const a of attached) {
    // NGF's findAcceptedHostnames: a route without hostnames serves its listener's.
    const listener = onPort.find((l) => l.name === a.listener);
    if (a.hostnames.length === 0) names.add(listener?.hostname ?? ANY_HOST);
    for (const h of a.hostnames) names.add(h.toLowerCase());
  }
  return [...names].sort();
}

const sampleOf = (host: string) =>
  host === ANY_HOST ? undefined : isWildcard(host) ? `kh-sample${host.slice(1)}` : host;

/** The listener on the port that takes the server's name (the most specific hostname). */
function listenerFor(host: string, onPort: readonly GatewayListener[]): GatewayListener | undefined {
  const sample = sampleOf(host);
  if (sample === undefined) return onPort.find((l) => l.hostname === undefined) ?? onPort[0];
  return onPort
    .filter((l) => hostMatches(l.hostname, sample))
    .sort((a, b) => compareRanks(hostnameRank(a.hostname), hostnameRank(b.hostname)))[0];
}

/**
 * The match rules a server holds: those of the routes attached to the listener that takes the host,
 * whose hostnames take it, in the standard's precedence (hostname, match, age, name, rule order).
 */
function matchRulesFor(host: string, attached: readonly Attachment[], onPort: readonly GatewayListener[]) {
  const sample = sampleOf(host);
  const listener = listenerFor(host, onPort);
  const found: (MatchRule & { age: string; key: string })[] = [];
  for (const a of attached) {
    if (a.listener !== listener?.name || a.route.kind !== "HTTPRoute") continue;
    const takes = a.hostnames.filter((h) => sample === undefined || hostMatches(h, sample));
    if (a.hostnames.length > 0 && takes.length === 0) continue;
    const hostRank = takes.map(hostnameRank).sort(compareRanks)[0] ?? hostnameRank(undefined);
    const route = a.route;
    route.rules.forEach((rule, ruleIndex) => {
      rule.matches.forEach((match, matchIndex) => {
        found.push({
          route,
          ruleIndex,
          match,
          rank: [...hostRank, ...httpMatchRank(match)],
          order: [ruleIndex, matchIndex],
          age: route.creationTimestamp ?? "\uffff",
          key: routeKey(route),
        });
      });
    });
  }
  return found.sort(
    (x, y) =>
      compareRanks(x.rank, y.rank) ||
      (x.age < y.age ? -1 : x.age > y.age ? 1 : 0) ||
      (x.key < y.key ? -1 : x.key > y.key ? 1 : 0) ||
      -compareRanks(x.order, y.order),
  );
}

function serverBlock(
  block: GatewayHttpBlock,
  out: { unrendered: Map<string, string>; conditionMaps: string[] },
  id: string,
  host: string,
  port: number,
  rules: readonly MatchRule[],
  ssl?: readonly string[],
): string[] {
  const lines = [
    `  server {`,
    `    listen ${port}${ssl ? " ssl" : ""};`,
    ...(ssl ?? []),
    `    server_name ${host === ANY_HOST ? host : quote(host)};`,
  ];
  const byPath = new Map<string, MatchRule[]>();
  for (const r of rules) {
    const why = unrenderedRule(r.route.rules[r.ruleIndex]!, r.match.path);
    if (why) {
      out.unrendered.set(routeTag(r.route), why);
      continue;
    }
    const key = `${r.match.path.type} ${r.match.path.value}`;
    byPath.set(key, [...(byPath.get(key) ?? []), r]);
  }
  const taken = new Set<string>();
  let n = 0;
  for (const group of byPath.values()) {
    const path = group[0]!.match.path;
    const names = locationNames(path).filter((l) => !taken.has(l));
    if (names.length === 0) continue;
    for (const l of names) taken.add(l);
    const body: string[] = [];
    if (group.length === 1 && pathOnly(group[0]!.match)) {
      const r = group[0]!;
      body.push(...ruleLines(block, r.route, r.ruleIndex, path, port, false));
    } else {
      for (const r of group) {
        const loc = `/_kh-${id}-m${n++}`;
        const test = matchVariable(out.conditionMaps, loc, r.match);
        body.push(test ? `if (${test}) { rewrite ^ ${loc} last; }` : `rewrite ^ ${loc} last;`);
        lines.push(
          `    location ${loc} {`,
          `      internal;`,
          ...ruleLines(block, r.route, r.ruleIndex, path, port, true).map((l) => `      ${l}`),
          `    }`,
        );
        if (!test) break;
      }
      body.push(`return 404;`);
    }
    for (const l of names) lines.push(`    location ${l} {`, ...body.map((b) => `      ${b}`), `    }`);
  }
  if (!taken.has("/")) lines.push(`    location / { return 404; }`);
  lines.push(`  }`);
  return lines;
}

/** NGF's external locations for a path (initializeExternalLocations, createPath). */
function locationNames(path: PathMatch): string[] {
  if (path.type === "Exact") return [`= ${path.value}`];
  if (path.value.endsWith("/")) return [path.value];
  return [`${path.value}/`, `= ${path.value}`];
}

function pathOnly(m: HttpRouteMatch): boolean {
  return m.method === undefined && m.headers.length === 0 && m.queryParams.length === 0;
}

/** Writes a 0/1 map per condition and one for their conjunction; the variable, or undefined if none. */
function matchVariable(maps: string[], loc: string, m: HttpRouteMatch): string | undefined {
  const base = safeVar(loc.slice(1));
  const conds: [string, string][] = [];
  if (m.method !== undefined) conds.push(["$request_method", exact(m.method)]);
  const seen = new Set<string>();
  for (const h of m.headers) {
    if (seen.has(h.name.toLowerCase())) continue;
    seen.add(h.name.toLowerCase());
    conds.push([`$http_${safeVar(h.name.toLowerCase())}`, h.type === "Exact" ? exact(h.value) : h.value]);
  }
  const seenQ = new Set<string>();
  for (const q of m.queryParams) {
    if (seenQ.has(q.name)) continue;
    seenQ.add(q.name);
    conds.push([`$arg_${safeVar(q.name)}`, q.type === "Exact" ? exact(q.value) : q.value]);
  }
  if (conds.length === 0) return undefined;
  conds.forEach(([source, regex], i) => {
    maps.push(`  map ${source} $${base}_c${i} { ${quote(`~^(?:${regex})$`)} 1; default 0; }`);
  });
  const all = conds.map((_, i) => `$${base}_c${i}`).join("");
  maps.push(`  map "${all}" $${base} { "${"1".repeat(conds.length)}" 1; default 0; }`);
  return `$${base}`;
}

/** A literal as a PCRE pattern. */
function exact(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, (c) => `\\${c}`);
}
