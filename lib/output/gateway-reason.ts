// A Gateway's decisions in words: which listener, route and rule took the request and why, and the
// answers its proxy gives itself, in the Gateway API's terms (gateway_types.go, httproute_types.go).
import type { PodRef } from "../model/hop-at.ts";
import type { GatewayAnswerDetail, GatewayRouteDetail } from "../model/step-detail.ts";

export const gatewayProxy = (gateway: string, p: PodRef): string =>
  `Gateway ${gateway}'s proxy in pod ${p.namespace}/${p.name}`;

/** `gateway shop/gw listener https route shop/store rule 1 (checkout)`: the line that names the match. */
function matched(d: GatewayRouteDetail): string {
  const parts = [`gateway ${d.gateway}`];
  if (d.listener !== undefined) parts.push(`listener ${d.listener}`);
  if (d.route) parts.push(`route ${d.route.namespace}/${d.route.name}`);
  if (d.rule) parts.push(`rule ${d.rule.index}${d.rule.name !== undefined ? ` (${d.rule.name})` : ""}`);
  return parts.join(" ");
}

function outcomeText(d: GatewayRouteDetail): string {
  switch (d.outcome) {
    case "forwarded": {
      const b = d.backend!;
      const weight =
        d.weight && d.weight.total !== d.weight.weight ? ` (weight ${d.weight.weight} of ${d.weight.total})` : "";
      return `to backendRef ${b.namespace}/${b.service}:${b.port}${weight}`;
    }
    case "redirected":
      return "its RequestRedirect filter answers";
    case "cors-preflight":
      return "a CORS preflight its CORS filter answers";
    case "no-gateway":
      return "no such Gateway";
    case "no-listener-port":
      return "no listener on this port";
    case "tls-no-listener":
      return "no HTTPS listener's hostname takes the TLS server name";
    case "no-listener":
      return "no listener's hostname takes the Host: 404";
    case "misdirected":
      return "the Host belongs to another listener than the one the TLS server name chose: 421";
    case "no-route":
      return "no attached route's rule matches the request: 404";
    case "no-backend":
      return "the rule has no backendRef of non-zero weight: 500";
    case "InvalidKind":
    case "RefNotPermitted":
    case "BackendNotFound":
      return `the backendRef does not resolve (${d.outcome}): 500`;
  }
}

export function gatewayRouteReason(d: GatewayRouteDetail): string {
  const skipped = d.notModelled.length ? `; not applied (not modelled): ${d.notModelled.join(", ")}` : "";
  return `${matched(d)}: ${outcomeText(d)}${skipped}`;
}

/** nginx's own words for the 400 (ngx_http_request.c), the Gateway's and the ingress controller's alike. */
export const PLAIN_HTTP_TO_TLS = "nginx: The plain HTTP request was sent to HTTPS port";

export function gatewayAnswerReason(d: GatewayAnswerDetail): string {
  switch (d.cause) {
    case "redirected":
      return `redirect to ${d.location}`;
    case "cors-preflight":
      return "CORS preflight answered by the Gateway";
    case "tls-no-listener":
      return `no HTTPS listener takes the TLS server name ${d.sni}: the handshake fails, no HTTP exchange`;
    case "no-listener":
      return "no listener takes the Host: 404";
    case "misdirected":
      return "the Host is another listener's than the connection's (RFC 9110 421 Misdirected Request)";
    case "no-route":
      return "no route's rule matches: 404";
    case "no-backend":
      return "the rule has no backend to send to: 500";
    case "plain-http-to-tls-port":
      return `${d.message}: 400 (${PLAIN_HTTP_TO_TLS})`;
    case "no-ready-endpoint":
      return `Service ${d.service} has no ready endpoint: 503`;
    default:
      return `${d.message ?? `the backendRef does not resolve (${d.cause})`}: 500`;
  }
}
