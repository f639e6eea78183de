// The external load balancer: picks a healthy node for each new connection and either rewrites the
// destination to nodeIP:nodePort (NodePort mode) or hands the packet on unchanged (pass-through, the
// VIP then meets kube-proxy's LB-IP rule). Under externalTrafficPolicy Local only nodes whose
// healthCheckNodePort answers 200 (a local ready endpoint) are in rotation.
import { createHash } from "node:crypto";
import { formatIpv4 } from "../../model/address.ts";
import type { LoadBalancer, Node, Service } from "../../model/cluster.ts";
import type { StepDetail } from "../../model/step-detail.ts";
import { reverseNat } from "../conntrack.ts";
import { type Device, ended, type Outcome, type StepContext, type StepRecord } from "../device.ts";
import { here } from "../locations.ts";
import type { Network } from "../network.ts";
import { type Packet, rewrite } from "../../model/packet.ts";

export const loadBalancerDevice: Device<"lb"> = (packet, at, ctx) => {
  const { lb } = at;
  if (at.direction === "out") return returning(packet, lb, ctx);
  const svc = ctx.net.cluster.services.find((s) => s.namespace === lb.service.namespace && s.name === lb.service.name);
  const port = svc?.ports.find((p) => p.port === packet.dport && p.protocol.toLowerCase() === packet.proto);
  if (!svc || !port) {
    const listeners = svc?.ports.map((p) => ({ port: p.port, protocol: p.protocol })) ?? [];
    const detail = {
      kind: "lb-no-listener",
      lb: lb.name,
      port: packet.dport,
      proto: packet.proto.toUpperCase(),
      listeners,
    } as const;
    return ended([{ type: "drop", action: "REFUSED", detail }], "CONNECTION_REFUSED", detail);
  }
  const health = healthChecks(ctx.net, svc, lb);
  const steps: StepRecord[] = health.map((h) => ({
    type: "netfilter",
    action: h.ok ? "HEALTHY" : "UNHEALTHY",
    detail: h.detail,
  }));
  const healthy = health.filter((h) => h.ok).map((h) => h.node);
  if (healthy.length === 0) {
    const detail = { kind: "lb-no-healthy", lb: lb.name } as const;
    return ended([...steps, { type: "drop", action: "NO_BACKEND", detail }], "DROPPED", detail);
  }
  const chosen = choose(lb.algorithm, healthy, packet.src);
  return chosen.map(({ node, probability, why, pick }): Outcome => {
    const nodePort = port.nodePort;
    const after =
      lb.mode === "passthrough" || nodePort === undefined
        ? packet
        : rewrite(packet, { dst: node.ip, dport: nodePort, ...(lb.preserveClientIp ? {} : { src: lb.address }) });
    const nat: StepRecord = {
      type: after === packet ? "route" : after.src !== packet.src ? "snat" : "dnat",
      action: after === packet ? "FORWARDED" : "NAT",
      detail: {
        kind: "lb-pick",
        lb: lb.name,
        algorithm: lb.algorithm,
        node: node.name,
        ...pick,
        listener: { ip: formatIpv4(lb.vip), port: packet.dport },
        ...(after === packet ? {} : { nodePort: { ip: formatIpv4(node.ip), port: after.dport } }),
        clientIpKept: lb.preserveClientIp,
        lbAddress: formatIpv4(lb.address),
        service: `${svc.namespace}/${svc.name}`,
      },
      rule:
        `${lb.name} listener ${packet.dport}/${port.protocol} ` +
        `-> ${svc.namespace}/${svc.name}:${port.name || port.port}`,
      before: packet,
      after,
    };
    const conntrack =
      after === packet
        ? ctx.state.conntrack
        : [...ctx.state.conntrack, { by: "lb" as const, name: lb.name, original: packet, translated: after }];
    return {
      steps: [...steps, nat],
      probability,
      choice: why,
      state: { ...ctx.state, conntrack },
      next: { at: here.underlay(node.ip), packet: after },
    };
  });
};

/** The answer of a connection the LB rewrote: un-NAT it and send it back towards the client. */
function returning(packet: Packet, lb: LoadBalancer, ctx: StepContext): Outcome[] {
  const r = reverseNat(packet, lb.name, ctx.state, "lb");
  if (!r) {
    const detail = { kind: "lb-untracked", lb: lb.name } as const;
    return ended([{ type: "drop", action: "DROPPED", detail }], "DROPPED", detail);
  }
  const to = formatIpv4(r.packet.dst);
  const client = ctx.net.clientsByIp.get(r.packet.dst);
  if (client)
    return [
      {
        steps: [r.step, { type: "route", action: "FORWARDED", detail: { kind: "lb-return", lb: lb.name, to } }],
        next: { at: here.clientIn(client), packet: r.packet },
      },
    ];
  // Not an external client (a node or pod that came out to the VIP): the underlay's router decides.
  const gw = ctx.net.cluster.underlay.gateway;
  if (gw === undefined)
    return ended(
      [r.step, { type: "route", action: "EXITS_NETWORK", detail: { kind: "lb-return", lb: lb.name, to } }],
      "EXITS_NETWORK",
      { kind: "outside", destination: to },
    );
  const gateway = formatIpv4(gw);
  return [
    {
      steps: [r.step, { type: "route", action: "FORWARDED", detail: { kind: "lb-return", lb: lb.name, to, gateway } }],
      next: { at: here.underlay(gw), packet: r.packet },
    },
  ];
}

interface Health {
  node: Node;
  ok: boolean;
  detail: Extract<StepDetail, { kind: "health-check" }>;
}

/** kube-proxy answers healthCheckNodePort with 200 only where the Service has a local ready endpoint. */
function healthChecks(net: Network, svc: Service, lb: LoadBalancer): Health[] {
  const nodes = net.cluster.nodes;
  const base = { kind: "health-check", lb: lb.name, externalTrafficPolicy: svc.externalTrafficPolicy } as const;
  if (svc.externalTrafficPolicy !== "Local" || svc.healthCheckNodePort === undefined) {
    return nodes.map((node) => ({ node, ok: true, detail: { ...base, node: node.name } }));
  }
  const slices = net.cluster.endpointSlices.filter((s) => s.namespace === svc.namespace && s.serviceName === svc.name);
  return nodes.map((node) => {
    const local = slices.flatMap((s) => s.endpoints).filter((e) => e.nodeName === node.name && e.ready).length;
    const url = `http://${formatIpv4(node.ip)}:${svc.healthCheckNodePort}/healthz`;
    const status = local > 0 ? 200 : 503;
    return { node, ok: local > 0, detail: { ...base, node: node.name, check: { url, status, localEndpoints: local } } };
  });
}

type Pick = { index: number; of: number } | { source: string };

function choose(
  algorithm: string,
  nodes: Node[],
  src: number,
): { node: Node; probability: number; why: string; pick: Pick }[] {
  if (algorithm === "source-hash") {
    const source = formatIpv4(src);
    const h = createHash("sha256").update(source).digest().readUInt32BE(0);
    const node = nodes[h % nodes.length]!;
    return [{ node, probability: 1, why: `source-hash of ${source} picks ${node.name}`, pick: { source } }];
  }
  return nodes.map((node, i) => ({
    node,
    probability: 1 / nodes.length,
    why: `${algorithm} picks ${node.name} (${i + 1} of ${nodes.length})`,
    pick: { index: i + 1, of: nodes.length },
  }));
}
