// An external client: outside the cluster, reaching the nodes through the underlay's gateway router.
import { formatIpv4 } from "../../model/address.ts";
import { type Device, ended } from "../device.ts";
import { here } from "../locations.ts";
import { receive } from "./socket.ts";

export const clientDevice: Device = (packet, at, ctx) => {
  const client = at.client!;
  if (at.direction === "in") {
    return receive(packet, { who: `client ${client.name}`, listeners: null, replyFrom: here.clientOut(client) }, ctx, [
      { type: "receive", action: "RECEIVED", reason: `at ${formatIpv4(client.ip)}` },
    ]);
  }
  const gw = ctx.net.cluster.underlay.gateway;
  if (gw === undefined) {
    return ended(
      [
        {
          type: "route",
          action: "NO_ROUTE",
          reason: "the underlay has no gateway: nothing connects clients to the nodes",
        },
      ],
      "NO_ROUTE",
      "no gateway between the client and the underlay",
    );
  }
  return [
    {
      steps: [
        {
          type: "route",
          action: "FORWARDED",
          reason: `through the internet to the underlay's gateway ${formatIpv4(gw)}`,
        },
      ],
      next: { at: here.underlay(gw), packet },
    },
  ];
};
