// Walks devices from a start location: every outcome a device returns either ends the branch or
// moves the packet to the next device; several outcomes split the branch with their probabilities.
// A delivered request is followed by its reply, traced back through the same conntrack state.
import type { BranchState, Location, Outcome, StepRecord } from "../dataplane/device.ts";
import { stepAt } from "../dataplane/devices/index.ts";
import type { HopAt } from "../model/hop-at.ts";
import type { EndDetail } from "../model/step-detail.ts";
import type { Network } from "../dataplane/network.ts";
import type { Packet } from "../model/packet.ts";
import type { RecentSets } from "../netfilter/hooks.ts";
import type { Start } from "./request.ts";
import type { Disposition } from "./types.ts";

/** Forwarding loops end here at the latest; a real path through kubehop's devices is about 20 hops. */
const MAX_HOPS = 128;

export interface HopRecord {
  readonly location: string;
  readonly at: HopAt;
  readonly packet: Packet;
  readonly steps: readonly StepRecord[];
  /** Which TCP connection the hop belongs to, 1-based: an L7 proxy starts a new one. */
  readonly segment: number;
}

/** A connection an L7 proxy ended: where it started, what the proxy accepted, where its reply starts. */
export interface SegmentRecord {
  readonly start: Packet;
  readonly accepted: Packet;
  readonly replyFrom: Location;
}

export interface LegRecord {
  readonly probability: number;
  readonly choices: readonly string[];
  readonly hops: readonly HopRecord[];
  readonly disposition: Disposition;
  readonly detail: EndDetail;
  readonly rule?: string;
  readonly state: BranchState;
  readonly end: NonNullable<Outcome["end"]>;
  /** Segments closed by proxies on the way, in order; the last connection's first packet. */
  readonly segments: readonly SegmentRecord[];
  readonly segmentStart: Packet;
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
  const legs = walk(net, start, packet, initial, 1);
  if (options.reply === false) return legs;
  return legs.flatMap((leg) => withReplies(net, leg));
}

/** The branches of every start, each weighted by the start's share and led by the pods it stands for. */
export function traceStarts(net: Network, starts: readonly Start[], options: TraceOptions = {}): BranchRecord[] {
  return starts.flatMap((s) => {
    const branches = traceFrom(net, s.at, s.packet, options);
    if (s.share === 1 && s.choices.length === 0) return branches;
    return branches.map((b) => ({ ...b, probability: b.probability * s.share, choices: [...s.choices, ...b.choices] }));
  });
}

/** Answers travel back connection by connection: the last one first, then through each proxy. */
function withReplies(net: Network, leg: LegRecord): BranchRecord[] {
  const { replyFrom, delivered } = leg.end;
  if (!answered(leg.disposition) || !replyFrom || !delivered) return [leg];
  const segments = [...leg.segments, { start: leg.segmentStart, accepted: delivered, replyFrom }];
  let partial: { probability: number; choices: readonly string[]; reply?: LegRecord }[] = [
    { probability: leg.probability, choices: leg.choices },
  ];
  for (let i = segments.length - 1; i >= 0; i--) {
    const seg = segments[i]!;
    partial = partial.flatMap((p) => {
      if (p.reply && !isDelivered(p.reply)) return [p];
      const replies = walk(net, seg.replyFrom, replyPacket(seg.accepted), { ...leg.state, replyTo: seg.start }, i + 1);
      return replies.map((r) => ({
        probability: p.probability * r.probability,
        choices: [...p.choices, ...r.choices],
        reply: p.reply ? joinReplies(p.reply, r) : r,
      }));
    });
  }
  return partial.map((p) => ({
    ...leg,
    probability: p.probability,
    choices: p.choices,
    ...(p.reply ? { reply: p.reply } : {}),
  }));
}

/** Dispositions after which the destination answers. */
function answered(d: Disposition): boolean {
  return d === "DELIVERED" || d === "HTTP_RESPONSE" || d === "HTTP_404" || d === "HTTP_503";
}

function isDelivered(l: LegRecord): boolean {
  return l.disposition === "DELIVERED";
}

/** The reply of an earlier segment continues the reply leg; its end decides the leg's disposition. */
function joinReplies(first: LegRecord, next: LegRecord): LegRecord {
  return { ...next, hops: [...first.hops, ...next.hops] };
}

