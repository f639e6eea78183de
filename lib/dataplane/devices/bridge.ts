// bridge0: an L2 switch for the node's podCIDR. It forwards frames by destination MAC; frames for
// bridge0's own MAC (the pods' gateway) go up to the node's IP stack, which does all routing.
import { formatIpv4 } from "../../model/address.ts";
import { type Device, ended } from "../device.ts";
import { reverseNat } from "../conntrack.ts";
import { here, podRef } from "../locations.ts";

export const bridgeDevice: Device<"bridge"> = (packet, at, ctx) => {
  const { node, l2Target: target } = at;
  if (target === node.bridgeIp) {
    return [
      {
        steps: [
          {
            type: "bridge",
            action: "TO_HOST",
            detail: { kind: "to-host", node: node.name, gateway: formatIpv4(node.bridgeIp) },
          },
        ],
        next: { at: here.host(node, "bridge0", at.fromPod), packet },
      },
    ];
  }
  const pod = ctx.net.podsByIp.get(target);
  if (!pod || pod.node !== node.name) {
    const address = formatIpv4(target);
    return ended(
      [
        {
          type: "arp",
          action: "NO_ANSWER",
          detail: { kind: "arp", segment: "bridge0", target: address, answered: false, node: node.name },
        },
      ],
      "NEIGHBOR_UNREACHABLE",
      { kind: "neighbor-unreachable", segment: "bridge0", node: node.name, address },
    );
  }
  // br_netfilter: bridged frames pass iptables too, so conntrack un-NATs a reply between two pods
  // of this bridge (without it the answer would reach the client from the wrong address).
  const unNat = reverseNat(packet, node.name, ctx.state, "br_netfilter");
  const steps = unNat ? [unNat.step] : [];
  const out = unNat?.packet ?? packet;
  const hairpin = pod === at.fromPod;
  steps.push({
    type: "bridge",
    action: hairpin ? "HAIRPIN" : "FORWARDED",
    detail: { kind: "fdb", node: node.name, target: formatIpv4(target), port: pod.veth, pod: podRef(pod), hairpin },
    rule: `fdb ${formatIpv4(target)} port ${pod.veth}${hairpin ? " hairpin on" : ""}`,
  });
  return [{ steps, next: { at: here.vethToPod(node, pod), packet: out } }];
};
