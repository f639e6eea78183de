// A pod's network namespace: eth0 (the pod end of the veth) with a route to its node's podCIDR and
// a default route via bridge0's address, as the bridge CNI plugin with isDefaultGateway sets it up.
import { isControllerLabels } from "../../ingress/controller.ts";
import { formatIpv4, prefixContains } from "../../model/address.ts";
import type { Pod } from "../../model/cluster.ts";
import type { Device, StepContext, StepRecord } from "../device.ts";
import { here, podKey } from "../locations.ts";
import { ingressProxy } from "./ingress-proxy.ts";
import { type Receiver, receive } from "./socket.ts";

function listens(pod: Pod, port: number): boolean {
  return pod.ports.some((p) => p.containerPort === port && p.protocol === "TCP");
}

/** Built only when the pod receives: most pod hops send. */
function receiver(pod: Pod, ctx: StepContext): Receiver {
  return {
    who: `pod ${podKey(pod)}`,
    listeners: ctx.net.podListeners(pod),
    replyFrom: here.podOut(pod),
    pod: podKey(pod),
  };
}

export const podDevice: Device = (packet, at, ctx) => {
  const pod = at.pod!;
  const node = ctx.net.node(pod.node);
  if (at.direction === "in") {
    if (packet.dst !== pod.ip) {
      return [
        {
          steps: [
            {
              type: "drop",
              action: "DROPPED",
              reason: `${formatIpv4(packet.dst)} is not this pod's address (${formatIpv4(pod.ip)}) and pods do not forward`,
            },
          ],
          end: { disposition: "DROPPED", reason: "packet for another address reached the pod" },
        },
      ];
    }
    const received: StepRecord = { type: "receive", action: "RECEIVED", reason: `on eth0 (${formatIpv4(pod.ip)})` };
    if (packet.http && !ctx.state.replyTo && isControllerLabels(pod.labels) && listens(pod, packet.dport)) {
      return ingressProxy(packet, pod, ctx).map((o) => ({ ...o, steps: [received, ...o.steps] }));
    }
    return receive(packet, receiver(pod, ctx), ctx, [received]);
  }
  if (packet.dst === pod.ip) {
    return receive(packet, receiver(pod, ctx), ctx, [
      {
        type: "route",
        action: "LOCAL",
        reason: "destination is the pod's own address: loopback",
        rule: `local ${formatIpv4(pod.ip)} dev lo table local`,
      },
    ]);
  }
  const onLink = prefixContains(node.podCidr, packet.dst);
  const rule = onLink
    ? `${node.podCidr.text} dev eth0 proto kernel scope link src ${formatIpv4(pod.ip)}`
    : `default via ${formatIpv4(node.bridgeIp)} dev eth0`;
  const l2Target = onLink ? packet.dst : node.bridgeIp;
  return [
    {
      steps: [
        {
          type: "route",
          action: "FORWARDED",
          reason: onLink
            ? "destination is on the pod's subnet: sent straight to it on the bridge"
            : "off-subnet: to the default gateway, bridge0",
          rule,
        },
        { type: "arp", action: "RESOLVED", reason: `ARP for ${formatIpv4(l2Target)} on eth0` },
      ],
      next: { at: here.vethToBridge(node, pod, l2Target), packet },
    },
  ];
};
