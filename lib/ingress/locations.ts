// nginx's location choice inside one server, for the locations ingress-nginx renders.
// Plain mode: `= path` on equality, else nginx's auto-redirect (a location "/foo/" and none named
// "/foo": 301 to "/foo/"), else the longest string prefix. Regex mode: the first `~* "^path"` in
// rendered order (longest path first) that matches, case-insensitively.
import type { Location, Server } from "./servers.ts";
import { matchesIn, type UserRegex, userRegex } from "./user-regex.ts";

export type LocationMatch =
  | { readonly kind: "location"; readonly location: Location }
  | { readonly kind: "slash-redirect"; readonly location: Location };

export function renderLocation(l: Location, regex: boolean): string {
  if (regex) return `~* "^${l.path}"`;
  return l.exact ? `= ${l.path}` : l.path;
}

/** nginx's `~*` on `^path`, on RE2 (user-regex.ts). */
export function locationRegex(l: Location): UserRegex {
  return userRegex(`^${l.path}`, true);
}

export function locationMatches(l: Location, uri: string, regex: boolean): boolean {
  if (regex) return matchesIn(locationRegex(l), uri);
  return l.exact ? uri === l.path : uri.startsWith(l.path);
}

export function chooseLocation(server: Server, uri: string): LocationMatch {
  const locs = server.locations;
  if (server.regex) {
    const hit = locs.find((l) => locationMatches(l, uri, true));
    // `location ~* "^/"` always exists, so there is always a hit.
    return { kind: "location", location: hit ?? locs[locs.length - 1]! };
  }
  const exact = locs.find((l) => l.exact && l.path === uri);
  if (exact) return { kind: "location", location: exact };
  const named = locs.some((l) => l.path === uri);
  const slashed = locs.find((l) => l.path === `${uri}/`);
  if (!named && slashed) return { kind: "slash-redirect", location: slashed };
  let best: Location | undefined;
  for (const l of locs) {
    if (!l.exact && uri.startsWith(l.path) && (!best || l.path.length > best.path.length)) best = l;
  }
  return { kind: "location", location: best ?? locs[locs.length - 1]! };
}

/** What nginx matches against: no query or fragment, %XX decoded, `//` merged, dot segments resolved. */
export function normalisePath(raw: string): string {
  let p = raw.split(/[?#]/, 1)[0] ?? "";
  try {
    p = decodeURIComponent(p);
  } catch {
    // nginx rejects malformed escapes with 400; matching the raw text is the closest offline answer
  }
  if (!p.startsWith("/")) p = `/${p}`;
  p = p.replace(/\/{2,}/g, "/");
  const out: string[] = [];
  const segs = p.split("/").slice(1);
  segs.forEach((s, i) => {
    if (s === ".") {
      if (i === segs.length - 1) out.push("");
    } else if (s === "..") {
      out.pop();
      if (i === segs.length - 1) out.push("");
    } else out.push(s);
  });
  return `/${out.join("/")}`;
}
