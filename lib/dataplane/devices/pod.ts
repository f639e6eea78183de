// A pod's network namespace: eth0 (the pod end of the veth) with a route to its node's podCIDR and
// a default route via bridge0's address, as the bridge CNI plugin with isDefaultGateway sets it up.
import { isControllerLabels } from "../../ingress/controller.ts";
import { formatIpv4, prefixContains } from "../../model/address.ts";
import { controllerOf } from "../../model/ingress.ts";
import type { Pod } from "../../model/cluster.ts";
import type { Device, Outcome, StepContext, StepRecord } from "../device.ts";
import { here, podRef } from "../locations.ts";
import { ingressProxy } from "./ingress-proxy.ts";
import { gatewayProxy, servedGateway } from "./gateway-proxy.ts";
import { type Receiver, receive } from "./socket.ts";

function listens(pod: Pod, port: number): boolean {
  return pod.ports.some((p) => p.containerPort === port && p.protocol === "TCP");
}

/** Built only when the pod receives: most pod hops send. */
function receiver(pod: Pod, ctx: StepContext): Receiver {
  return {
    receiver: { kind: "pod", namespace: pod.namespace, name: pod.name },
    listeners: ctx.net.podListeners(pod),
    replyFrom: here.podOut(pod),
  };
}

export const podDevice: Device<"pod"> = (packet, at, ctx) => {
  const { pod } = at;
  const node = ctx.net.node(pod.node);
  if (at.direction === "in") {
    if (packet.dst !== pod.ip) {
      const detail = {
        kind: "not-for-pod",
        pod: podRef(pod),
        destination: formatIpv4(packet.dst),
        podIp: formatIpv4(pod.ip),
      } as const;
      return [
        {
          steps: [{ type: "drop", action: "DROPPED", detail }],
          end: { disposition: "DROPPED", detail },
        },
      ];
    }
    const received: StepRecord = {
      type: "receive",
      action: "RECEIVED",
      detail: { kind: "receive", ip: formatIpv4(pod.ip), iface: "eth0" },
    };
    if (packet.http && !ctx.state.replyTo && isControllerLabels(pod.labels)) {
      if (servesIngress(packet.dport, pod, ctx))
        return ingressProxy(packet, pod, ctx).map((o) => ({ ...o, steps: [received, ...o.steps] }));
      if (listens(pod, packet.dport)) return otherControllerPort(packet.dport, pod, ctx, received);
    }
    const gateway = packet.http && !ctx.state.replyTo ? servedGateway(pod, packet.dport, ctx) : undefined;
    if (gateway && listens(pod, packet.dport))
      return gatewayProxy(packet, pod, gateway, ctx).map((o) => ({ ...o, steps: [received, ...o.steps] }));
    return receive(packet, receiver(pod, ctx), ctx, [received]);
  }
  if (packet.dst === pod.ip) {
    return receive(packet, receiver(pod, ctx), ctx, [
      {
        type: "route",
        action: "LOCAL",
        detail: { kind: "loopback", pod: podRef(pod), address: formatIpv4(pod.ip) },
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
          detail: {
            kind: "pod-route",
            pod: podRef(pod),
            destination: formatIpv4(packet.dst),
            onLink,
            nextHop: formatIpv4(l2Target),
          },
          rule,
        },
        {
          type: "arp",
          action: "RESOLVED",
          detail: { kind: "arp", segment: "eth0", target: formatIpv4(l2Target), answered: true },
        },
      ],
      next: { at: here.vethToBridge(node, pod, l2Target), packet },
    },
  ];
};

/** nginx serves Ingresses on the controller's --http-port and --https-port, declared as containerPorts or not. */
function servesIngress(port: number, pod: Pod, ctx: StepContext): boolean {
  const { httpPort, httpsPort } = controllerOf(ctx.net.cluster.ingress, pod).config;
  return port === httpPort || port === httpsPort;
}

/** The controller pod declares the port but nginx does not serve Ingresses on it: no answer is known. */
function otherControllerPort(port: number, pod: Pod, ctx: StepContext, received: StepRecord): Outcome[] {
  const { httpPort, httpsPort } = controllerOf(ctx.net.cluster.ingress, pod).config;
  const detail = { kind: "controller-other-port", controller: podRef(pod), port, httpPort, httpsPort } as const;
  return [
    { steps: [received], state: { ...ctx.state, http: undefined }, end: { disposition: "UNDECIDED" as const, detail } },
  ];
}
