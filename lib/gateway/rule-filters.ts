// A list of HTTPRoute/GRPCRoute filters applied in order to the request on its way upstream, as
// the rule's filters and then, for the backendRef chosen, that backendRef's own filters do
// (httproute_types.go HTTPBackendRef.Filters: "Filters defined at this level should be executed if
// and only if the request is being forwarded to the backend defined here"). A RequestRedirect or a
// CORS preflight ends the list with the gateway's own answer.
import type { HeaderModifier, PathMatch, RouteFilter } from "../model/gateway.ts";
import { applyHeaderModifier, corsHeaders, type Headers, modifiedPath, redirectLocation } from "./filters.ts";

/** The request on its way upstream; the path without the query. */
export interface UpstreamDraft {
  readonly method: string;
  readonly host: string;
  readonly path: string;
  readonly headers: Headers;
}

/** What the filters so far made of the request and of the answer to come. */
export interface FilterState {
  readonly up: UpstreamDraft;
  /** Headers the gateway puts on the answer itself (CORS). */
  readonly gatewayHeaders: Headers;
  readonly responseMods: readonly HeaderModifier[];
}

export interface FilterContext {
  readonly scheme: "http" | "https";
  /** The request's Host without a port. */
  readonly host: string;
  /** "?..." or "". */
  readonly query: string;
  readonly listenerPort: number;
  readonly method: string;
  /** The rule's match that won: ReplacePrefixMatch replaces its prefix. */
  readonly matched: PathMatch;
}

/** The gateway answers itself: a redirect (with its Location) or a CORS preflight. */
export interface FilterAnswer {
  readonly outcome: "redirected" | "cors-preflight";
  readonly status: number;
  readonly location?: string;
  readonly responseHeaders: Headers;
}

export type FilterResult = { readonly answer: FilterAnswer } | { readonly state: FilterState };

/**
 * Applies `filters` in order. A filter kubehop does not apply is added to `notModelled` (named
 * with `where`, e.g. " on a backendRef", so that a trace says which list held it).
 */
export function applyFilters(
  filters: readonly RouteFilter[],
  ctx: FilterContext,
  start: FilterState,
  notModelled: string[],
): FilterResult {
  let { up, gatewayHeaders } = start;
  const responseMods = [...start.responseMods];
  for (const f of filters) {
    switch (f.type) {
      case "RequestRedirect": {
        const location = redirectLocation(f.redirect, { ...ctx, host: ctx.host, path: up.path });
        // Every ResponseHeaderModifier of the list applies to the redirect, wherever it stands.
        const later = filters.flatMap((g) => (g.type === "ResponseHeaderModifier" ? [g.modifier] : []));
        const mods = [...start.responseMods, ...later];
        return {
          answer: {
            outcome: "redirected",
            status: f.redirect.statusCode,
            location,
            responseHeaders: mods.reduce(applyHeaderModifier, { ...gatewayHeaders, location }),
          },
        };
      }
      case "CORS": {
        const cors = corsHeaders(f.cors, ctx.method, up.headers);
        gatewayHeaders = { ...gatewayHeaders, ...cors.headers };
        if (cors.preflight)
          return { answer: { outcome: "cors-preflight", status: 200, responseHeaders: gatewayHeaders } };
        break;
      }
      case "URLRewrite":
        up = {
          ...up,
          host: f.rewrite.hostname ?? up.host,
          path: f.rewrite.path ? modifiedPath(up.path, f.rewrite.path, ctx.matched) : up.path,
        };
        break;
      case "RequestHeaderModifier":
        up = { ...up, headers: applyHeaderModifier(up.headers, f.modifier) };
        break;
      case "ResponseHeaderModifier":
        responseMods.push(f.modifier);
        break;
      case "Unmodelled":
        if (!notModelled.includes(f.filterType)) notModelled.push(f.filterType);
        break;
    }
  }
  return { state: { up, gatewayHeaders, responseMods } };
}
