// A Gateway is served by its implementation's proxy pods behind a LoadBalancer Service, as
// conformant implementations deploy it (Istio, NGINX Gateway Fabric: a Deployment and a Service named
// GATEWAY-CLASS in the Gateway's namespace, pods labelled gateway.networking.k8s.io/gateway-name).
// A Gateway the input gives no such pods gets them here, like ingress-defaults.ts's controller; its
// address is spec.addresses' IPAddress, else status.addresses', else the LB pool's next address.
import { formatIpv4, type Prefix, parseIpv4, prefixContains } from "../model/address.ts";
import type { Origin } from "../model/cluster.ts";
import { type Diagnostic, diagnostic } from "../model/diagnostic.ts";
import { type Gateway, type GatewayState, routeKey } from "../model/gateway.ts";
import type { WorkloadObject } from "../input/kubernetes-schema.ts";
import type { Read, TopologyInput } from "../input/load.ts";
import type { ServiceObject } from "../input/service-schema.ts";
import type { SourceObject } from "../input/yaml-documents.ts";

/** The label Gateway API implementations put on a Gateway's proxy pods (GEP-1762). */
export const GATEWAY_NAME_LABEL = "gateway.networking.k8s.io/gateway-name";

const ORIGIN: Origin = { file: "<defaults>", line: 1, col: 1 };

function defaults(kind: string, value: Record<string, unknown>): SourceObject {
  return { value, kind, file: ORIGIN.file, at: () => ORIGIN };
}

/** Whether the input already runs pods for the Gateway (its own or an implementation's manifests). */
function hasProxyPods(input: TopologyInput, gw: Gateway): boolean {
  const labelled = (ns: string | undefined, labels: Readonly<Record<string, string>> | undefined) =>
    (ns ?? "default") === gw.namespace && labels?.[GATEWAY_NAME_LABEL] === gw.name;
  return (
    input.pods.some((p) => labelled(p.obj.metadata.namespace, p.obj.metadata.labels)) ||
    input.workloads.some((w) => labelled(w.obj.metadata.namespace, w.obj.spec.template.metadata?.labels))
  );
}

function isAccepted(state: GatewayState, gw: Gateway): boolean {
  const status = state.gateways.find((g) => routeKey(g) === routeKey(gw));
  return status?.conditions.some((c) => c.type === "Accepted" && c.status === "True") ?? false;
}

/** Addresses already answering for something: Services' LB addresses and the Topology's VIPs. */
function takenAddresses(input: TopologyInput): Set<string> {
  const taken = new Set<string>();
  for (const s of input.services) for (const i of s.obj.status?.loadBalancer?.ingress ?? []) taken.add(i.ip ?? "");
  for (const lb of input.topology?.obj.spec?.loadBalancers ?? []) taken.add(lb.vip);
  return taken;
}

interface Pool {
  readonly ranges: readonly Prefix[];
  readonly taken: Set<string>;
  /** Where the pool starts: the default VIP (edge.ts defaultVip). */
  readonly start: string;
}

function nextAddress(pool: Pool): string {
  let ip = parseIpv4(pool.start)!;
  while (pool.taken.has(formatIpv4(ip)) || pool.ranges.some((r) => prefixContains(r, ip))) ip++;
  const text = formatIpv4(ip);
  pool.taken.add(text);
  return text;
}

/** The VIP the Gateway's Service gets, and why a given address is not it. */
function gatewayVip(gw: Gateway, pool: Pool, notes: Diagnostic[]): string {
  const where = gw.origin ?? { object: { kind: "Gateway", namespace: gw.namespace, name: gw.name } };
  for (const [field, list] of [
    ["spec.addresses", gw.addresses],
    ["status.addresses", gw.statusAddresses],
  ] as const) {
    for (const a of list) {
      const ip = a.type === "IPAddress" ? parseIpv4(a.value) : undefined;
      const inside = ip !== undefined && pool.ranges.find((r) => prefixContains(r, ip));
      if (ip !== undefined && !inside && !pool.taken.has(a.value)) {
        pool.taken.add(a.value);
        return a.value;
      }
      const why =
        ip === undefined
          ? a.type === "IPAddress"
            ? "is not an IPv4 address"
            : `is of type ${a.type}, which kubehop does not model (only IPAddress)`
          : inside
            ? `is inside the cluster's range ${inside.text}`
            : "already answers for another load balancer";
      notes.push(
        diagnostic(
          "gateway-address-unusable",
          where,
          `Gateway ${routeKey(gw)}: ${field} ${a.value} ${why}; kubehop gives its LoadBalancer Service another address`,
          "give an IPAddress outside the cluster's pod, Service and node ranges, used by nothing else",
        ),
      );
    }
  }
  return nextAddress(pool);
}

function proxyObjects(gw: Gateway, vip: string): { deployment: WorkloadObject; service: ServiceObject } {
  const name = `${gw.name}-${gw.className}`.slice(0, 63).replace(/-+$/, "");
  const labels = { [GATEWAY_NAME_LABEL]: gw.name };
  const ports = [...new Set(gw.listeners.map((l) => l.port))].sort((a, b) => a - b);
  const portName = (port: number) =>
    `${gw.listeners
      .find((l) => l.port === port)!
      .protocol.toLowerCase()
      .replace(/[^a-z0-9]/g, "")}-${port}`;
  const deployment: WorkloadObject = {
    metadata: { name, namespace: gw.namespace, labels },
    spec: {
      replicas: 1,
      template: {
        metadata: { labels },
        spec: {
          containers: [
            { name: "proxy", ports: ports.map((p) => ({ name: `p${p}`, containerPort: p, protocol: "TCP" })) },
          ],
        },
      },
    },
  };
  const service: ServiceObject = {
    metadata: { name, namespace: gw.namespace, labels },
    spec: {
      type: "LoadBalancer",
      selector: labels,
      externalTrafficPolicy: "Cluster",
      ports: ports.map((p) => ({ name: portName(p), port: p, targetPort: p, protocol: "TCP" })),
    },
    status: { loadBalancer: { ingress: [{ ip: vip }] } },
  };
  return { deployment, service };
}

/**
 * The input plus a proxy Deployment and LoadBalancer Service for each accepted Gateway without proxy
 * pods, and the diagnostics about the addresses they get.
 */
export function withGatewayProxies(
  input: TopologyInput,
  state: GatewayState,
  pool: { readonly ranges: readonly Prefix[]; readonly start: string },
): { input: TopologyInput; notes: Diagnostic[] } {
  const notes: Diagnostic[] = [];
  const free: Pool = { ...pool, taken: takenAddresses(input) };
  const workloads: (Read<WorkloadObject> & { kind: "Deployment" })[] = [];
  const services: Read<ServiceObject>[] = [];
  for (const gw of state.world.gateways) {
    if (!isAccepted(state, gw) || hasProxyPods(input, gw)) continue;
    const { deployment, service } = proxyObjects(gw, gatewayVip(gw, free, notes));
    workloads.push({ obj: deployment, src: defaults("Deployment", deployment), kind: "Deployment" });
    services.push({ obj: service, src: defaults("Service", service) });
  }
  if (workloads.length === 0) return { input, notes };
  return {
    input: { ...input, workloads: [...input.workloads, ...workloads], services: [...input.services, ...services] },
    notes,
  };
}
