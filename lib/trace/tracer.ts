// Walks devices from a start location: every outcome a device returns either ends the branch or
// moves the packet to the next device; several outcomes split the branch with their probabilities.
// A delivered request is followed by its reply, traced back through the same conntrack state.
import type { BranchState, Location, Outcome, StepRecord } from "../dataplane/device.ts";
import { DEVICES } from "../dataplane/devices/index.ts";
import type { Network } from "../dataplane/network.ts";
import type { Packet } from "../dataplane/packet.ts";
import type { RecentSets } from "../netfilter/hooks.ts";
import type { Disposition } from "./types.ts";

/** Forwarding loops end here at the latest; a real path through kubehop's devices is about 20 hops. */
const MAX_HOPS = 128;

export interface HopRecord {
  readonly location: string;
  readonly packet: Packet;
  readonly steps: readonly StepRecord[];
}

export interface LegRecord {
  readonly probability: number;
  readonly choices: readonly string[];
  readonly hops: readonly HopRecord[];
  readonly disposition: Disposition;
  readonly reason: string;
  readonly rule?: string;
  readonly state: BranchState;
  readonly end: NonNullable<Outcome["end"]>;
}

export interface BranchRecord extends LegRecord {
  readonly reply?: LegRecord;
}

export interface TraceOptions {
  /** Trace the answer of delivered requests (default true). */
  readonly reply?: boolean;
  /** `-m recent` state from earlier traces of the same session (ClientIP session affinity). */
  readonly recent?: RecentSets;
}

export function traceFrom(net: Network, start: Location, packet: Packet, options: TraceOptions = {}): BranchRecord[] {
  const initial: BranchState = { conntrack: [], recent: options.recent ?? new Map() };
  const legs = walk(net, start, packet, initial);
  if (options.reply === false) return legs;
  return legs.flatMap((leg): BranchRecord[] => {
    const { replyFrom, delivered } = leg.end;
    if (leg.disposition !== "DELIVERED" || !replyFrom || !delivered) return [leg];
    const answer = replyPacket(delivered);
    const replies = walk(net, replyFrom, answer, { ...leg.state, replyTo: packet });
    return replies.map((r) => ({ ...leg, probability: leg.probability * r.probability, choices: [...leg.choices, ...r.choices], reply: r }));
  });
}

function replyPacket(p: Packet): Packet {
  return { proto: p.proto, src: p.dst, sport: p.dport, dst: p.src, dport: p.sport, size: p.proto === "tcp" ? 60 : p.size, ttl: 64, df: true, mark: 0 };
}

/** Persistent lists: a branch shares its past with its siblings instead of copying it per hop. */
interface Chain<T> {
  readonly head: T;
  readonly tail: Chain<T> | undefined;
}

function toArray<T>(c: Chain<T> | undefined): T[] {
  const out: T[] = [];
  for (let x = c; x; x = x.tail) out.push(x.head);
  return out.reverse();
}

function contains(c: Chain<string> | undefined, key: string): boolean {
  for (let x = c; x; x = x.tail) if (x.head === key) return true;
  return false;
}

interface Frame {
  readonly at: Location;
  readonly packet: Packet;
  readonly hops: Chain<HopRecord> | undefined;
  readonly depth: number;
  readonly probability: number;
  readonly choices: readonly string[];
  readonly state: BranchState;
  /** (place, headers) pairs already visited on this branch: seeing one again is a loop. */
  readonly seen: Chain<string> | undefined;
}

function walk(net: Network, at: Location, packet: Packet, state: BranchState): LegRecord[] {
  const out: LegRecord[] = [];
  const stack: Frame[] = [{ at, packet, hops: undefined, depth: 0, probability: 1, choices: [], state, seen: undefined }];
  while (stack.length > 0) {
    const f = stack.pop()!;
    const key = visitKey(f.at, f.packet);
    if (f.depth >= MAX_HOPS || contains(f.seen, key)) {
      const loopHop: HopRecord = { location: f.at.label, packet: f.packet, steps: [{ type: "drop", action: "LOOP", reason: `the packet is back at ${f.at.label} with the same headers` }] };
      const end = { disposition: "LOOP" as const, reason: `forwarding loop: ${f.at.label} reached twice with the same headers` };
      out.push({ probability: f.probability, choices: f.choices, hops: [...toArray(f.hops), loopHop], disposition: end.disposition, reason: end.reason, state: f.state, end });
      continue;
    }
    const seen = { head: key, tail: f.seen };
    const outcomes = DEVICES[f.at.device](f.packet, f.at, { net, state: f.state });
    // Pushed in reverse so branches come out in the order the device listed them.
    for (let i = outcomes.length - 1; i >= 0; i--) {
      const o = outcomes[i]!;
      const hops = { head: { location: f.at.label, packet: f.packet, steps: o.steps }, tail: f.hops };
      const probability = f.probability * (o.probability ?? 1);
      const choices = o.choice ? [...f.choices, o.choice] : f.choices;
      const branchState = o.state ?? f.state;
      if (o.end) {
        out.push({ probability, choices, hops: toArray(hops), disposition: o.end.disposition, reason: o.end.reason, ...(o.end.rule ? { rule: o.end.rule } : {}), state: branchState, end: o.end });
      } else if (o.next) {
        stack.push({ at: o.next.at, packet: o.next.packet, hops, depth: f.depth + 1, probability, choices, state: branchState, seen });
      }
    }
  }
  return out;
}

function visitKey(at: Location, p: Packet): string {
  return `${at.label}|${at.device}|${at.direction ?? ""}|${at.inIface ?? ""}|${at.l2Target ?? ""}|${p.proto}|${p.src}|${p.sport}|${p.dst}|${p.dport}|${p.inner ? `${p.inner.src}>${p.inner.dst}` : ""}`;
}
