// IPVS, as kube-proxy's IPVS mode uses it: a packet for a virtual service (a Service address
// bound to kube-ipvs0, or a NodePort) reaches the node's LOCAL_IN, where IPVS rewrites its
// destination to one real server and sends it on (NAT, "Masq"). The scheduler's pick depends on
// live state kubehop does not have (its turn in rr, active connections in lc), so each real server
// is a branch with its weight's share. Without the node's IPVS table, the answer is undecided,
// never a guessed DNAT.
import { formatIpv4 } from "../../model/address.ts";
import type { Node } from "../../model/cluster.ts";
import type { IpvsService } from "../../model/ipvs.ts";
import { type Packet, rewrite } from "../../model/packet.ts";
import type { EndDetail } from "../../model/step-detail.ts";
import type { Disposition } from "../../model/step.ts";
import type { StepContext, StepRecord } from "../device.ts";

export type IpvsDecision =
  | {
      readonly kind: "servers";
      readonly branches: readonly { share: number; step: StepRecord; packet: Packet; choice: string }[];
    }
  | { readonly kind: "end"; readonly disposition: Disposition; readonly detail: EndDetail };

/** What IPVS does with a packet that reached the node's LOCAL_IN; undefined: IPVS leaves it to the node's sockets. */
export function ipvsDecision(packet: Packet, node: Node, ctx: StepContext): IpvsDecision | undefined {
  const ipvs = ctx.net.ipvs(node);
  if (!ipvs) return undefined;
  if (!ipvs.table) {
    const bound = ctx.net.addresses(node).interfaces.find((i) => i.name === "kube-ipvs0");
    if (!bound?.addresses.some((a) => a.ip === packet.dst)) return undefined;
    const destination = { ip: formatIpv4(packet.dst), port: packet.dport };
    return {
      kind: "end",
      disposition: "UNDECIDED",
      detail: { kind: "ipvs-unknown", node: node.name, destination, evidence: ipvs.evidence },
    };
  }
  const service = ipvs.table.services.find(
    (s) => s.proto === packet.proto && s.ip === packet.dst && s.port === packet.dport,
  );
  if (!service) return undefined;
  const fact = { proto: service.proto, ip: formatIpv4(service.ip), port: service.port };
  const taking = service.reals.filter((r) => r.weight > 0);
  const total = taking.reduce((sum, r) => sum + r.weight, 0);
  if (total === 0)
    return { kind: "end", disposition: "REJECTED", detail: { kind: "ipvs-no-server", node: node.name, service: fact } };
  return { kind: "servers", branches: taking.map((r) => branch(packet, node, service, fact, r, total)) };
}

function branch(
  packet: Packet,
  node: Node,
  service: IpvsService,
  fact: { proto: string; ip: string; port: number },
  real: IpvsService["reals"][number],
  total: number,
) {
  const after = rewrite(packet, { dst: real.ip, dport: real.port });
  const realText = `${formatIpv4(real.ip)}:${real.port}`;
  const step: StepRecord = {
    type: "dnat",
    action: "DNAT",
    detail: {
      kind: "ipvs",
      node: node.name,
      service: fact,
      scheduler: service.scheduler,
      real: { ip: formatIpv4(real.ip), port: real.port },
      weight: real.weight,
      totalWeight: total,
      ...(service.persistent !== undefined ? { persistent: service.persistent } : {}),
    },
    rule: `-a ${PROTO_FLAG[service.proto]} ${fact.ip}:${fact.port} -r ${realText} -m -w ${real.weight}`,
    before: packet,
    after,
  };
  return {
    share: real.weight / total,
    step,
    packet: after,
    choice: `IPVS ${service.scheduler} on ${node.name}: ${realText}`,
  };
}

const PROTO_FLAG: Readonly<Record<IpvsService["proto"], string>> = { tcp: "-t", udp: "-u", sctp: "--sctp-service" };
