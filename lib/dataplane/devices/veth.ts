// A veth pair: what goes in one end comes out of the other, pod eth0 <-> a port of bridge0.
import type { Device } from "../device.ts";
import { here } from "../locations.ts";

export const vethDevice: Device<"veth"> = (packet, at) => {
  const { node, pod } = at;
  if (at.direction === "in") {
    return [
      {
        steps: [
          {
            type: "transmit",
            action: "TRANSMITTED",
            detail: { kind: "veth", node: node.name, veth: pod.veth, towards: "bridge" },
          },
        ],
        next: { at: here.bridge(node, at.l2Target, pod), packet },
      },
    ];
  }
  return [
    {
      steps: [
        {
          type: "transmit",
          action: "TRANSMITTED",
          detail: { kind: "veth", node: node.name, veth: pod.veth, towards: "pod" },
        },
      ],
      next: { at: here.podIn(pod), packet },
    },
  ];
};
