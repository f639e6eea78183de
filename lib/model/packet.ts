// A packet as the data plane sees it: L3/L4 headers, the netfilter mark, and (when tunnelled) the
// packet inside. Plain data, copied on every rewrite so a trace can show before and after.
import { formatIpv4, type Ipv4 } from "./address.ts";

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

/** The header fields a step changed, as `field: old -> new` (Batfish's FlowDiff). */
export function packetDiff(before: Packet, after: Packet): string[] {
  // Tunnels wrap or unwrap a whole packet: say that, not every field of the other header.
  if (!before.inner && after.inner === before) return [`encapsulated in ${packetText(after)}, ${after.size} bytes`];
  if (before.inner && before.inner === after) return [`decapsulated to ${packetText(after)}, ${after.size} bytes`];
  const out: string[] = [];
  const ip = (k: "src" | "dst") => {
    if (before[k] !== after[k]) out.push(`${k}: ${formatIpv4(before[k])} -> ${formatIpv4(after[k])}`);
  };
  ip("src");
  if (before.sport !== after.sport) out.push(`sport: ${before.sport} -> ${after.sport}`);
  ip("dst");
  if (before.dport !== after.dport) out.push(`dport: ${before.dport} -> ${after.dport}`);
  if (before.proto !== after.proto) out.push(`proto: ${before.proto} -> ${after.proto}`);
  if (before.size !== after.size) out.push(`size: ${before.size} -> ${after.size}`);
  if (before.mark !== after.mark) out.push(`mark: 0x${before.mark.toString(16)} -> 0x${after.mark.toString(16)}`);
  if (before.ttl !== after.ttl) out.push(`ttl: ${before.ttl} -> ${after.ttl}`);
  return out;
}
