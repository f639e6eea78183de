// The underlay: the nodes' L2 segment and its gateway router, which connects the clients (and the
// rest of the world) to the nodes. Pod and Service addresses are not routed outside the cluster.
import { formatIpv4, prefixContains } from "../../model/address.ts";
import type { StepDetail } from "../../model/step-detail.ts";
import { type ConntrackEntry, type Device, ended, type Location, type Outcome } from "../device.ts";
import type { Packet } from "../../model/packet.ts";
import { isReplyTo } from "../conntrack.ts";
import { here } from "../locations.ts";

type RouterDetail = Extract<StepDetail, { kind: "router" }>;

export const underlayDevice: Device<"underlay"> = (packet, at, ctx) => {
  const { underlay, clusterCidr } = ctx.net.cluster;
  const target = at.l2Target;
  const lbHere = ctx.net.lbsByAddress.get(target);
  const node = lbHere ? undefined : ctx.net.nodesByIp.get(target);
  if (lbHere || node) {
    const to = lbHere ? ({ kind: "lb", name: lbHere.name } as const) : ({ kind: "node", name: node!.name } as const);
    return [
      {
        steps: [{ type: "bridge", action: "SWITCHED", detail: { kind: "switched", target: formatIpv4(target), to } }],
        next: { at: lbHere ? here.lbReturn(lbHere) : here.nicIn(node!), packet },
      },
    ];
  }
  if (target !== underlay.gateway) {
    const address = formatIpv4(target);
    return ended(
      [
        {
          type: "arp",
          action: "NO_ANSWER",
          detail: { kind: "arp", segment: "underlay", target: address, answered: false },
        },
      ],
      "NEIGHBOR_UNREACHABLE",
      { kind: "neighbor-unreachable", segment: "underlay", address },
    );
  }
  const gateway = formatIpv4(target);
  const destination = formatIpv4(packet.dst);
  const forward = (detail: Omit<RouterDetail, "kind" | "gateway" | "destination">, next: Location): Outcome[] => [
    {
      steps: [{ type: "route", action: "FORWARDED", detail: { kind: "router", gateway, destination, ...detail } }],
      next: { at: next, packet },
    },
  ];
  const lb = ctx.net.lbsByVip.get(packet.dst);
  if (lb) return forward({ decision: "lb-vip", to: lb.name }, here.lbIn(lb));
  // A load balancer that kept the client's address sits in the return path: the router hands the
  // answer back to it, so it can restore the VIP the client talked to.
  const via = returningThrough(ctx.state.conntrack, packet);
  if (via) {
    const back = ctx.net.lbsByName.get(via.name)!;
    return forward({ decision: "lb-return", to: back.name }, here.lbReturn(back));
  }
  const client = ctx.net.clientsByIp.get(packet.dst);
  if (client) return forward({ decision: "client", to: client.name }, here.clientIn(client));
  if (prefixContains(underlay.cidr, packet.dst)) {
    const dstNode = ctx.net.nodesByIp.get(packet.dst);
    if (dstNode)
      return forward({ decision: "connected", to: dstNode.name, prefix: underlay.cidr.text }, here.nicIn(dstNode));
    return ended(
      [
        {
          type: "arp",
          action: "NO_ANSWER",
          detail: { kind: "arp", segment: "router", target: destination, answered: false, router: gateway },
        },
      ],
      "NEIGHBOR_UNREACHABLE",
      { kind: "neighbor-unreachable", segment: "underlay", address: destination },
    );
  }
  if (prefixContains(clusterCidr, packet.dst) || prefixContains(ctx.net.cluster.serviceCidr, packet.dst)) {
    return ended(
      [{ type: "route", action: "NO_ROUTE", detail: { kind: "router", gateway, destination, decision: "not-routed" } }],
      "NO_ROUTE",
      { kind: "not-routed", router: gateway, destination },
    );
  }
  return ended(
    [
      {
        type: "route",
        action: "EXITS_NETWORK",
        detail: { kind: "router", gateway, destination, decision: "internet" },
      },
    ],
    "EXITS_NETWORK",
    { kind: "outside", destination },
  );
};

function returningThrough(conntrack: readonly ConntrackEntry[], p: Packet): ConntrackEntry | undefined {
  return conntrack.find((e) => e.by === "lb" && isReplyTo(e, p));
}
