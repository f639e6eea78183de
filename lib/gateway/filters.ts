// The filters of a route rule as the standard defines them (httproute_types.go HTTPRouteFilter):
// what the backend receives after RequestHeaderModifier and URLRewrite, the Location a
// RequestRedirect answers with, and the headers ResponseHeaderModifier and CORS put on the answer.
import type { CorsPolicy, HeaderModifier, PathMatch, PathModifier, RequestRedirect } from "../model/gateway.ts";
import { headerValue, prefixStem } from "./matching.ts";

export type Headers = Readonly<Record<string, string>>;

function withoutName(headers: Headers, name: string): Record<string, string> {
  const lower = name.toLowerCase();
  return Object.fromEntries(Object.entries(headers).filter(([k]) => k.toLowerCase() !== lower));
}

/**
 * set replaces (under the filter's spelling of the name), add appends to an existing value as
 * RFC 7230 joins repeated headers ("a,b"), remove drops; names compare case-insensitively.
 */
export function applyHeaderModifier(headers: Headers, mod: HeaderModifier): Record<string, string> {
  let out: Record<string, string> = { ...headers };
  for (const { name, value } of mod.set) out = { ...withoutName(out, name), [name]: value };
  for (const { name, value } of mod.add) {
    const existing = Object.keys(out).find((k) => k.toLowerCase() === name.toLowerCase());
    if (existing === undefined) out[name] = value;
    else out[existing] = `${out[existing]},${value}`;
  }
  for (const name of mod.remove) out = withoutName(out, name);
  return out;
}

/**
 * The path after ReplaceFullPath or ReplacePrefixMatch. The prefix replaced is the rule's matched
 * PathPrefix, by whole path elements, a trailing "/" of either side ignored (the API's table:
 * /foo/ with prefix /foo and replacement "" becomes /).
 */
export function modifiedPath(path: string, mod: PathModifier, matched: PathMatch): string {
  if (mod.type === "ReplaceFullPath") return mod.value;
  if (matched.type !== "PathPrefix") return path;
  const rest = path.slice(prefixStem(matched.value).length);
  const out = prefixStem(mod.value) + rest;
  return out === "" ? "/" : out;
}

const WELL_KNOWN_PORT: Readonly<Record<string, number>> = { http: 80, https: 443 };

export interface RedirectContext {
  readonly scheme: "http" | "https";
  readonly host: string;
  /** The path without the query. */
  readonly path: string;
  /** "?..." or "". */
  readonly query: string;
  readonly listenerPort: number;
  readonly matched: PathMatch;
}

/**
 * The Location header: the redirect's scheme, hostname and path, else the request's; the port is
 * the redirect's, else the new scheme's well-known port when a scheme is given, else the listener's,
 * and is left out where it is the scheme's well-known port.
 */
export function redirectLocation(r: RequestRedirect, ctx: RedirectContext): string {
  const scheme = r.scheme ?? ctx.scheme;
  const port = r.port ?? (r.scheme !== undefined ? (WELL_KNOWN_PORT[r.scheme] ?? ctx.listenerPort) : ctx.listenerPort);
  const host = r.hostname ?? ctx.host;
  const path = r.path ? modifiedPath(ctx.path, r.path, ctx.matched) : ctx.path;
  const portText = WELL_KNOWN_PORT[scheme] === port ? "" : `:${port}`;
  return `${scheme}://${host}${portText}${path}${ctx.query}`;
}

/**
 * Whether the answer is a CORS preflight the gateway answers itself, and the headers CORS adds
 * (httproute_types.go HTTPCORSFilter). A "*" with allowCredentials is never written back: the origin,
 * the requested method and the requested headers are echoed instead (and left out when not asked
 * for); Access-Control-Expose-Headers goes on every allowed answer, preflight or not, as the
 * conformance test HTTPRouteCORS expects.
 */
export function corsHeaders(
  cors: CorsPolicy,
  method: string,
  headers: Headers,
): { preflight: boolean; headers: Record<string, string> } {
  const origin = headerValue(headers, "origin");
  const requestMethod = headerValue(headers, "access-control-request-method");
  const preflight = method === "OPTIONS" && requestMethod !== undefined;
  if (origin === undefined || !originAllowed(cors.allowOrigins, origin)) return { preflight, headers: {} };
  const credentials = cors.allowCredentials;
  const out: Record<string, string> = {
    "access-control-allow-origin": cors.allowOrigins.includes("*") && !credentials ? "*" : origin,
  };
  if (credentials) out["access-control-allow-credentials"] = "true";
  if (preflight) {
    const methods = allowed(cors.allowMethods, credentials, requestMethod);
    if (methods !== undefined) out["access-control-allow-methods"] = methods;
    const requested = headerValue(headers, "access-control-request-headers");
    const names = allowed(cors.allowHeaders, credentials, requested);
    if (names !== undefined) out["access-control-allow-headers"] = names;
    out["access-control-max-age"] = String(cors.maxAge ?? 5);
  }
  const exposed = allowed(cors.exposeHeaders, credentials, undefined);
  if (exposed !== undefined) out["access-control-expose-headers"] = exposed;
  return { preflight, headers: out };
}

/** The list as the header writes it; a lone "*" with credentials becomes what the request asked for. */
function allowed(list: readonly string[], credentials: boolean, requested: string | undefined): string | undefined {
  if (list.length === 0) return undefined;
  if (list.includes("*") && credentials) return requested;
  return list.join(", ");
}

/** An allowed origin is "*", an exact origin, or one with a "*" standing for one or more host labels. */
function originAllowed(allowed: readonly string[], origin: string): boolean {
  return allowed.some((a) => {
    if (a === "*" || a === origin) return true;
    if (!a.includes("*")) return false;
    const [before, after] = a.split("*", 2) as [string, string];
    return origin.startsWith(before) && origin.endsWith(after) && origin.length > before.length + after.length;
  });
}
