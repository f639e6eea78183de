// The nginx configuration an ingress-nginx controller pod runs in an emulation, written the way
// ingress-nginx's nginx.tmpl renders the Ingresses (kubernetes/ingress-nginx dbb11b92,
// rootfs/etc/nginx/template/nginx.tmpl and internal/ingress/controller/template/template.go), smaller:
// one server per host (the `_` catch-all the default_server) on the plain-HTTP ports and, with
// certificates, `listen ... ssl` on the TLS port (ssl_certificate the host's tls Secret's, else the
// controller's fake one, as certificate.lua picks by SNI), its locations in the controller's order
// (exact `=` twins, prefixes, `~* "^path"` for the whole host when one location uses regex or
// rewrite-target), the annotations' `return`s, ssl-redirect's 308 (lua in the controller), rewrite-target's
// `rewrite "(?i)path" target break`, and `proxy_pass` to an upstream of the endpoints' pod IPs with the
// template's proxy_set_header lines. The servers and locations come from lib/ingress (the same
// objects the simulator routes on); nginx, not kubehop, then matches requests against them.
import { formatIpv4 } from "../model/address.ts";
import type { Cluster, Endpoint, Pod } from "../model/cluster.ts";
import { ingressKey } from "../model/ingress.ts";
import { certificateServer } from "../ingress/hosts.ts";
import { goBool } from "../ingress/annotation-values.ts";
import { controllerOf } from "../model/ingress.ts";
import { DEFAULT_SERVER, type Location, type Server, buildServers, needsRewrite } from "../ingress/servers.ts";
import type { Certificates, KeyPair } from "./tls.ts";

/** A Host no Ingress can name (.invalid, RFC 2606): the L4 probes' server, answering who it is. */
export const PROBE_HOST = "kubehop-probe.invalid";

export interface NginxConfigInput {
  readonly cluster: Cluster;
  /** `ns/name` of the controller pod, as the probe server names it. */
  readonly pod: string;
  /** The TCP ports nginx serves plain HTTP on. */
  readonly ports: readonly number[];
  /** The folder nginx writes its pid, log and temp files in. */
  readonly prefix: string;
  /** The ports nginx ends TLS on, and the run's certificates. */
  readonly tls?: { readonly ports: readonly number[]; readonly certificates: Certificates };
}

export interface NginxConfig {
  readonly text: string;
  /** `ns/name` of an Ingress -> why its locations are not as the controller would run them (not verified). */
  readonly unrendered: ReadonlyMap<string, string>;
}

/** nginx.tmpl's proxy_set_header lines with the configmap's defaults (use-forwarded-headers false). */
const PROXY_HEADERS = [
  ["Host", "$best_http_host"],
  ["Upgrade", "$http_upgrade"],
  ["Connection", "$connection_upgrade"],
  ["X-Request-ID", "$req_id"],
  ["X-Real-IP", "$remote_addr"],
  ["X-Forwarded-For", "$remote_addr"],
  ["X-Forwarded-Host", "$best_http_host"],
  ["X-Forwarded-Port", "$pass_port"],
  ["X-Forwarded-Proto", "$pass_access_scheme"],
  ["X-Forwarded-Scheme", "$pass_access_scheme"],
  ["X-Scheme", "$pass_access_scheme"],
  ["X-Original-Forwarded-For", "$http_x_forwarded_for"],
  ["X-Original-Forwarded-Host", "$http_x_forwarded_host"],
  ["Proxy", '""'],
] as const;

