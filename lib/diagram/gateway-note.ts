// The words of a Gateway proxy's decision at its hop: which Gateway, listener, route and rule took
// the request (the gateway-route step's typed facts), for the callout beside the proxy pod.
import type { Step } from "../trace/types.ts";

export interface GatewayNote {
  /** Gateway, listener, route and rule, one per line. */
  readonly lines: string[];
  /** `data-gateway` and `data-route` of the callout. */
  readonly data: Record<string, string>;
}

export function gatewayNote(step: Step): GatewayNote | undefined {
  const d = step.detail;
  if (d.kind !== "gateway-route") return undefined;
  const lines = [`gateway ${d.gateway}`];
  if (d.listener !== undefined) lines.push(`listener ${d.listener}`);
  if (d.route) {
    const rule = d.rule ? ` rule ${d.rule.index}${d.rule.name ? ` (${d.rule.name})` : ""}` : "";
    lines.push(`${d.route.kind} ${d.route.namespace}/${d.route.name}${rule}`);
  } else lines.push(`no route: ${d.outcome}`);
  const data: Record<string, string> = { gateway: d.gateway };
  if (d.route) data.route = `${d.route.namespace}/${d.route.name}`;
  return { lines, data };
}
