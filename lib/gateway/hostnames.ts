// Hostnames as the Gateway API matches them (gateway_types.go Listener.Hostname, httproute_types.go
// HTTPRouteSpec.Hostnames): a leading "*." label is a suffix match over one or more labels, so
// "*.example.com" takes "foo.example.com" and "foo.bar.example.com" but not "example.com".

/** The Host header without its port, lower-cased: the API says a port in Host is ignored for matching. */
export function bareHost(host: string): string {
  const h = host.trim().toLowerCase();
  if (h.startsWith("[")) return h.slice(0, h.indexOf("]") + 1);
  const colon = h.lastIndexOf(":");
  return colon >= 0 && /^\d*$/.test(h.slice(colon + 1)) ? h.slice(0, colon) : h;
}

export function isWildcard(hostname: string): boolean {
  return hostname.startsWith("*.");
}

/** Does `pattern` (exact or `*.suffix`; undefined = any) take `host`? */
export function hostMatches(pattern: string | undefined, host: string): boolean {
  if (pattern === undefined) return true;
  const h = bareHost(host);
  const p = pattern.toLowerCase();
  return isWildcard(p) ? h.endsWith(p.slice(1)) && h.length > p.length - 1 : h === p;
}

/**
 * The hostnames a route serves on a listener: the route's that intersect the listener's, each
 * narrowed to the more specific of the two. Empty = no intersection; undefined = any host (neither
 * side names one).
 */
export function intersectHostnames(
  listener: string | undefined,
  route: readonly string[],
): readonly string[] | undefined {
  if (route.length === 0) return listener === undefined ? undefined : [listener];
  if (listener === undefined) return route;
  const out: string[] = [];
  for (const r of route) {
    const both = intersectOne(listener.toLowerCase(), r.toLowerCase());
    if (both !== undefined && !out.includes(both)) out.push(both);
  }
  return out;
}

function intersectOne(listener: string, route: string): string | undefined {
  if (!isWildcard(route)) return hostMatches(listener, route) ? route : undefined;
  if (!isWildcard(listener)) return hostMatches(route, listener) ? listener : undefined;
  if (listener === route) return route;
  if (listener.endsWith(route.slice(1))) return listener;
  if (route.endsWith(listener.slice(1))) return route;
  return undefined;
}

/**
 * How specific a hostname is when it takes a host: [characters if exact (0 for a wildcard), characters].
 * Exact beats wildcard; a longer wildcard suffix beats a shorter one; undefined (any host) comes last.
 */
export function hostnameRank(hostname: string | undefined): readonly [number, number] {
  if (hostname === undefined) return [0, 0];
  return [isWildcard(hostname) ? 0 : hostname.length, hostname.length];
}
