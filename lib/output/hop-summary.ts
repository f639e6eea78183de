// What one line says for a hop of many steps: which step decided what happened there, and what the
// hop as a whole did to the packet's headers.
import type { Hop, PacketJson, Step, StepType } from "../trace/types.ts";

// Which step speaks for a hop: the one that changed the packet or chose where it goes outranks the
// ones that let it pass. Equal ranks: the later step, which acted on what the earlier ones did.
const RANK: Record<StepType, number> = {
  drop: 11,
  dnat: 8,
  snat: 8,
  masquerade: 8,
  conntrack: 8,
  proxy: 8,
  encrypt: 7,
  decrypt: 7,
  "allowed-ips": 6,
  encapsulate: 6,
  decapsulate: 6,
  mtu: 6,
  icmp: 6,
  route: 5,
  deliver: 5,
  bridge: 3,
  mark: 3,
  netfilter: 2,
  originate: 1,
  receive: 1,
  transmit: 1,
  arp: 1,
};
/** The step that ended a failed leg decides it, whatever its type. */
const ENDED_IN_FAILURE = 10;
/** The ingress rule that matched decides more than the connection the proxy then opens. */
const HTTP_ROUTE = 9;

function rank(s: Step, endsFailure: boolean): number {
  if (endsFailure) return Math.max(ENDED_IN_FAILURE, RANK[s.type]);
  return s.type === "route" && s.action === "HTTP_ROUTE" ? HTTP_ROUTE : RANK[s.type];
}

/** The index of the hop's deciding step; `failedHere` when the leg failed at this hop. */
export function decidingStep(hop: Hop, failedHere: boolean): number {
  let best = 0;
  let bestRank = -1;
  hop.steps.forEach((s, j) => {
    const r = rank(s, failedHere && j === hop.steps.length - 1);
    if (r >= bestRank) [best, bestRank] = [j, r];
  });
  return best;
}

/**
 * What the hop did to the headers, compactly: `dst 203.0.113.10->192.168.10.12:30443` (the old
 * address, the new address and port), `new 10.244.1.5:41000->10.244.1.4:9100` where a proxy opened a
 * connection, `encap`/`decap` where a tunnel wrapped or unwrapped the packet. TTLs are left out.
 */
export function headerChange(hop: Hop): string | undefined {
  const proxy = hop.steps.find((s) => s.type === "proxy" && s.after);
  if (proxy) return `new ${proxy.after!.src}->${proxy.after!.dst}`;
  const [before, after] = [hop.steps[0]?.before, hop.steps.at(-1)?.after];
  if (!before || !after) return undefined;
  if (after.inner && sameFlow(after.inner, before)) return `encap ${flow(after)}`;
  if (before.inner && sameFlow(before.inner, after)) return `decap ${flow(after)}`;
  const parts = [endpointChange("src", before, after), endpointChange("dst", before, after)];
  if (before.proto !== after.proto) parts.push(`proto ${before.proto}->${after.proto}`);
  if (before.size !== after.size) parts.push(`size ${before.size}->${after.size}`);
  if ((before.mark ?? "0x0") !== (after.mark ?? "0x0"))
    parts.push(`mark ${before.mark ?? "0x0"}->${after.mark ?? "0x0"}`);
  return parts.filter((p) => p !== undefined).join(", ") || undefined;
}

/** `udp 192.168.10.11->192.168.10.12:51820`: the source's port says little, the destination's which service. */
function flow(p: PacketJson): string {
  return `${p.proto} ${p.saddr}->${p.dst}`;
}

function sameFlow(a: PacketJson, b: PacketJson): boolean {
  return a.proto === b.proto && a.src === b.src && a.dst === b.dst;
}

function endpointChange(field: "src" | "dst", before: PacketJson, after: PacketJson): string | undefined {
  const [addr, port] = field === "src" ? (["saddr", "sport"] as const) : (["daddr", "dport"] as const);
  if (before[addr] === after[addr] && before[port] === after[port]) return undefined;
  if (before[addr] === after[addr]) return `${port} ${before[port] ?? ""}->${after[port] ?? ""}`;
  return before[port] === after[port]
    ? `${field} ${before[addr]}->${after[addr]}`
    : `${field} ${before[addr]}->${after[field]}`;
}
