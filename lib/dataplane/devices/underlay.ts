// The underlay: the nodes' L2 segment and its gateway router, which connects the clients (and the
// rest of the world) to the nodes. Pod and Service addresses are not routed outside the cluster.
import { formatIpv4, prefixContains } from "../../model/address.ts";
import { type ConntrackEntry, type Device, ended } from "../device.ts";
import type { Packet } from "../../model/packet.ts";
import { isReplyTo } from "../conntrack.ts";
import { here } from "../locations.ts";

export const underlayDevice: Device = (packet, at, ctx) => {
  const { underlay, clusterCidr } = ctx.net.cluster;
  const target = at.l2Target!;
  const lbHere = ctx.net.lbsByAddress.get(target);
  if (lbHere) {
    return [
      {
        steps: [
          { type: "bridge", action: "SWITCHED", reason: `to load balancer ${lbHere.name} (${formatIpv4(target)})` },
        ],
        next: { at: here.lbReturn(lbHere), packet },
      },
    ];
  }
  const node = ctx.net.nodesByIp.get(target);
  if (node) {
    return [
      {
        steps: [{ type: "bridge", action: "SWITCHED", reason: `to ${node.name}'s eth0 (${formatIpv4(target)})` }],
        next: { at: here.nicIn(node), packet },
      },
    ];
  }
  if (target !== underlay.gateway) {
    return ended(
      [{ type: "arp", action: "NO_ANSWER", reason: `ARP for ${formatIpv4(target)} on the underlay gets no answer` }],
      "NEIGHBOR_UNREACHABLE",
      `nothing on the underlay has ${formatIpv4(target)}`,
    );
  }
  const gw = formatIpv4(target);
  const lb = ctx.net.lbsByVip.get(packet.dst);
  if (lb) {
    return [
      {
        steps: [
          {
            type: "route",
            action: "FORWARDED",
            reason: `router ${gw}: ${formatIpv4(packet.dst)} is load balancer ${lb.name}'s VIP`,
          },
        ],
        next: { at: here.lbIn(lb), packet },
      },
    ];
  }
  // A load balancer that kept the client's address sits in the return path: the router hands the
  // answer back to it, so it can restore the VIP the client talked to.
  const via = returningThrough(ctx.state.conntrack, packet);
  if (via) {
    const back = ctx.net.lbsByName.get(via.slice(3))!;
    return [
      {
        steps: [
          {
            type: "route",
            action: "FORWARDED",
            reason: `router ${gw}: the answer of a connection load balancer ${back.name} opened goes back through it`,
          },
        ],
        next: { at: here.lbReturn(back), packet },
      },
    ];
  }
  const client = ctx.net.clientsByIp.get(packet.dst);
  if (client) {
    return [
      {
        steps: [{ type: "route", action: "FORWARDED", reason: `router ${gw} forwards to client ${client.name}` }],
        next: { at: here.clientIn(client), packet },
      },
    ];
  }
  if (prefixContains(underlay.cidr, packet.dst)) {
    const dstNode = ctx.net.nodesByIp.get(packet.dst);
    if (dstNode) {
      return [
        {
          steps: [
            {
              type: "route",
              action: "FORWARDED",
              reason: `router ${gw}: ${underlay.cidr.text} is connected; to ${dstNode.name}`,
            },
          ],
          next: { at: here.nicIn(dstNode), packet },
        },
      ];
    }
    return ended(
      [{ type: "arp", action: "NO_ANSWER", reason: `router ${gw}: ARP for ${formatIpv4(packet.dst)} gets no answer` }],
      "NEIGHBOR_UNREACHABLE",
      `nothing on the underlay has ${formatIpv4(packet.dst)}`,
    );
  }
  if (prefixContains(clusterCidr, packet.dst) || prefixContains(ctx.net.cluster.serviceCidr, packet.dst)) {
    const why = `router ${gw} has no route to ${formatIpv4(packet.dst)}: pod and Service addresses are not routed outside the cluster`;
    return ended([{ type: "route", action: "NO_ROUTE", reason: why }], "NO_ROUTE", why);
  }
  return ended(
    [
      {
        type: "route",
        action: "EXITS_NETWORK",
        reason: `router ${gw} sends ${formatIpv4(packet.dst)} on towards the internet`,
      },
    ],
    "EXITS_NETWORK",
    `${formatIpv4(packet.dst)} is outside the modelled network`,
  );
};

function returningThrough(conntrack: readonly ConntrackEntry[], p: Packet): string | undefined {
  return conntrack.find((e) => e.node.startsWith("lb/") && isReplyTo(e, p))?.node;
}
