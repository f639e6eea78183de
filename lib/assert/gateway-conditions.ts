// Assertions about a request a Gateway routed: which Gateway, which route (and rule), and the request
// as the backend pod received it after the route's filters (http.upstream).
import type { Branch } from "../trace/types.ts";
import { ending } from "./facts.ts";

/** The upstream request's fields to compare; any left out matches anything. */
export interface UpstreamRef {
  readonly method?: string;
  /** The Host header sent upstream. */
  readonly host?: string;
  /** The request target with its query, e.g. `/v2/items?page=2`. */
  readonly path?: string;
}

export type GatewayCondition =
  | { readonly kind: "gateway"; readonly gateway: string }
  /** `rule`: the rule's 0-based index or its name. */
  | { readonly kind: "route"; readonly route: string; readonly rule?: number | string }
  | { readonly kind: "upstream"; readonly upstream: UpstreamRef };

const REF = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/** A message for a malformed condition, or undefined. */
export function gatewayConditionProblem(c: GatewayCondition): string | undefined {
  if (c.kind === "gateway" && !REF.test(c.gateway))
    return `gateway("${c.gateway}"): expected namespace/name of a Gateway, e.g. shop/shop-gateway`;
  if (c.kind === "route" && !REF.test(c.route))
    return `route("${c.route}"): expected namespace/name of an HTTPRoute or GRPCRoute, e.g. shop/store`;
  if (c.kind === "upstream" && Object.keys(c.upstream).length === 0)
    return "upstream({}): give at least one of method, host, path";
  return undefined;
}

export function describeGateway(c: GatewayCondition, not: boolean): string {
  const verb = not ? "not be" : "be";
  switch (c.kind) {
    case "gateway":
      return `${verb} routed by Gateway ${c.gateway}`;
    case "route":
      return `${verb} routed by route ${c.route}${c.rule !== undefined ? ` rule ${c.rule}` : ""}`;
    case "upstream":
      return `${not ? "not reach" : "reach"} the backend as ${upstreamText(c.upstream)}`;
  }
}

function upstreamText(u: UpstreamRef): string {
  return [u.method, u.path, u.host !== undefined ? `(Host: ${u.host})` : undefined].filter(Boolean).join(" ");
}

export function holdsForGateway(c: GatewayCondition, b: Branch): { holds: boolean; saw: string } {
  const h = b.http;
  if (!h?.gateway)
    return { holds: false, saw: h ? `HTTP ${h.status} not through a Gateway` : `${ending(b)}: ${b.reason}` };
  switch (c.kind) {
    case "gateway":
      return { holds: h.gateway === c.gateway, saw: `routed by Gateway ${h.gateway}` };
    case "route": {
      const rule = h.rule;
      const ruleOk =
        c.rule === undefined || (typeof c.rule === "number" ? rule?.index === c.rule : rule?.name === c.rule);
      const saw = h.route
        ? `routed by route ${h.route}${rule ? ` rule ${rule.index}${rule.name ? ` (${rule.name})` : ""}` : ""}`
        : `HTTP ${h.status} from Gateway ${h.gateway}, no route matched`;
      return { holds: h.route === c.route && ruleOk, saw };
    }
    case "upstream": {
      const up = h.upstream;
      if (!up) return { holds: false, saw: `HTTP ${h.status} answered by the Gateway, nothing sent upstream` };
      const u = c.upstream;
      const holds =
        (u.method === undefined || u.method === up.method) &&
        (u.host === undefined || u.host === up.host) &&
        (u.path === undefined || u.path === up.path);
      return { holds, saw: `the backend received ${upstreamText(up)}` };
    }
  }
}
