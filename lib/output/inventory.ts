// `kubehop get`: what the topology holds, as kubectl would list it, with what kubehop derived filled
// in (scheduled nodes, pod IPs, ClusterIPs, load balancer addresses, endpoints). Rows are plain data
// sorted by namespace then name; inventory-table.ts and inventory-objects.ts print them.
import { isControllerLabels } from "../ingress/controller.ts";
import { wireGuardAddress } from "../control/overlay.ts";
import type { IngressBackend, IngressRule, IngressTLS } from "../model/ingress.ts";
import { formatIpv4 } from "../model/address.ts";
import type { Cluster, Node, Protocol, Service, ServicePort } from "../model/cluster.ts";
import type { PodRef } from "../model/hop-at.ts";

export const RESOURCES = ["pods", "services", "nodes", "ingresses", "endpoints"] as const;
export type Resource = (typeof RESOURCES)[number];

/** kubectl's names for each resource: singular, plural and short. */
export const RESOURCE_NAMES: ReadonlyMap<string, Resource> = new Map([
  ["po", "pods"],
  ["pod", "pods"],
  ["pods", "pods"],
  ["svc", "services"],
  ["service", "services"],
  ["services", "services"],
  ["no", "nodes"],
  ["node", "nodes"],
  ["nodes", "nodes"],
  ["ing", "ingresses"],
  ["ingress", "ingresses"],
  ["ingresses", "ingresses"],
  ["ep", "endpoints"],
  ["endpoints", "endpoints"],
]);

export interface PodRow {
  readonly namespace: string;
  readonly name: string;
  readonly ready: boolean;
  readonly terminating: boolean;
  readonly ip: string;
  readonly node: string;
  readonly nodeIp: string;
  readonly hostNetwork: boolean;
  readonly labels: Readonly<Record<string, string>>;
  /** `Deployment/web`, for pods a workload made. */
  readonly owner?: string;
  /** The host end of the pod's veth pair and the bridge0 address it routes through; none on the host network. */
  readonly veth?: string;
  readonly gateway?: string;
}

export interface ServiceRow {
  readonly namespace: string;
  readonly name: string;
  readonly type: Service["type"];
  readonly headless: boolean;
  readonly clusterIps: readonly string[];
  /** The VIPs of the load balancers in front of it (given or derived) and its status.loadBalancer IPs. */
  readonly loadBalancerIps: readonly string[];
  /** spec.externalIPs. */
  readonly externalIps: readonly string[];
  readonly ports: readonly ServicePort[];
  readonly selector?: Readonly<Record<string, string>>;
  readonly externalTrafficPolicy: Service["externalTrafficPolicy"];
}

export interface NodeRow {
  readonly name: string;
  readonly internalIp: string;
  readonly podCidr: string;
  readonly pods: number;
  readonly labels: Readonly<Record<string, string>>;
  readonly bridgeIp: string;
  readonly wg: {
    readonly address?: string;
    readonly publicKey: string;
    readonly listenPort: number;
    readonly peers: number;
  };
}

export interface IngressRow {
  readonly namespace: string;
  readonly name: string;
  /** The class it is served under (after the admission plugin's default), else the one it names. */
  readonly className?: string;
  readonly hosts: readonly string[];
  readonly addresses: readonly string[];
  readonly tls: readonly IngressTLS[];
  readonly rules: readonly IngressRule[];
  readonly defaultBackend?: IngressBackend;
  readonly annotations: Readonly<Record<string, string>>;
  /** Why the ingress-nginx controller ignores it; undefined when it serves it. */
  readonly ignored?: string;
}

export interface EndpointAddress {
  readonly ip: string;
  readonly ready: boolean;
  readonly node?: string;
  /** `namespace/name`. */
  readonly pod?: PodRef;
}

export interface EndpointsRow {
  readonly namespace: string;
  readonly name: string;
  /** One per EndpointSlice of the Service, as the Endpoints object has one subset per set of ports. */
  readonly subsets: readonly {
    readonly addresses: readonly EndpointAddress[];
    readonly ports: readonly { readonly name: string; readonly port: number; readonly protocol: Protocol }[];
  }[];
}

export type Inventory =
  | { readonly resource: "pods"; readonly rows: readonly PodRow[] }
  | { readonly resource: "services"; readonly rows: readonly ServiceRow[] }
  | { readonly resource: "nodes"; readonly rows: readonly NodeRow[] }
  | { readonly resource: "ingresses"; readonly rows: readonly IngressRow[] }
  | { readonly resource: "endpoints"; readonly rows: readonly EndpointsRow[] };

/** `namespace` undefined lists every namespace; nodes have none and are always all listed. */
export function inventory(cluster: Cluster, resource: Resource, namespace?: string): Inventory {
  const inNs = <T extends { namespace: string }>(xs: readonly T[]) =>
    namespace === undefined ? [...xs] : xs.filter((x) => x.namespace === namespace);
  switch (resource) {
    case "pods": {
      const nodes = new Map(cluster.nodes.map((n) => [n.name, n]));
      return { resource, rows: sorted(inNs(cluster.pods)).map((p) => podRow(p, nodes.get(p.node)!)) };
    }
    case "services":
      return { resource, rows: sorted(inNs(cluster.services)).map((s) => serviceRow(cluster, s)) };
    case "nodes": {
      const pods = new Map<string, number>();
      for (const p of cluster.pods) pods.set(p.node, (pods.get(p.node) ?? 0) + 1);
      return {
        resource,
        rows: [...cluster.nodes]
          .sort((a, b) => order(a.name, b.name))
          .map((n) => nodeRow(cluster, n, pods.get(n.name) ?? 0)),
      };
    }
    case "ingresses":
      return {
        resource,
        rows: ingressRows(cluster).filter((r) => namespace === undefined || r.namespace === namespace),
      };
    case "endpoints":
      return {
        resource,
        rows: endpointsRows(cluster).filter((r) => namespace === undefined || r.namespace === namespace),
      };
  }
}

