// The model's objects as the typed facts a step records (lib/model/step-detail.ts): addresses as
// dotted quads, a route, a WireGuard peer, a packet's two ends.
import { formatIpv4, type Ipv4 } from "../model/address.ts";
import type { Route } from "../model/cluster.ts";
import type { L4, Packet } from "../model/packet.ts";
import type { Endpoint, PeerFact, RouteFact } from "../model/step-detail.ts";
import type { PeerMatch } from "./wireguard-peers.ts";

/** An address and port; ICMP has no port. */
export function endpointOf(ip: Ipv4, port: number, proto: L4): Endpoint {
  return proto === "icmp" ? { ip: formatIpv4(ip) } : { ip: formatIpv4(ip), port };
}

export function sourceOf(p: Packet): Endpoint {
  return endpointOf(p.src, p.sport, p.proto);
}

export function destinationOf(p: Packet): Endpoint {
  return endpointOf(p.dst, p.dport, p.proto);
}

export function flowOf(p: Packet): { src: Endpoint; dst: Endpoint } {
  return { src: sourceOf(p), dst: destinationOf(p) };
}

export function routeFact(r: Route): RouteFact {
  return {
    prefix: r.dst.length === 0 ? "default" : r.dst.text,
    ...(r.via !== undefined ? { via: formatIpv4(r.via) } : {}),
    dev: r.dev,
    type: r.type ?? "unicast",
    origin: r.why,
  };
}

export function peerFact(m: PeerMatch): PeerFact {
  return {
    node: m.node.name,
    publicKey: m.publicKey,
    allowedIp: m.allowedIp.text,
    ...(m.endpoint ? { endpoint: { ip: formatIpv4(m.endpoint.ip), port: m.endpoint.port } } : {}),
  };
}
