// wg0: an L3 device with no MAC. Outbound it picks the peer by longest-prefix match of the inner
// destination over AllowedIPs, encrypts and wraps the packet in UDP to the peer's endpoint; inbound
// it decrypts and drops (silently) an inner source the sending peer is not allowed to use.
import { formatIpv4 } from "../../model/address.ts";
import type { Device, Outcome, StepRecord, WgLocation } from "../device.ts";
import { here } from "../locations.ts";
import type { Packet } from "../../model/packet.ts";
import { peerFact, sourceOf } from "../facts.ts";
import { peerText } from "../wireguard-peers.ts";

/** IPv4 (20) + UDP (8) + WireGuard data header (16) + Poly1305 tag (16). */
export const WG_OVERHEAD = 60;

export const wireGuardDevice: Device<"wg"> = (packet, at, ctx) =>
  at.direction === "out" ? send(packet, at, ctx) : receive(packet, at, ctx);

const send: Device<"wg"> = (packet, at, ctx) => {
  const { node } = at;
  const { mtu, listenPort } = ctx.net.cluster.overlay;
  const { size, df } = packet;
  if (size > mtu && df) {
    return [
      {
        steps: [
          {
            type: "mtu",
            action: "TOO_BIG",
            detail: { kind: "mtu", node: node.name, iface: "wg0", mtu, size, df },
            rule: `wg0 mtu ${mtu}`,
          },
          { type: "icmp", action: "ICMP_FRAG_NEEDED", detail: { kind: "icmp-frag-needed", node: node.name, mtu } },
        ],
        end: {
          disposition: "MTU_EXCEEDED",
          detail: { kind: "mtu-exceeded", node: node.name, iface: "wg0", size, mtu },
          rule: `wg0 mtu ${mtu}`,
        },
      },
    ];
  }
  const destination = formatIpv4(packet.dst);
  const peer = ctx.net.peers.lookup(node, packet.dst);
  if (!peer?.endpoint) {
    const detail = {
      kind: "wg-no-peer",
      node: node.name,
      destination,
      ...(peer ? { peer: peerFact(peer) } : {}),
    } as const;
    return [
      {
        steps: [
          { type: "drop", action: "NO_PEER", detail },
          {
            type: "icmp",
            action: "ICMP_HOST_UNREACHABLE",
            detail: { kind: "icmp-host-unreachable", to: formatIpv4(packet.src) },
          },
        ],
        end: { disposition: "WG_NO_PEER", detail },
      },
    ];
  }
  // Plaintext is padded to a multiple of 16, never beyond the MTU (wireguard send.c).
  const padded = Math.max(size, Math.min(Math.ceil(size / 16) * 16, mtu));
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
      detail: { kind: "wg-peer", node: node.name, destination, peer: peerFact(peer) },
      rule: peerText(peer),
    },
    {
      type: "encapsulate",
      action: "ENCAPSULATED",
      detail: {
        kind: "encapsulation",
        node: node.name,
        outer: { src: sourceOf(outer), dst: { ip: formatIpv4(outer.dst), port: outer.dport } },
        overhead: WG_OVERHEAD,
        padding: padded - size,
      },
      before: packet,
      after: outer,
    },
  ];
  return [{ steps, next: { at: here.host(node), packet: outer } }];
};

function receive(outer: Packet, at: WgLocation, ctx: Parameters<Device>[2]): Outcome[] {
  const { node } = at;
  const inner = outer.inner!;
  const sender = ctx.net.nodesByIp.get(outer.src);
  const entry = sender ? ctx.net.peers.peerFor(node, sender) : undefined;
  if (!sender || !entry) {
    const detail = { kind: "wg-unknown-peer", node: node.name, source: formatIpv4(outer.src) } as const;
    return [{ steps: [{ type: "drop", action: "UNKNOWN_PEER", detail }], end: { disposition: "DROPPED", detail } }];
  }
  const allowedIps = entry.allowedIps.map((a) => a.text);
  const steps: StepRecord[] = [
    {
      type: "decapsulate",
      action: "DECAPSULATED",
      detail: { kind: "decapsulation", node: node.name, from: sourceOf(outer) },
      before: outer,
      after: inner,
    },
    {
      type: "decrypt",
      action: "DECRYPTED",
      detail: {
        kind: "wg-authenticated",
        node: node.name,
        peer: sender.name,
        publicKey: sender.wireguard.publicKey,
        allowedIps,
      },
      rule:
        `peer ${sender.wireguard.publicKey.slice(0, 8)}... (${sender.name}) ` +
        `allowed-ips ${allowedIps.join(", ") || "(none)"}`,
    },
  ];
  const owner = ctx.net.peers.lookup(node, inner.src);
  const source = {
    kind: "wg-source",
    node: node.name,
    peer: sender.name,
    source: formatIpv4(inner.src),
    allowedIps,
  } as const;
  if (!owner || owner.node !== sender) {
    const detail = { ...source, ...(owner ? { owner: owner.node.name } : {}) };
    steps.push({ type: "allowed-ips", action: "SOURCE_NOT_ALLOWED", detail });
    return [{ steps, end: { disposition: "WG_SOURCE_NOT_ALLOWED", detail } }];
  }
  steps.push({ type: "allowed-ips", action: "ALLOWED", detail: { ...source, match: owner.allowedIp.text } });
  return [{ steps, next: { at: here.host(node, "wg0"), packet: inner } }];
}