function replyPacket(p: Packet): Packet {
  return {
    proto: p.proto,
    src: p.dst,
    sport: p.dport,
    dst: p.src,
    dport: p.sport,
    size: p.proto === "tcp" ? 60 : p.size,
    ttl: 64,
    df: true,
    mark: 0,
  };
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
  readonly segment: number;
  readonly segments: readonly SegmentRecord[];
  readonly segmentStart: Packet;
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

function walk(net: Network, at: Location, packet: Packet, state: BranchState, segment: number): LegRecord[] {
  const out: LegRecord[] = [];
  const stack: Frame[] = [
    {
      segment,
      segments: [],
      segmentStart: packet,
      at,
      packet,
      hops: undefined,
      depth: 0,
      probability: 1,
      choices: [],
      state,
      seen: undefined,
    },
  ];
  while (stack.length > 0) {
    const f = stack.pop()!;
    const key = visitKey(f.at, f.packet);
    if (f.depth >= MAX_HOPS || contains(f.seen, key)) {
      const detail = { kind: "loop", location: f.at.label } as const;
      const loopHop: HopRecord = {
        location: f.at.label,
        at: f.at.at,
        packet: f.packet,
        segment: f.segment,
        steps: [{ type: "drop", action: "LOOP", detail }],
      };
      const end = { disposition: "LOOP" as const, detail };
      out.push({
        probability: f.probability,
        choices: f.choices,
        hops: [...toArray(f.hops), loopHop],
        disposition: end.disposition,
        detail,
        state: f.state,
        end,
        segments: f.segments,
        segmentStart: f.segmentStart,
      });
      continue;
    }
    const seen = { head: key, tail: f.seen };
    const outcomes = stepAt(f.packet, f.at, { net, state: f.state });
    // Pushed in reverse so branches come out in the order the device listed them.
    for (let i = outcomes.length - 1; i >= 0; i--) {
      const o = outcomes[i]!;
      const hops = {
        head: { location: f.at.label, at: f.at.at, packet: f.packet, steps: o.steps, segment: f.segment },
        tail: f.hops,
      };
      const probability = f.probability * (o.probability ?? 1);
      const choices = o.choice ? [...f.choices, o.choice] : f.choices;
      const branchState = o.state ?? f.state;
      if (o.end) {
        out.push({
          probability,
          choices,
          hops: toArray(hops),
          disposition: o.end.disposition,
          detail: o.end.detail,
          ...(o.end.rule ? { rule: o.end.rule } : {}),
          state: branchState,
          end: o.end,
          segments: f.segments,
          segmentStart: f.segmentStart,
        });
      } else if (o.next && o.proxy) {
        const closed = [
          ...f.segments,
          { start: f.segmentStart, accepted: o.proxy.accepted, replyFrom: o.proxy.replyFrom },
        ];
        stack.push({
          segment: f.segment + 1,
          segments: closed,
          segmentStart: o.next.packet,
          at: o.next.at,
          packet: o.next.packet,
          hops,
          depth: f.depth + 1,
          probability,
          choices,
          state: branchState,
          seen: undefined,
        });
      } else if (o.next) {
        // A literal, not `{ ...f }`: this runs for every hop of every branch, and spreads are slow.
        stack.push({
          segment: f.segment,
          segments: f.segments,
          segmentStart: f.segmentStart,
          at: o.next.at,
          packet: o.next.packet,
          hops,
          depth: f.depth + 1,
          probability,
          choices,
          state: branchState,
          seen,
        });
      }
    }
  }
  return out;
}

function visitKey(at: Location, p: Packet): string {
  const direction = "direction" in at ? at.direction : "";
  const inIface = at.device === "host" ? (at.inIface ?? "") : "";
  const l2Target = "l2Target" in at ? at.l2Target : "";
  const inner = p.inner ? `${p.inner.src}>${p.inner.dst}` : "";
  return (
    `${at.label}|${at.device}|${direction}|${inIface}|${l2Target}|` +
    `${p.proto}|${p.src}|${p.sport}|${p.dst}|${p.dport}|${inner}`
  );
}
