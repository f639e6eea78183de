// kube-proxy's KUBE-SERVICES holds one `-d VIP/32 -p tcp --dport N -j KUBE-SVC-...` rule per
// service port, tens of thousands of them. Walking them one by one for every packet is the slow
// part of a big ruleset, so runs of such rules get a hash lookup on (dst, proto, dport). Any other
// rule is a barrier: it splits the chain into segments, and first-match order is kept because a
// lookup only ever skips rules that cannot match the packet.
import type { Packet } from "../model/packet.ts";
import type { Rule } from "../model/ruleset.ts";

/** Shorter runs are walked linearly: a lookup would not pay for itself. */
const MIN_SEGMENT = 8;

interface Segment {
  readonly end: number;
  /** Lookup key -> positions of the rules with that key, ascending. */
  readonly byKey: Map<number, number[]>;
}

export interface ChainIndex {
  /** Per rule position: the segment it belongs to, or null for a rule walked linearly. */
  readonly segmentAt: readonly (Segment | null)[];
}

const PROTO_CODE: Record<string, number> = { tcp: 1, udp: 2, sctp: 3 };

function key(dst: number, protoCode: number, dport: number): number {
  return dst * 0x40000 + protoCode * 0x10000 + dport;
}

function packetKey(p: Packet): number {
  return key(p.dst, PROTO_CODE[p.proto] ?? 0, p.dport);
}

/** The lookup key of a rule that matches exactly one (dst, proto, dport) and nothing else, or null. */
export function indexKey(rule: Rule): number | null {
  const h = rule.header;
  if (rule.unsupported || h.src || h.inIface || h.outIface || h.fragment) return null;
  if (!h.dst || h.dst.neg || h.dst.prefix.length !== 32 || !h.proto || h.proto.neg) return null;
  const code = PROTO_CODE[h.proto.name];
  if (code === undefined) return null;
  let dport: number | null = null;
  for (const m of rule.matches) {
    if (m.kind === "comment" || m.kind === "nfacct") continue;
    const single =
      m.kind === "ports" &&
      m.which === "dport" &&
      !m.neg &&
      m.ranges.length === 1 &&
      m.ranges[0]!.lo === m.ranges[0]!.hi;
    if (!single || dport !== null || (m.proto !== null && m.proto !== h.proto.name)) return null;
    dport = m.ranges[0]!.lo;
  }
  return dport === null ? null : key(h.dst.prefix.network, code, dport);
}

export function buildChainIndex(rules: readonly Rule[]): ChainIndex | null {
  return indexOfKeys(rules.map(indexKey));
}

/** The index over rules whose lookup keys (indexKey) are `keys`. */
export function indexOfKeys(keys: readonly (number | null)[]): ChainIndex | null {
  const segmentAt: (Segment | null)[] = new Array(keys.length).fill(null);
  let any = false;
  for (let start = 0; start < keys.length; ) {
    let end = start;
    while (end < keys.length && keys[end] !== null) end++;
    if (end - start >= MIN_SEGMENT) {
      const byKey = new Map<number, number[]>();
      for (let i = start; i < end; i++) {
        const list = byKey.get(keys[i]!);
        if (list) list.push(i);
        else byKey.set(keys[i]!, [i]);
      }
      const seg: Segment = { end, byKey };
      for (let i = start; i < end; i++) segmentAt[i] = seg;
      any = true;
    }
    start = end === start ? start + 1 : end;
  }
  return any ? { segmentAt } : null;
}

/** The first position >= i whose rule might match `p`: i itself outside segments. */
export function nextCandidate(index: ChainIndex, i: number, p: Packet): number {
  const seg = index.segmentAt[i];
  if (!seg) return i;
  const hits = seg.byKey.get(packetKey(p));
  if (hits) for (const h of hits) if (h >= i) return h;
  return seg.end;
}
