// eth0: the node's port on the underlay. Outbound it enforces the underlay MTU (DF: drop with ICMP
// fragmentation needed; no DF, as on WireGuard's outer packets: fragment).
import { formatIpv4 } from "../../model/address.ts";
import type { Device, StepRecord } from "../device.ts";
import { here } from "../locations.ts";

export const nicDevice: Device<"nic"> = (packet, at, ctx) => {
  const { node } = at;
  if (at.direction === "in") {
    return [
      {
        steps: [
          { type: "receive", action: "RECEIVED", detail: { kind: "receive", ip: formatIpv4(node.ip), iface: "eth0" } },
        ],
        next: { at: here.host(node, "eth0"), packet },
      },
    ];
  }
  const mtu = ctx.net.cluster.underlay.mtu;
  const { size, df } = packet;
  if (size > mtu && df) {
    return [
      {
        steps: [
          {
            type: "mtu",
            action: "TOO_BIG",
            detail: { kind: "mtu", node: node.name, iface: "eth0", mtu, size, df },
            rule: `eth0 mtu ${mtu}`,
          },
        ],
        end: {
          disposition: "MTU_EXCEEDED",
          detail: { kind: "mtu-exceeded", node: node.name, iface: "eth0", size, mtu },
          rule: `eth0 mtu ${mtu}`,
        },
      },
    ];
  }
  const transmit: StepRecord = {
    type: "transmit",
    action: "TRANSMITTED",
    detail: { kind: "nic-transmit", node: node.name, nextHop: formatIpv4(at.l2Target) },
  };
  if (size > mtu) {
    // Without DF the IP layer fragments. WireGuard's outer packets never carry DF (the kernel module
    // sets skb->ignore_df and passes df=0 to udp_tunnel_xmit_skb; wireguard-go's UDP socket
    // fragments too), so a too-high wg0 MTU costs fragmentation, not the packet.
    const fragments = Math.ceil((size - 20) / (Math.floor((mtu - 20) / 8) * 8));
    return [
      {
        steps: [
          {
            type: "mtu",
            action: "FRAGMENTED",
            detail: { kind: "mtu", node: node.name, iface: "eth0", mtu, size, df, fragments, tunnel: !!packet.inner },
            rule: `eth0 mtu ${mtu}`,
          },
          transmit,
        ],
        next: { at: here.underlay(at.l2Target), packet },
      },
    ];
  }
  return [{ steps: [transmit], next: { at: here.underlay(at.l2Target), packet } }];
};
