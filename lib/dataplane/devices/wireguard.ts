// wg0: an L3 device with no MAC. Outbound it picks the peer by longest-prefix match of the inner
// destination over AllowedIPs, encrypts and wraps the packet in UDP to the peer's endpoint; inbound
// it decrypts and drops (silently) an inner source the sending peer is not allowed to use.
import { formatIpv4 } from "../../model/address.ts";
import type { Device, Outcome, StepRecord } from "../device.ts";
import { here } from "../locations.ts";
import type { Packet } from "../../model/packet.ts";
import { peerText } from "../wireguard-peers.ts";

/** IPv4 (20) + UDP (8) + WireGuard data header (16) + Poly1305 tag (16). */
export const WG_OVERHEAD = 60;

export const wireGuardDevice: Device = (packet, at, ctx) =>
  at.direction === "out" ? send(packet, at, ctx) : receive(packet, at, ctx);

const send: Device = (packet, at, ctx) => {
  const node = at.node!;
  const { mtu, listenPort } = ctx.net.cluster.overlay;
  if (packet.size > mtu && packet.df) {
    return [
      {
        steps: [
          {
            type: "mtu",
            action: "TOO_BIG",
            reason: `${packet.size} bytes exceed wg0's MTU ${mtu} and DF is set`,
            rule: `wg0 mtu ${mtu}`,
          },
          {
            type: "icmp",
            action: "ICMP_FRAG_NEEDED",
            reason: `the sender gets ICMP fragmentation needed (next-hop MTU ${mtu}) from ${node.name}`,
          },
        ],
        end: {
          disposition: "MTU_EXCEEDED",
          reason: `${packet.size}-byte packet with DF over wg0's MTU ${mtu} on ${node.name}`,
          rule: `wg0 mtu ${mtu}`,
        },
      },
    ];
  }
  const peer = ctx.net.peers.lookup(node, packet.dst);
  if (!peer?.endpoint) {
    const why = peer
      ? `${peerText(peer)} has no endpoint`
      : `no peer of ${node.name}'s wg0 has AllowedIPs containing ${formatIpv4(packet.dst)}`;
    return [
      {
        steps: [
          { type: "drop", action: "NO_PEER", reason: why },
          {
            type: "icmp",
            action: "ICMP_HOST_UNREACHABLE",
            reason: `wg0 drops it and sends ICMP host unreachable to ${formatIpv4(packet.src)} (a local socket sees ENOKEY)`,
          },
        ],
        end: { disposition: "WG_NO_PEER", reason: why },
      },
    ];
  }
  // Plaintext is padded to a multiple of 16, never beyond the MTU (wireguard send.c).
  const padded = Math.max(packet.size, Math.min(Math.ceil(packet.size / 16) * 16, mtu));
  const outer: Packet = {
    proto: "udp",
    src: node.ip,
    sport: listenPort,
    dst: peer.endpoint.ip,
    dport: peer.endpoint.port,
    size: padded + WG_OVERHEAD,
    ttl: 64,
    df: false,
    mark: 0,
    inner: packet,
  };
  const steps: StepRecord[] = [
    {
      type: "encrypt",
      action: "ENCRYPTED",
      reason: `peer chosen by longest match of ${formatIpv4(packet.dst)} over AllowedIPs: ${peer.allowedIp.text} (${peer.node.name})`,
      rule: peerText(peer),
    },
    {
      type: "encapsulate",
      action: "ENCAPSULATED",
      reason: `UDP ${formatIpv4(node.ip)}:${listenPort} -> ${formatIpv4(peer.endpoint.ip)}:${peer.endpoint.port}, +${WG_OVERHEAD} bytes (IPv4 20 + UDP 8 + WireGuard 32)${padded > packet.size ? ` + ${padded - packet.size} padding` : ""}, DF off`,
      before: packet,
      after: outer,
    },
  ];
  return [{ steps, next: { at: here.host(node), packet: outer } }];
};

const receive: Device = (outer, at, ctx): Outcome[] => {
  const node = at.node!;
  const inner = outer.inner!;
  const sender = ctx.net.nodesByIp.get(outer.src);
  const entry = sender ? ctx.net.peers.peerFor(node, sender) : undefined;
  if (!sender || !entry) {
    const why = `no peer of ${node.name}'s wg0 has endpoint ${formatIpv4(outer.src)}: the handshake fails and the packet is dropped`;
    return [
      { steps: [{ type: "drop", action: "UNKNOWN_PEER", reason: why }], end: { disposition: "DROPPED", reason: why } },
    ];
  }
  const steps: StepRecord[] = [
    {
      type: "decapsulate",
      action: "DECAPSULATED",
      reason: `UDP from ${formatIpv4(outer.src)}:${outer.sport}`,
      before: outer,
      after: inner,
    },
    {
      type: "decrypt",
      action: "DECRYPTED",
      reason: `authenticated as peer ${sender.name}`,
      rule: `peer ${sender.wireguard.publicKey.slice(0, 8)}... (${sender.name}) allowed-ips ${entry.allowedIps.map((a) => a.text).join(", ") || "(none)"}`,
    },
  ];
  const owner = ctx.net.peers.lookup(node, inner.src);
  if (!owner || owner.node !== sender) {
    const why = `inner source ${formatIpv4(inner.src)} is not in peer ${sender.name}'s AllowedIPs (${entry.allowedIps.map((a) => a.text).join(", ") || "none"})${owner ? `; it belongs to ${owner.node.name}` : ""}: dropped silently, no ICMP`;
    steps.push({ type: "allowed-ips", action: "SOURCE_NOT_ALLOWED", reason: why });
    return [{ steps, end: { disposition: "WG_SOURCE_NOT_ALLOWED", reason: why } }];
  }
  steps.push({
    type: "allowed-ips",
    action: "ALLOWED",
    reason: `inner source ${formatIpv4(inner.src)} matches ${owner.allowedIp.text} of peer ${sender.name}`,
  });
  return [{ steps, next: { at: here.host(node, "wg0"), packet: inner } }];
};
