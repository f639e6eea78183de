// What ingress-nginx takes from a request's X-Forwarded-* headers when its ConfigMap sets
// use-forwarded-headers: lua_ingress.lua's pass_access_scheme (X-Forwarded-Proto), best_http_host (the
// first X-Forwarded-Host), pass_server_port (X-Forwarded-Port) and pass_port (443 for --https-port), and
// the real_ip module's $remote_addr (real_ip_header X-Forwarded-For, real_ip_recursive on,
// set_real_ip_from proxy-real-ip-cidr, 0.0.0.0/0 by default). Without it, the connection's own values.
// kubernetes/ingress-nginx rootfs/etc/nginx/lua/lua_ingress.lua and nginx.tmpl.
import { type Ipv4, parseIpv4 } from "../model/address.ts";

export interface Forwarded {
  /** $pass_access_scheme: what lua's https redirect and X-Forwarded-Proto go by. */
  readonly scheme: string;
  /** $best_http_host: the upstream Host, X-Forwarded-Host and the redirect's host. */
  readonly host: string;
  /** $pass_port: X-Forwarded-Port. */
  readonly port: string;
  /** $remote_addr after the real_ip module: X-Real-IP, X-Forwarded-For and the source-range checks. */
  readonly remoteAddr: Ipv4;
}

export interface Connection {
  readonly scheme: string;
  /** The Host header as sent (else the URL's host). */
  readonly host: string;
  readonly headers: Readonly<Record<string, string>>;
  /** The address and port the connection came from and to. */
  readonly src: Ipv4;
  readonly dport: number;
}

const CANONICAL_V4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function forwarded(c: Connection, useForwardedHeaders: boolean, httpsPort: number): Forwarded {
  const h = c.headers;
  const use = (name: string) => (useForwardedHeaders && h[name] !== undefined ? h[name] : undefined);
  const serverPort = use("x-forwarded-port") ?? String(c.dport);
  return {
    scheme: use("x-forwarded-proto") ?? c.scheme,
    host: use("x-forwarded-host")?.split(",")[0]?.trim() ?? c.host,
    port: serverPort === String(httpsPort) ? "443" : serverPort,
    remoteAddr: useForwardedHeaders ? realIp(h["x-forwarded-for"], c.src) : c.src,
  };
}

/**
 * real_ip_recursive with every IPv4 address trusted (proxy-real-ip-cidr's default): the header's first
 * address. A header with an entry that is not an IPv4 address is not taken (kubehop traces IPv4 only).
 */
function realIp(header: string | undefined, src: Ipv4): Ipv4 {
  if (header === undefined || header.trim() === "") return src;
  const entries = header.split(",").map((e) => e.trim());
  if (!entries.every((e) => CANONICAL_V4.test(e))) return src;
  return parseIpv4(entries[0]!) ?? src;
}
