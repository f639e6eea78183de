// One request against one HTTPRoute or GRPCRoute match, and the precedence between matches
// (httproute_types.go HTTPRouteRule.Matches, grpcroute_types.go GRPCRouteRule.Matches).
// RegularExpression values run on RE2 (re2js) and must match the whole value.
import type { GrpcRouteMatch, HttpRouteMatch, PathMatch, ValueMatch } from "../model/gateway.ts";
import { userRegex } from "../ingress/user-regex.ts";

export interface MatchRequest {
  readonly method: string;
  /** The path without the query. */
  readonly path: string;
  readonly query: readonly (readonly [string, string])[];
  readonly headers: Readonly<Record<string, string>>;
}

/** Splits "/p?a=1&b" into its path and its parameters (percent-decoded where valid). */
export function splitPathQuery(pathWithQuery: string): { path: string; query: [string, string][] } {
  const q = pathWithQuery.indexOf("?");
  const path = q < 0 ? pathWithQuery : pathWithQuery.slice(0, q);
  const query: [string, string][] = [];
  if (q >= 0) {
    for (const part of pathWithQuery.slice(q + 1).split("&")) {
      if (part === "") continue;
      const eq = part.indexOf("=");
      query.push(eq < 0 ? [decode(part), ""] : [decode(part.slice(0, eq)), decode(part.slice(eq + 1))]);
    }
  }
  return { path: path === "" ? "/" : path, query };
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, " "));
  } catch {
    return s;
  }
}

/** A header's value by case-insensitive name, as the API matches header names. */
export function headerValue(headers: Readonly<Record<string, string>>, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === lower) return v;
  return undefined;
}

function fullMatch(pattern: string, value: string): boolean {
  const r = userRegex(`^(?:${pattern})$`, false);
  return "re" in r && r.re.matcher(value).find();
}

/** The path prefix without a trailing "/": PathPrefix matches whole path elements. */
export function prefixStem(value: string): string {
  return value.replace(/\/+$/, "");
}

export function pathMatches(m: PathMatch, path: string): boolean {
  if (m.type === "Exact") return path === m.value;
  if (m.type === "RegularExpression") return fullMatch(m.value, path);
  const stem = prefixStem(m.value);
  return stem === "" || path === stem || path.startsWith(`${stem}/`);
}

/** Only the first entry of a name counts; later entries with an equivalent name are ignored. */
function firstOfEachName(list: readonly ValueMatch[], caseInsensitive: boolean): ValueMatch[] {
  const seen = new Set<string>();
  return list.filter((m) => {
    const key = caseInsensitive ? m.name.toLowerCase() : m.name;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function valueMatches(m: ValueMatch, value: string | undefined): boolean {
  if (value === undefined) return false;
  return m.type === "Exact" ? value === m.value : fullMatch(m.value, value);
}

function headersMatch(list: readonly ValueMatch[], headers: Readonly<Record<string, string>>): boolean {
  return firstOfEachName(list, true).every((m) => valueMatches(m, headerValue(headers, m.name)));
}

export function httpMatches(m: HttpRouteMatch, req: MatchRequest): boolean {
  return (
    pathMatches(m.path, req.path) &&
    (m.method === undefined || m.method === req.method) &&
    headersMatch(m.headers, req.headers) &&
    // Of a repeated parameter, the first value is the one compared.
    firstOfEachName(m.queryParams, false).every((q) => valueMatches(q, req.query.find(([k]) => k === q.name)?.[1]))
  );
}

/**
 * Precedence of an HTTPRoute match, larger first: Exact path, then the longest PathPrefix (a regex
 * after both, implementation-specific), then a method, then the most header matches, then the most
 * query parameter matches.
 */
export function httpMatchRank(m: HttpRouteMatch): readonly number[] {
  const pathKind = m.path.type === "Exact" ? 2 : m.path.type === "PathPrefix" ? 1 : 0;
  return [
    pathKind,
    m.path.type === "PathPrefix" ? m.path.value.length : 0,
    m.method === undefined ? 0 : 1,
    firstOfEachName(m.headers, true).length,
    firstOfEachName(m.queryParams, false).length,
  ];
}

/** "/package.Service/Method" -> its service and method, or undefined for another path. */
export function grpcMethodOf(path: string): { service: string; method: string } | undefined {
  const m = /^\/([^/]+)\/([^/]+)$/.exec(path);
  return m ? { service: m[1]!, method: m[2]! } : undefined;
}

export function grpcMatches(m: GrpcRouteMatch, req: MatchRequest): boolean {
  if (m.method) {
    const called = grpcMethodOf(req.path);
    if (!called) return false;
    const test = (want: string | undefined, got: string) =>
      want === undefined || (m.method!.type === "Exact" ? want === got : fullMatch(want, got));
    if (!test(m.method.service, called.service) || !test(m.method.method, called.method)) return false;
  }
  return headersMatch(m.headers, req.headers);
}

/** GRPCRoute precedence after the hostname: characters of service, of method, then header matches. */
export function grpcMatchRank(m: GrpcRouteMatch): readonly number[] {
  return [m.method?.service?.length ?? 0, m.method?.method?.length ?? 0, firstOfEachName(m.headers, true).length];
}

export function compareRanks(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (b[i] ?? 0) - (a[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