export function nginxConfig(input: NginxConfigInput): NginxConfig {
  const { cluster, prefix } = input;
  // The controller this pod runs: what it serves, its ConfigMap's settings, its ports.
  const ctl = controllerOf(cluster.ingress, podOf(cluster, input.pod));
  const servers = buildServers(
    ctl.served.map((s) => s.ingress),
    ctl.settings,
  );
  const unrendered = new Map<string, string>();
  const upstreams = new Map<string, string[]>();
  const body: string[] = [];
  const ordered = [...servers.values()].sort((a, b) => order(a) - order(b) || (a.hostname < b.hostname ? -1 : 1));
  for (const server of ordered) body.push(...serverBlock(server, servers, input, upstreams, unrendered));
  body.push(...probeServer(input));
  const text = [
    `# kubehop: ingress-nginx's configuration for ${input.pod}, as nginx.tmpl renders its Ingresses (a subset)`,
    `worker_processes 1;`,
    `pid ${prefix}/nginx.pid;`,
    `error_log ${prefix}/error.log warn;`,
    `events { worker_connections 1024; }`,
    `http {`,
    `  access_log off;`,
    ...["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map((t) => `  ${t}_temp_path ${prefix}/${t};`),
    `  server_names_hash_bucket_size 256;`,
    `  server_name_in_redirect off;`,
    `  port_in_redirect off;`,
    `  map $http_upgrade $connection_upgrade { default upgrade; "" ""; }`,
    `  map $http_x_request_id $req_id { default $http_x_request_id; "" $request_id; }`,
    ...forwardedVariables(ctl),
    `  map $best_http_host $redirect_host { "~^(?<h>[^:]*)" $h; default $best_http_host; }`,
    ...[...upstreams].flatMap(([name, eps]) => [`  upstream ${name} {`, ...eps.map((e) => `    server ${e};`), `  }`]),
    ...body,
    `}`,
    ``,
  ].join("\n");
  return { text, unrendered };
}

/** The pod `ns/name` names, for its controller; a pod of no controller gets the first one's. */
function podOf(cluster: Cluster, key: string): { namespace: string; name: string; owner?: Pod["owner"] } {
  const [namespace = "", name = ""] = key.split("/");
  return cluster.pods.find((p) => p.namespace === namespace && p.name === name) ?? { namespace, name };
}

/**
 * lua_ingress.lua's pass_access_scheme, best_http_host, pass_server_port and pass_port, as maps; with
 * use-forwarded-headers, taken from X-Forwarded-Proto, -Host (its first name) and -Port, and
 * $remote_addr from X-Forwarded-For by the real_ip module, as nginx.tmpl sets it up.
 */
function forwardedVariables(ctl: ReturnType<typeof controllerOf>): string[] {
  const https = ctl.config.httpsPort;
  const passPort = `  map $pass_server_port $pass_port { ${https} 443; default $pass_server_port; }`;
  if (goBool(ctl.settings.values["use-forwarded-headers"]) !== true)
    return [
      `  map "" $pass_access_scheme { default $scheme; }`,
      `  map "" $pass_server_port { default $server_port; }`,
      `  map $http_host $best_http_host { "" $host; default $http_host; }`,
      passPort,
    ];
  return [
    `  real_ip_header X-Forwarded-For;`,
    `  real_ip_recursive on;`,
    `  set_real_ip_from 0.0.0.0/0;`,
    `  map $http_x_forwarded_proto $pass_access_scheme { "" $scheme; default $http_x_forwarded_proto; }`,
    `  map $http_x_forwarded_port $pass_server_port { "" $server_port; default $http_x_forwarded_port; }`,
    `  map $http_host $this_host { "" $host; default $http_host; }`,
    `  map $http_x_forwarded_host $best_http_host { "" $this_host; "~^\\s*(?<fh>[^,\\s]*)" $fh; default $this_host; }`,
    passPort,
  ];
}

/**
 * The L4 probes' server (Host PROBE_HOST): it answers who it is and the peer it saw. On a TLS port the
 * probes speak plain HTTP, as to any other port: nginx's 497 (plain HTTP to an HTTPS port) of this
 * server, the Host's, answers the same, so only requests for the .invalid probe host are answered so.
 */
export function probeServer(input: NginxConfigInput): string[] {
  const answer = `return 200 ${quote(`${input.pod} $remote_addr:$remote_port\n`)};`;
  return [
    `  server {`,
    ...input.ports.map((p) => `    listen ${p};`),
    ...(input.tls?.ports ?? []).map((p) => `    listen ${p} ssl;`),
    `    server_name ${quote(PROBE_HOST)};`,
    ...(input.tls ? [...sslLines(input.tls.certificates.fake), `    error_page 497 = @kh_probe;`] : []),
    `    location / { ${answer} }`,
    ...(input.tls ? [`    location @kh_probe { ${answer} }`] : []),
    `  }`,
  ];
}

const order = (s: Server): number => (s.hostname === DEFAULT_SERVER ? 0 : 1);

function serverBlock(
  server: Server,
  servers: ReadonlyMap<string, Server>,
  input: NginxConfigInput,
  upstreams: Map<string, string[]>,
  unrendered: Map<string, string>,
): string[] {
  const catchAll = server.hostname === DEFAULT_SERVER;
  const out = [
    `  server {`,
    ...input.ports.map((p) => `    listen ${p}${catchAll ? " default_server" : ""};`),
    ...(input.tls?.ports ?? []).map((p) => `    listen ${p} ssl${catchAll ? " default_server" : ""};`),
    `    server_name ${serverName(server.hostname)};`,
  ];
  if (input.tls) out.push(...sslLines(certificateOf(server, servers, input.cluster, input.tls.certificates)));
  const appRoot = server.locations.find((l) => l.ingress && l.annotations.appRoot !== "");
  if (appRoot) out.push(`    if ($uri = /) { return 302 $scheme://$http_host${appRoot.annotations.appRoot}; }`);
  for (const loc of server.locations) {
    const why = notRendered(loc);
    if (why && loc.ingress) unrendered.set(ingressKey(loc.ingress), why);
    out.push(...locationBlock(server, loc, servers, input.cluster, upstreams));
  }
  out.push(`  }`);
  return out;
}

/** template.go buildServerName: `*.foo.com` matches exactly one label. */
function serverName(host: string): string {
  if (host === DEFAULT_SERVER) return "_";
  if (host.startsWith("*.")) return quote(`~^(?<subdomain>[\\w-]+)${host.slice(1).replace(/\./g, "\\.")}$`);
  return quote(host);
}

/** template.go buildLocation with sanitizeQuotedRegex. */
function locationName(loc: Location, regex: boolean): string {
  const path = loc.path.replace(/[\\"]/g, (c) => `\\${c}`);
  if (regex) return `~* "^${path}"`;
  return loc.exact ? `= "${path}"` : `"${path}"`;
}

function locationBlock(
  server: Server,
  loc: Location,
  servers: ReadonlyMap<string, Server>,
  cluster: Cluster,
  upstreams: Map<string, string[]>,
): string[] {
  const a = loc.annotations;
  const lines: string[] = [];
  if (a.bodyLimit.bytes > 0) lines.push(`client_max_body_size ${a.bodyLimit.text};`);
  else lines.push(`client_max_body_size 0;`);
  // The rewrite phase, in the template's order: the location's own returns, then lua's https redirect.
  if (a.denied) lines.push(`return 503;`);
  if (a.redirect) lines.push(`return ${a.redirect.code} ${quote(a.redirect.url)};`);
  // lua_ingress.lua redirects only what came in plain (pass_access_scheme "http").
  if (loc.ingress && redirectsToHttps(server, loc, servers)) {
    lines.push(`set $redirect_uri $request_uri;`);
    if (!a.preserveTrailingSlash) lines.push(`if ($request_uri ~ "^(.*)/$") { set $redirect_uri $1; }`);
    lines.push(`if ($pass_access_scheme = http) { return 308 https://$redirect_host$redirect_uri; }`);
  }
  // The access phase: deny then allow, as the template writes them.
  for (const r of a.deny?.ranges.text ?? []) lines.push(`deny ${r};`);
  for (const r of a.allow?.ranges.text ?? []) lines.push(`allow ${r};`);
  if (a.allow?.ranges.text.length) lines.push(`deny all;`);
  const target = loc.backend && loc.ingress ? upstreamOf(loc, cluster) : undefined;
  // Every location proxies (the default backend and the lua balancer's 503 are upstreams in ingress-nginx),
  // so nginx's 301 to add a missing slash applies to all of them.
  if (!loc.backend) lines.push(`return 404;`);
  else if (!target?.endpoints.length) lines.push(`return 503;`);
  else upstreams.set(target.name, target.endpoints);
  if (needsRewrite(loc))
    lines.push(`rewrite "(?i)${loc.path.replace(/[\\"]/g, (c) => `\\${c}`)}" ${a.rewriteTarget} break;`);
  for (const [name, value] of PROXY_HEADERS) lines.push(`proxy_set_header ${name} ${value};`);
  lines.push(`proxy_http_version 1.1;`);
  lines.push(`proxy_pass http://${target?.endpoints.length ? target.name : "127.0.0.1:9"};`);
  return [`    location ${locationName(loc, server.regex)} {`, ...lines.map((l) => `      ${l}`), `    }`];
}

/**
 * The certificate a server presents, as the controller picks it (not kubehop's model, so that verify tests
 * that): createServers gives the host the Secret extractTLSSecretName finds in the first Ingress with a
 * rule for it and a tls section (a tls entry listing the host, else one whose certificate verifies for it),
 * else the default one; a host no such Ingress names has none, and certificate.lua then takes its
 * one-label wildcard's, else the default (fake) one.
 */
function certificateOf(
  server: Server,
  servers: ReadonlyMap<string, Server>,
  cluster: Cluster,
  certificates: Certificates,
): KeyPair {
  const own = (s: Server | undefined) => (s ? tlsSecretOf(s, cluster, certificates) : undefined);
  const dot = server.hostname.indexOf(".");
  const secret =
    own(server) ??
    (dot > 0 && !server.hostname.startsWith("*.") ? own(servers.get(`*${server.hostname.slice(dot)}`)) : "");
  return (secret && certificates.secrets.get(secret)) || certificates.fake;
}

/** extractTLSSecretName for the server's host: `ns/secret`, "" for the default certificate, undefined for none. */
function tlsSecretOf(server: Server, cluster: Cluster, certificates: Certificates): string | undefined {
  const key = server.certificate?.ingress;
  const ing =
    key === undefined ? undefined : cluster.ingress.served.find((s) => ingressKey(s.ingress) === key)?.ingress;
  if (!ing || server.hostname === DEFAULT_SERVER) return undefined;
  const host = server.hostname.toLowerCase();
  const listed = ing.tls.find((t) => t.hosts.some((h) => h.toLowerCase() === host));
  if (listed) return listed.secretName ? `${ing.namespace}/${listed.secretName}` : "";
  const verifies = ing.tls.find(
    (t) =>
      t.secretName && certificates.names.get(`${ing.namespace}/${t.secretName}`)?.some((n) => verifiesFor(n, host)),
  );
  return verifies ? `${ing.namespace}/${verifies.secretName}` : "";
}

/** Go's x509 VerifyHostname on one DNS name: equal without case, or `*.rest` for one more label. */
function verifiesFor(name: string, host: string): boolean {
  const n = name.toLowerCase();
  if (!n.startsWith("*.")) return n === host;
  const dot = host.indexOf(".");
  return dot > 0 && host.slice(dot) === n.slice(1);
}

export function sslLines(pair: KeyPair): string[] {
  return [`    ssl_certificate ${pair.certificate};`, `    ssl_certificate_key ${pair.key};`];
}

/** lua_ingress.lua redirect_to_https: force-ssl-redirect, or ssl-redirect with a certificate for the host. */
function redirectsToHttps(server: Server, loc: Location, servers: ReadonlyMap<string, Server>): boolean {
  if (loc.path.startsWith("/.well-known/acme-challenge")) return false;
  if (loc.annotations.forceSslRedirect) return true;
  if (!loc.annotations.sslRedirect || server.hostname === DEFAULT_SERVER) return false;
  return certificateServer(servers, server.hostname) !== undefined;
}

/** The location's upstream: the Service port's ready endpoints (ingress-nginx's upstream name). */
function upstreamOf(loc: Location, cluster: Cluster): { name: string; endpoints: string[] } | undefined {
  const ns = loc.ingress!.namespace;
  const b = loc.backend!;
  const svc = cluster.services.find((s) => s.namespace === ns && s.name === b.service);
  const port = svc?.ports.find((p) => (typeof b.port === "number" ? p.port === b.port : p.name === b.port));
  if (!svc || !port) return undefined;
  const endpoints: string[] = [];
  for (const slice of cluster.endpointSlices) {
    if (slice.namespace !== ns || slice.serviceName !== svc.name) continue;
    const p = slice.ports.find((x) => x.name === port.name && x.protocol === port.protocol);
    if (!p) continue;
    for (const e of slice.endpoints as readonly Endpoint[])
      if (e.ready) endpoints.push(`${formatIpv4(e.ip)}:${p.port}`);
  }
  const name = `${ns}-${svc.name}-${port.name || port.port}`.replace(/[^A-Za-z0-9_.-]/g, "_");
  return { name, endpoints: [...new Set(endpoints)] };
}

/** What this config does not write as the controller would; rows through such a location are skipped. */
function notRendered(loc: Location): string | undefined {
  const a = loc.annotations;
  if (loc.canary) return "canary (balancer.lua's choice is not written)";
  if (a.externalAuth) return "auth-url (the auth subrequest is not written)";
  if (a.affinity) return "session affinity (balancer.lua's sticky choice is not written)";
  if (a.serviceUpstream) return "service-upstream (not written: endpoints are used)";
  if (a.backendProtocol !== "HTTP") return `backend-protocol ${a.backendProtocol} (only HTTP is written)`;
  if (a.defaultBackend) return "default-backend annotation (not written)";
  if (a.customHttpErrors.length) return "custom-http-errors (not written)";
  return undefined;
}

/** An nginx string: `\\` and `"` escaped, a newline as `\\n`; `$name` stays a variable. */
function quote(s: string): string {
  return `"${s.replace(/[\\"]/g, (c) => `\\${c}`).replace(/\n/g, "\\n")}"`;
}
