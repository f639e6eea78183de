// Connection tracking on the reply leg: a node that rewrote the request's addresses reverses the
// rewrite for the answer, whether the answer is routed (host stack) or bridged (br_netfilter).
import type { BranchState, ConntrackEntry, StepRecord } from "./device.ts";
import { type Packet, rewrite } from "../model/packet.ts";
import { flowOf } from "./facts.ts";

/** Is `p` the reply direction of the connection `e` tracks (its translated tuple, reversed)? */
export function isReplyTo(e: ConntrackEntry, p: Packet): boolean {
  return (
    p.src === e.translated.dst &&
    p.sport === e.translated.dport &&
    p.dst === e.translated.src &&
    p.dport === e.translated.sport
  );
}

/** Whose conntrack it is: a node's IP stack, a node's bridge (br_netfilter), a load balancer. */
export type Tracker = "node" | "br_netfilter" | "lb";

/**
 * @param owner where the rewrite was recorded: a node's name, or the load balancer's name
 */
export function reverseNat(
  packet: Packet,
  owner: string,
  state: BranchState,
  tracker: Tracker,
): { packet: Packet; step: StepRecord } | undefined {
  if (!state.replyTo) return undefined;
  const by = tracker === "lb" ? "lb" : "node";
  const entry = state.conntrack.find((e) => e.by === by && e.name === owner && isReplyTo(e, packet));
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
      detail: { kind: "un-nat", tracker, name: owner, from: flowOf(packet), to: flowOf(after) },
      before: packet,
      after,
    },
  };
}
