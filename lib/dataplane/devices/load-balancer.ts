// The external load balancer: picks a healthy node for each new connection and either rewrites the
// destination to nodeIP:nodePort (NodePort mode) or hands the packet on unchanged (pass-through, the
// VIP then meets kube-proxy's LB-IP rule). Under externalTrafficPolicy Local only nodes whose
// healthCheckNodePort answers 200 (a local ready endpoint) are in rotation.
import { createHash } from "node:crypto";
import { formatIpv4 } from "../../model/address.ts";
import type { Node, Service } from "../../model/cluster.ts";
import { reverseNat } from "../conntrack.ts";
import { type Device, ended, type Outcome, type StepRecord } from "../device.ts";
import { here } from "../locations.ts";
import type { Network } from "../network.ts";
import { rewrite } from "../../model/packet.ts";

export const loadBalancerDevice: Device = (packet, at, ctx) => {
  const lb = at.lb!;
  const label = `lb/${lb.name}`;
  if (at.direction === "out") {
    const r = reverseNat(packet, label, ctx.state, `${label}'s`);
    if (!r)
      return ended(
        [{ type: "drop", action: "DROPPED", reason: `no connection of ${label} matches this packet` }],
        "DROPPED",
        `${label} tracks no such connection`,
      );
    const client = ctx.net.clientsByIp.get(r.packet.dst);
    if (client)
      return [
        {
          steps: [
            r.step,
            { type: "route", action: "FORWARDED", reason: `back to ${formatIpv4(r.packet.dst)} through the internet` },
          ],
          next: { at: here.clientIn(client), packet: r.packet },
        },
      ];
    // Not an external client (a node or pod that came out to the VIP): the underlay's router decides.
    const gw = ctx.net.cluster.underlay.gateway;
    if (gw === undefined)
      return ended(
        [
          r.step,
          {
            type: "route",
            action: "EXITS_NETWORK",
            reason: `back to ${formatIpv4(r.packet.dst)} through the internet`,
          },
        ],
        "EXITS_NETWORK",
        `${formatIpv4(r.packet.dst)} is outside the modelled network`,
      );
    return [
      {
        steps: [
          r.step,
          {
            type: "route",
            action: "FORWARDED",
            reason: `back to ${formatIpv4(r.packet.dst)} through the underlay's router ${formatIpv4(gw)}`,
          },
        ],
        next: { at: here.underlay(gw), packet: r.packet },
      },
    ];
  }
  const svc = ctx.net.cluster.services.find((s) => s.namespace === lb.service.namespace && s.name === lb.service.name);
  const port = svc?.ports.find((p) => p.port === packet.dport && p.protocol.toLowerCase() === packet.proto);
  if (!svc || !port) {
    const open = svc?.ports.map((p) => `${p.port}/${p.protocol}`).join(", ") || "none";
    return ended(
      [
        {
          type: "drop",
          action: "REFUSED",
          reason: `${label} has no listener on ${packet.dport}/${packet.proto.toUpperCase()} (listeners: ${open})`,
        },
      ],
      "CONNECTION_REFUSED",
      `${label} does not listen on port ${packet.dport}`,
    );
  }
  const health = healthChecks(ctx.net, svc);
  const steps: StepRecord[] = health.map((h) => ({
    type: "netfilter",
    action: h.ok ? "HEALTHY" : "UNHEALTHY",
    reason: h.reason,
  }));
  const healthy = health.filter((h) => h.ok).map((h) => h.node);
  if (healthy.length === 0) {
    return ended(
      [
        ...steps,
        {
          type: "drop",
          action: "NO_BACKEND",
          reason: `no node passes ${label}'s health check: the connection is reset`,
        },
      ],
      "DROPPED",
      `${label} has no healthy node`,
    );
  }
  const chosen = choose(lb.algorithm, healthy, packet.src);
  return chosen.map(({ node, probability, why }): Outcome => {
    const nodePort = port.nodePort;
    const after =
      lb.mode === "passthrough" || nodePort === undefined
        ? packet
        : rewrite(packet, { dst: node.ip, dport: nodePort, ...(lb.preserveClientIp ? {} : { src: lb.address }) });
    const how =
      after === packet
        ? `pass-through: the packet keeps the VIP ${formatIpv4(lb.vip)}:${packet.dport} and goes to ${node.name}`
        : `to ${node.name}'s NodePort ${formatIpv4(node.ip)}:${nodePort}${lb.preserveClientIp ? ", client IP kept" : `, source rewritten to the LB's ${formatIpv4(lb.address)}`}`;
    const nat: StepRecord = {
      type: after === packet ? "route" : after.src !== packet.src ? "snat" : "dnat",
      action: after === packet ? "FORWARDED" : "NAT",
      reason: `${why}: ${how}`,
      rule: `${lb.name} listener ${packet.dport}/${port.protocol} -> ${svc.namespace}/${svc.name}:${port.name || port.port}`,
      before: packet,
      after,
    };
    const conntrack =
      after === packet
        ? ctx.state.conntrack
        : [...ctx.state.conntrack, { node: label, original: packet, translated: after }];
    return {
      steps: [...steps, nat],
      probability,
      choice: why,
      state: { ...ctx.state, conntrack },
      next: { at: here.underlay(node.ip), packet: after },
    };
  });
};

interface Health {
  node: Node;
  ok: boolean;
  reason: string;
}

/** kube-proxy answers healthCheckNodePort with 200 only where the Service has a local ready endpoint. */
function healthChecks(net: Network, svc: Service): Health[] {
  const nodes = net.cluster.nodes;
  if (svc.externalTrafficPolicy !== "Local" || svc.healthCheckNodePort === undefined) {
    return nodes.map((node) => ({
      node,
      ok: true,
      reason: `${node.name}: in rotation (externalTrafficPolicy ${svc.externalTrafficPolicy}: every node forwards)`,
    }));
  }
  const slices = net.cluster.endpointSlices.filter((s) => s.namespace === svc.namespace && s.serviceName === svc.name);
  return nodes.map((node) => {
    const local = slices.flatMap((s) => s.endpoints).filter((e) => e.nodeName === node.name && e.ready).length;
    const url = `http://${formatIpv4(node.ip)}:${svc.healthCheckNodePort}/healthz`;
    return local > 0
      ? {
          node,
          ok: true,
          reason: `${node.name}: health check ${url} -> 200 (${local} local endpoint${local === 1 ? "" : "s"})`,
        }
      : { node, ok: false, reason: `${node.name}: health check ${url} -> 503 (no local endpoint): out of rotation` };
  });
}

function choose(algorithm: string, nodes: Node[], src: number): { node: Node; probability: number; why: string }[] {
  if (algorithm === "source-hash") {
    const h = createHash("sha256").update(formatIpv4(src)).digest().readUInt32BE(0);
    const node = nodes[h % nodes.length]!;
    return [{ node, probability: 1, why: `source-hash of ${formatIpv4(src)} picks ${node.name}` }];
  }
  return nodes.map((node, i) => ({
    node,
    probability: 1 / nodes.length,
    why: `${algorithm} picks ${node.name} (${i + 1} of ${nodes.length})`,
  }));
}
