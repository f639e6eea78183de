// An external client: outside the cluster, reaching the nodes through the underlay's gateway router.
import { formatIpv4 } from "../../model/address.ts";
import { type Device, ended } from "../device.ts";
import { here } from "../locations.ts";
import { receive } from "./socket.ts";

export const clientDevice: Device<"client"> = (packet, at, ctx) => {
  const { client } = at;
  if (at.direction === "in") {
    const receiver = { kind: "client", name: client.name } as const;
    return receive(packet, { receiver, listeners: null, replyFrom: here.clientOut(client) }, ctx, [
      { type: "receive", action: "RECEIVED", detail: { kind: "receive", ip: formatIpv4(client.ip) } },
    ]);
  }
  const gw = ctx.net.cluster.underlay.gateway;
  if (gw === undefined) {
    return ended([{ type: "route", action: "NO_ROUTE", detail: { kind: "uplink" } }], "NO_ROUTE", {
      kind: "no-gateway",
    });
  }
  return [
    {
      steps: [{ type: "route", action: "FORWARDED", detail: { kind: "uplink", gateway: formatIpv4(gw) } }],
      next: { at: here.underlay(gw), packet },
    },
  ];
};
