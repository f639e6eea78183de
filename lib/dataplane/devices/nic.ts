// eth0: the node's port on the underlay. Outbound it enforces the underlay MTU (DF: drop with ICMP
// fragmentation needed; no DF, as on WireGuard's outer packets: fragment).
import { formatIpv4 } from "../../model/address.ts";
import type { Device } from "../device.ts";
import { here } from "../locations.ts";

export const nicDevice: Device = (packet, at, ctx) => {
  const node = at.node!;
  if (at.direction === "in") {
    return [
      {
        steps: [{ type: "receive", action: "RECEIVED", reason: `on eth0 (${formatIpv4(node.ip)})` }],
        next: { at: here.host(node, "eth0"), packet },
      },
    ];
  }
  const mtu = ctx.net.cluster.underlay.mtu;
  if (packet.size > mtu && packet.df) {
    return [
      {
        steps: [
          {
            type: "mtu",
            action: "TOO_BIG",
            reason: `${packet.size} bytes exceed eth0's MTU ${mtu} with DF set; the sender gets ICMP fragmentation needed`,
            rule: `eth0 mtu ${mtu}`,
          },
        ],
        end: {
          disposition: "MTU_EXCEEDED",
          reason: `${packet.size}-byte packet over the underlay MTU ${mtu} on ${node.name}`,
          rule: `eth0 mtu ${mtu}`,
        },
      },
    ];
  }
  const transmit = {
    type: "transmit" as const,
    action: "TRANSMITTED",
    reason: `out of eth0 to ${formatIpv4(at.l2Target!)}'s MAC`,
  };
  if (packet.size > mtu) {
    // Without DF the IP layer fragments. WireGuard's outer packets never carry DF (the kernel module
    // sets skb->ignore_df and passes df=0 to udp_tunnel_xmit_skb; wireguard-go's UDP socket
    // fragments too), so a too-high wg0 MTU costs fragmentation, not the packet.
    const n = Math.ceil((packet.size - 20) / (Math.floor((mtu - 20) / 8) * 8));
    const why = packet.inner
      ? "WireGuard sends its UDP packets without DF: a too-high wg0 MTU makes the outer packet fragment"
      : "DF is not set";
    return [
      {
        steps: [
          {
            type: "mtu",
            action: "FRAGMENTED",
            reason: `${packet.size} bytes exceed eth0's MTU ${mtu}; ${why} (${n} fragments, reassembled by the receiver)`,
            rule: `eth0 mtu ${mtu}`,
          },
          transmit,
        ],
        next: { at: here.underlay(at.l2Target!), packet },
      },
    ];
  }
  return [{ steps: [transmit], next: { at: here.underlay(at.l2Target!), packet } }];
};
