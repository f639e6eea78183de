// eth0: the node's port on the underlay. Outbound it enforces the underlay MTU.
import { formatIpv4 } from "../../model/address.ts";
import type { Device } from "../device.ts";
import { here } from "../locations.ts";

export const nicDevice: Device = (packet, at, ctx) => {
  const node = at.node!;
  if (at.direction === "in") {
    return [{ steps: [{ type: "receive", action: "RECEIVED", reason: `on eth0 (${formatIpv4(node.ip)})` }], next: { at: here.host(node, "eth0"), packet } }];
  }
  const mtu = ctx.net.cluster.underlay.mtu;
  if (packet.size > mtu && packet.df) {
    const silent = packet.inner ? "WireGuard sets DF on its UDP packets: the packet is dropped silently (a too-high wg0 MTU)" : "the sender gets ICMP fragmentation needed";
    return [{
      steps: [{ type: "mtu", action: "TOO_BIG", reason: `${packet.size} bytes exceed eth0's MTU ${mtu} with DF set; ${silent}`, rule: `eth0 mtu ${mtu}` }],
      end: { disposition: "MTU_EXCEEDED", reason: `${packet.size}-byte packet over the underlay MTU ${mtu} on ${node.name}`, rule: `eth0 mtu ${mtu}` },
    }];
  }
  return [{ steps: [{ type: "transmit", action: "TRANSMITTED", reason: `out of eth0 to ${formatIpv4(at.l2Target!)}'s MAC` }], next: { at: here.underlay(at.l2Target!), packet } }];
};
