// bridge0: an L2 switch for the node's podCIDR. It forwards frames by destination MAC; frames for
// bridge0's own MAC (the pods' gateway) go up to the node's IP stack, which does all routing.
import { formatIpv4 } from "../../model/address.ts";
import { type Device, ended } from "../device.ts";
import { reverseNat } from "../conntrack.ts";
import { here, podKey } from "../locations.ts";

export const bridgeDevice: Device = (packet, at, ctx) => {
  const node = at.node!;
  const target = at.l2Target!;
  if (target === node.bridgeIp) {
    return [
      {
        steps: [
          {
            type: "bridge",
            action: "TO_HOST",
            reason: `frame for bridge0's own MAC (${formatIpv4(node.bridgeIp)}, the pods' gateway): up to ${node.name}'s IP stack`,
          },
        ],
        next: { at: here.host(node, "bridge0", at.fromPod), packet },
      },
    ];
  }
  const pod = ctx.net.podsByIp.get(target);
  if (!pod || pod.node !== node.name) {
    return ended(
      [
        {
          type: "arp",
          action: "NO_ANSWER",
          reason: `ARP for ${formatIpv4(target)} on bridge0 gets no answer: no pod on ${node.name} has that address`,
        },
      ],
      "NEIGHBOR_UNREACHABLE",
      `no pod on ${node.name} has ${formatIpv4(target)}`,
    );
  }
  // br_netfilter: bridged frames pass iptables too, so conntrack un-NATs a reply between two pods
  // of this bridge (without it the answer would reach the client from the wrong address).
  const unNat = reverseNat(packet, node.name, ctx.state, "br_netfilter:");
  const steps = unNat ? [unNat.step] : [];
  const out = unNat?.packet ?? packet;
  if (pod === at.fromPod) {
    steps.push({
      type: "bridge",
      action: "HAIRPIN",
      reason: `back out of ${pod.veth}, the port the frame came in on: the pod reached itself through a Service, which needs hairpin_mode on the port (the bridge CNI's hairpinMode)`,
      rule: `fdb ${formatIpv4(target)} port ${pod.veth} hairpin on`,
    });
    return [{ steps, next: { at: here.vethToPod(node, pod), packet: out } }];
  }
  steps.push({
    type: "bridge",
    action: "FORWARDED",
    reason: `FDB: ${formatIpv4(target)} (pod ${podKey(pod)}) is behind port ${pod.veth}`,
    rule: `fdb ${formatIpv4(target)} port ${pod.veth}`,
  });
  return [{ steps, next: { at: here.vethToPod(node, pod), packet: out } }];
};
