// A veth pair: what goes in one end comes out of the other, pod eth0 <-> a port of bridge0.
import type { Device } from "../device.ts";
import { here } from "../locations.ts";

export const vethDevice: Device = (packet, at) => {
  const node = at.node!;
  const pod = at.pod!;
  if (at.direction === "in") {
    return [
      {
        steps: [{ type: "transmit", action: "TRANSMITTED", reason: `pod eth0 -> ${pod.veth}, a port of bridge0` }],
        next: { at: here.bridge(node, at.l2Target!, pod), packet },
      },
    ];
  }
  return [
    {
      steps: [{ type: "transmit", action: "TRANSMITTED", reason: `${pod.veth} -> pod eth0` }],
      next: { at: here.podIn(pod), packet },
    },
  ];
};
