// Picking the nginx server for a Host header: exact server_name first, then the one-label wildcard
// (ingress-nginx renders `*.foo.com` as `~^(?<subdomain>[\w-]+)\.foo\.com$`), then the catch-all.
import { DEFAULT_SERVER, type Server } from "./servers.ts";

/** Host header -> the name nginx matches: port removed, lower-cased, one trailing dot dropped. */
export function normaliseHost(header: string): string {
  let h = header.trim();
  if (h.startsWith("[")) {
    const end = h.indexOf("]");
    h = end >= 0 ? h.slice(0, end + 1) : h;
  } else {
    const colon = h.indexOf(":");
    if (colon >= 0) h = h.slice(0, colon);
  }
  h = h.toLowerCase();
  return h.endsWith(".") ? h.slice(0, -1) : h;
}

/** `*.foo.com` covers exactly one label: `bar.foo.com`, never `a.bar.foo.com` nor `foo.com`. */
export function wildcardMatches(pattern: string, host: string): boolean {
  if (!pattern.startsWith("*.")) return false;
  const suffix = pattern.slice(1);
  if (!host.endsWith(suffix)) return false;
  return /^[A-Za-z0-9_-]+$/.test(host.slice(0, host.length - suffix.length));
}

export interface ServerChoice {
  readonly server: Server;
  readonly how: "exact" | "wildcard" | "catch-all";
}

export function chooseServer(servers: ReadonlyMap<string, Server>, host: string): ServerChoice {
  if (host !== DEFAULT_SERVER) {
    const exact = servers.get(host);
    if (exact) return { server: exact, how: "exact" };
    // Regex server_names are tried in config order (sorted by hostname); with one-label
    // wildcards at most one can match anyway.
    const names = [...servers.keys()].filter((n) => n.startsWith("*.")).sort();
    const w = names.find((n) => wildcardMatches(n, host));
    if (w) return { server: servers.get(w)!, how: "wildcard" };
  }
  return { server: servers.get(DEFAULT_SERVER)!, how: "catch-all" };
}

/** The certificate lookup lua does for ssl-redirect: the host, then its one-label wildcard form. */
export function certificateServer(servers: ReadonlyMap<string, Server>, host: string): Server | undefined {
  const exact = servers.get(host);
  if (exact?.certificate && host !== DEFAULT_SERVER) return exact;
  const dot = host.indexOf(".");
  if (dot < 0) return undefined;
  const wild = servers.get(`*${host.slice(dot)}`);
  return wild?.certificate ? wild : undefined;
}