/** The namespaces that hold any of `resource`, for the hint when a namespace filter leaves nothing. */
export function namespacesWith(cluster: Cluster, resource: Resource): string[] {
  const all = inventory(cluster, resource).rows as readonly { namespace?: string }[];
  return [...new Set(all.map((r) => r.namespace).filter((ns): ns is string => ns !== undefined))].sort(order);
}

function podRow(p: Cluster["pods"][number], node: Node): PodRow {
  return {
    namespace: p.namespace,
    name: p.name,
    ready: p.ready,
    terminating: p.terminating,
    ip: formatIpv4(p.ip),
    node: p.node,
    nodeIp: formatIpv4(node.ip),
    hostNetwork: p.hostNetwork,
    labels: p.labels,
    ...(p.owner ? { owner: `${p.owner.kind}/${p.owner.name}` } : {}),
    ...(p.hostNetwork ? {} : { veth: p.veth, gateway: formatIpv4(node.bridgeIp) }),
  };
}

function serviceRow(cluster: Cluster, s: Service): ServiceRow {
  return {
    namespace: s.namespace,
    name: s.name,
    type: s.type,
    headless: s.headless,
    clusterIps: s.clusterIPs.map(formatIpv4),
    loadBalancerIps: loadBalancerAddresses(cluster, s),
    externalIps: s.externalIPs.map(formatIpv4),
    ports: s.ports,
    ...(s.selector ? { selector: s.selector } : {}),
    externalTrafficPolicy: s.externalTrafficPolicy,
  };
}

function loadBalancerAddresses(cluster: Cluster, s: Service): string[] {
  const vips = cluster.loadBalancers
    .filter((lb) => lb.service.namespace === s.namespace && lb.service.name === s.name)
    .map((lb) => lb.vip);
  return [...new Set([...vips, ...s.loadBalancerIngress])].map(formatIpv4);
}

function nodeRow(cluster: Cluster, n: Node, pods: number): NodeRow {
  // A node's own `wg show` dump is what it has; else the Topology's peers, else the full mesh: every other node.
  const given = cluster.nodeDumps.get(n.name)?.wireguard?.peers ?? n.wireguard.peers;
  const peers = given?.length ?? cluster.nodes.length - 1;
  const address = wireGuardAddress(n, cluster.overlay.style);
  return {
    name: n.name,
    internalIp: formatIpv4(n.ip),
    podCidr: n.podCidr.text,
    pods,
    labels: n.labels,
    bridgeIp: formatIpv4(n.bridgeIp),
    wg: {
      ...(address !== undefined ? { address: formatIpv4(address) } : {}),
      publicKey: n.wireguard.publicKey,
      listenPort: cluster.overlay.listenPort,
      peers,
    },
  };
}

function ingressRows(cluster: Cluster): IngressRow[] {
  // ingress-nginx publishes its LoadBalancer Service's addresses as every served Ingress's address.
  const front = cluster.services.find(
    (s) => s.type === "LoadBalancer" && s.selector !== undefined && isControllerLabels(s.selector),
  );
  const addresses = front ? loadBalancerAddresses(cluster, front) : [];
  const served = cluster.ingress.served.map(({ ingress, className }) => ({
    ingress,
    ...(className !== "_" ? { className } : {}),
    addresses,
  }));
  const ignored = cluster.ingress.ignored.map(({ ingress, reason }) => ({
    ingress,
    ...(ingress.className ? { className: ingress.className } : {}),
    addresses: [],
    ignored: reason,
  }));
  const rows = [...served, ...ignored].map(
    ({ ingress, ...rest }): IngressRow => ({
      namespace: ingress.namespace,
      name: ingress.name,
      hosts: [...new Set(ingress.rules.map((r) => r.host ?? "*"))],
      tls: ingress.tls,
      rules: ingress.rules,
      ...(ingress.defaultBackend ? { defaultBackend: ingress.defaultBackend } : {}),
      annotations: ingress.annotations,
      ...rest,
    }),
  );
  return sorted(rows);
}

function endpointsRows(cluster: Cluster): EndpointsRow[] {
  const byService = new Map<string, { namespace: string; name: string; subsets: EndpointsRow["subsets"][number][] }>();
  for (const slice of cluster.endpointSlices) {
    const key = `${slice.namespace}/${slice.serviceName}`;
    let row = byService.get(key);
    if (!row) byService.set(key, (row = { namespace: slice.namespace, name: slice.serviceName, subsets: [] }));
    const addresses = slice.endpoints.map(
      (e): EndpointAddress => ({
        ip: formatIpv4(e.ip),
        ready: e.ready,
        ...(e.nodeName ? { node: e.nodeName } : {}),
        ...(e.pod ? { pod: e.pod } : {}),
      }),
    );
    row.subsets.push({ addresses, ports: slice.ports });
  }
  return sorted([...byService.values()]);
}

function sorted<T extends { namespace: string; name: string }>(xs: T[]): T[] {
  return xs.sort((a, b) => order(a.namespace, b.namespace) || order(a.name, b.name));
}

/** Byte order, not the locale's: the same listing on every machine. */
export function order(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
