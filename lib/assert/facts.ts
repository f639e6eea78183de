// What a branch of a trace did, read off its hops: where it ended, what arrived there, from whom.
// The assertions (chai plugin and `kubehop check`) and `kubehop diff` read branches only through these.
import { type Branch, isSuccess, type Step } from "../trace/types.ts";

/** The request ended in a success disposition and its reply, when traced, came back. */
export function isDelivered(b: Branch): boolean {
  return isSuccess(b.disposition) && (!b.reply || isSuccess(b.reply.disposition));
}

/** The first `deliver` step of the branch's last hop: the packet as the destination's socket got it. */
export function deliveredStep(b: Branch): Step | undefined {
  if (!isSuccess(b.disposition)) return undefined;
  return b.hops.at(-1)?.steps.find((s) => s.type === "deliver" && s.before);
}

/** Where the request ended: `pod/NS/NAME`, `node-2`, `client/NAME`, ... (the last hop's location). */
export function endLocation(b: Branch): string {
  return b.hops.at(-1)?.location ?? "(nowhere)";
}

/** `ip:port` the delivered packet was addressed to, after every DNAT. */
export function deliveredTo(b: Branch): string | undefined {
  return deliveredStep(b)?.before?.dst;
}

/** The source address (no port) the destination saw on the delivered packet. */
export function sourceSeen(b: Branch): string | undefined {
  const src = deliveredStep(b)?.before?.src;
  return src === undefined ? undefined : hostOf(src);
}

/** The masquerade or SNAT steps of the request path. */
export function sourceRewrites(b: Branch): { location: string; step: Step }[] {
  return b.hops.flatMap((h) =>
    h.steps.filter((s) => s.type === "masquerade" || s.type === "snat").map((step) => ({ location: h.location, step })),
  );
}

/** Every hop location of the request and of its reply, in order, without repeats. */
export function locationsCrossed(b: Branch): string[] {
  return [...new Set([...b.hops, ...(b.reply?.hops ?? [])].map((h) => h.location))];
}

/** One phrase for how the branch ended: `HTTP_RESPONSE at pod/shop/cart-x (HTTP 200)`. */
export function ending(b: Branch): string {
  const reply = b.reply && !isSuccess(b.reply.disposition) ? `, reply ${b.reply.disposition}` : "";
  const http = b.http && b.http.status > 0 ? ` (HTTP ${b.http.status})` : "";
  return `${b.disposition}${reply} at ${endLocation(b)}${http}`;
}

export function hostOf(ipPort: string): string {
  const i = ipPort.lastIndexOf(":");
  return i < 0 ? ipPort : ipPort.slice(0, i);
}
