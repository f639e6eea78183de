// Connection tracking on the reply leg: a node that rewrote the request's addresses reverses the
// rewrite for the answer, whether the answer is routed (host stack) or bridged (br_netfilter).
import type { BranchState, ConntrackEntry, StepRecord } from "./device.ts";
import { type Packet, rewrite } from "../model/packet.ts";

/** Is `p` the reply direction of the connection `e` tracks (its translated tuple, reversed)? */
export function isReplyTo(e: ConntrackEntry, p: Packet): boolean {
  return (
    p.src === e.translated.dst &&
    p.sport === e.translated.dport &&
    p.dst === e.translated.src &&
    p.dport === e.translated.sport
  );
}

export function reverseNat(
  packet: Packet,
  node: string,
  state: BranchState,
  where: string,
): { packet: Packet; step: StepRecord } | undefined {
  if (!state.replyTo) return undefined;
  const entry = state.conntrack.find((e) => e.node === node && isReplyTo(e, packet));
  if (!entry) return undefined;
  const after = rewrite(packet, {
    src: entry.original.dst,
    sport: entry.original.dport,
    dst: entry.original.src,
    dport: entry.original.sport,
  });
  return {
    packet: after,
    step: {
      type: "conntrack",
      action: "UN-NAT",
      reason: `reply of a tracked connection: ${where} conntrack reverses the NAT done to the request`,
      before: packet,
      after,
    },
  };
}
