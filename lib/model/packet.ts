// A packet as the data plane sees it: L3/L4 headers, the netfilter mark, and (when tunnelled) the
// packet inside. Plain data, copied on every rewrite so a trace can show before and after.
import { formatIpv4, type Ipv4 } from "./address.ts";
import type { HeaderChange } from "./step.ts";

export type L4 = "tcp" | "udp" | "icmp" | "sctp";

export interface Packet {
  readonly proto: L4;
  readonly src: Ipv4;
  readonly sport: number;
  readonly dst: Ipv4;
  readonly dport: number;
  /** Total IP length in bytes. */
  readonly size: number;
  readonly ttl: number;
  /** Don't Fragment: set on TCP by Linux path-MTU discovery and on WireGuard's outer packets. */
  readonly df: boolean;
  /** skb mark (kube-proxy's 0x4000 masquerade bit lives here). */
  readonly mark: number;
  /** The packet carried inside, for an encapsulated (WireGuard) packet. */
  readonly inner?: Packet;
  /** The HTTP request this connection carries (`kubehop curl`); L3/L4 devices pass it along untouched. */
  readonly http?: HttpRequest;
}

export interface HttpRequest {
  readonly method: string;
  readonly scheme: "http" | "https";
  /** The Host header (or TLS SNI), lower-case, without the port. */
  readonly host: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  /** curl -k: a certificate that does not match the host is accepted. */
  readonly insecure: boolean;
  /** What every auth-url subrequest answers (kubehop's --auth-verdict); absent: unknown, the trace splits. */
  readonly authVerdict?: "allowed" | "denied";
}

export function rewrite(p: Packet, change: Partial<Packet>): Packet {
  return { ...p, ...change };
}

export function endpointText(ip: Ipv4, port: number, proto: L4): string {
  return proto === "icmp" ? formatIpv4(ip) : `${formatIpv4(ip)}:${port}`;
}

/** `tcp 10.244.1.2:40000 -> 10.244.2.3:8080`, the one-line form used in reasons and text output. */
export function packetText(p: Packet): string {
  return `${p.proto} ${endpointText(p.src, p.sport, p.proto)} -> ${endpointText(p.dst, p.dport, p.proto)}`;
}

/**
 * The header fields a step changed, in the order they are printed (Batfish's FlowDiff). A tunnel
 * wraps or unwraps a whole packet: that is said as one change, not every field of the other header.
 */
export function packetDiff(before: Packet, after: Packet): HeaderChange[] {
  if (!before.inner && after.inner === before) return [{ field: "packet", change: "encapsulated" }];
  if (before.inner && before.inner === after) return [{ field: "packet", change: "decapsulated" }];
  const out: HeaderChange[] = [];
  const ip = (field: "src" | "dst") => {
    if (before[field] !== after[field])
      out.push({ field, from: formatIpv4(before[field]), to: formatIpv4(after[field]) });
  };
  const num = (field: "sport" | "dport" | "size" | "ttl") => {
    if (before[field] !== after[field]) out.push({ field, from: before[field], to: after[field] });
  };
  ip("src");
  num("sport");
  ip("dst");
  num("dport");
  if (before.proto !== after.proto) out.push({ field: "proto", from: before.proto, to: after.proto });
  num("size");
  if (before.mark !== after.mark) out.push({ field: "mark", from: markText(before.mark), to: markText(after.mark) });
  num("ttl");
  return out;
}

/** A netfilter mark as iptables prints it. */
export function markText(mark: number): string {
  return `0x${mark.toString(16)}`;
}
