// What a branch of a trace did, read off its hops' typed facts: where it ended, what arrived there,
// from whom. The assertions (chai plugin and `kubehop check`) and `kubehop diff` read branches only
// through these.
import type { HopAt } from "../model/hop-at.ts";
import { type Branch, type Endpoint, isSuccess, type Step } from "../trace/types.ts";

/** The request ended in a success disposition and its reply, when traced, came back. */
export function isDelivered(b: Branch): boolean {
  return isSuccess(b.disposition) && (!b.reply || isSuccess(b.reply.disposition));
}

/** Where a packet arrived: the socket it reached (after every DNAT) and the source it came from. */
export interface Arrival {
  readonly socket: Endpoint;
  readonly peer: Endpoint;
}

/** What the destination of a successful branch received: its last hop's first arrival at a socket. */
export function arrival(b: Branch): Arrival | undefined {
  if (!isSuccess(b.disposition)) return undefined;
  for (const s of b.hops.at(-1)?.steps ?? []) {
    const d = s.detail;
    if (d.kind === "socket" || d.kind === "icmp-echo" || d.kind === "accept-connection")
      return { socket: d.socket, peer: d.peer };
  }
  return undefined;
}

/** Where the request ended, as a label for messages: `pod/NS/NAME`, `node-2`, `client/NAME`, ... */
export function endLocation(b: Branch): string {
  return b.hops.at(-1)?.location ?? "(nowhere)";
}

/** Where the request ended, as the model object. */
export function endAt(b: Branch): HopAt | undefined {
  return b.hops.at(-1)?.at;
}

/** `ns/name` of the pod a branch ended at, if it ended at a pod. */
export function endPod(b: Branch): string | undefined {
  const at = endAt(b);
  return at?.kind === "pod" ? `${at.namespace}/${at.name}` : undefined;
}

/** The address and port the delivered packet was addressed to, after every DNAT. */
export function deliveredTo(b: Branch): Endpoint | undefined {
  return arrival(b)?.socket;
}

/** The source address (no port) the destination saw on the delivered packet. */
export function sourceSeen(b: Branch): string | undefined {
  return arrival(b)?.peer.ip;
}

/** `ip:port`, or the address alone when there is no port, for messages. */
export function endpointText(e: Endpoint): string {
  return e.port === undefined ? e.ip : `${e.ip}:${e.port}`;
}

/** The masquerade or SNAT steps of the request path. */
export function sourceRewrites(b: Branch): { location: string; step: Step }[] {
  return b.hops.flatMap((h) =>
    h.steps.filter((s) => s.type === "masquerade" || s.type === "snat").map((step) => ({ location: h.location, step })),
  );
}

/** Every hop of the request and of its reply, in order, one per label. */
export function hopsCrossed(b: Branch): { location: string; at: HopAt }[] {
  const seen = new Map<string, HopAt>();
  for (const h of [...b.hops, ...(b.reply?.hops ?? [])]) if (!seen.has(h.location)) seen.set(h.location, h.at);
  return [...seen].map(([location, at]) => ({ location, at }));
}

/** One phrase for how the branch ended: `HTTP_RESPONSE at pod/shop/cart-x (HTTP 200)`. */
export function ending(b: Branch): string {
  const reply = b.reply && !isSuccess(b.reply.disposition) ? `, reply ${b.reply.disposition}` : "";
  const http = b.http && b.http.status > 0 ? ` (HTTP ${b.http.status})` : "";
  return `${b.disposition}${reply} at ${endLocation(b)}${http}`;
}
