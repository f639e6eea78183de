// Generated topologies for the benchmark: N nodes and P pods as Deployments spread by the scheduler.
import { formatIpv4 } from "../lib/model/address.ts";
import type { Pod } from "../lib/model/cluster.ts";

export function clusterText(nodes: number, deployments: number, replicas: number): string {
  const docs = [
    `apiVersion: kubehop.io/v1alpha1
kind: Topology
metadata: {name: bench}
spec:
  clusterCIDR: 10.0.0.0/11
  serviceCIDR: 10.96.0.0/12
  underlay: {cidr: 172.16.0.0/16, gateway: 172.16.0.1}
  nodeCount: ${nodes}
`,
  ];
  for (let d = 0; d < deployments; d++) {
    docs.push(`apiVersion: apps/v1
kind: Deployment
metadata: {name: app-${d}, namespace: ns-${d % 50}}
spec:
  replicas: ${replicas}
  template:
    metadata: {labels: {app: app-${d}}}
    spec:
      containers: [{name: app, ports: [{name: http, containerPort: 8080}]}]
`);
  }
  return docs.join("---\n");
}

/**
 * Issue 3's scale: `services` Deployments of `replicas` pods, each behind its own ClusterIP Service
 * selecting it. `pinned` puts Deployment app-0's pods on one node (nodeSelector on the hostname
 * label), so a trace to svc-0 crosses that node's rules only. `slices`, when given, is appended:
 * the EndpointSlices a live cluster would hold, as `kubectl get -o yaml` dumps them.
 */
export function serviceClusterText(
  nodes: number,
  services: number,
  replicas: number,
  opts: { pinned?: string; slices?: string; withServices?: boolean } = {},
): string {
  const docs = [
    `apiVersion: kubehop.io/v1alpha1
kind: Topology
metadata: {name: bench-services}
spec:
  clusterCIDR: 10.0.0.0/11
  serviceCIDR: 10.96.0.0/12
  underlay: {cidr: 172.16.0.0/16, gateway: 172.16.0.1}
  nodeCount: ${nodes}
`,
  ];
  for (let d = 0; d < services; d++) {
    const ns = `ns-${d % 50}`;
    const pin = d === 0 && opts.pinned ? `\n      nodeSelector: {kubernetes.io/hostname: ${opts.pinned}}` : "";
    docs.push(`apiVersion: apps/v1
kind: Deployment
metadata: {name: app-${d}, namespace: ${ns}}
spec:
  replicas: ${replicas}
  template:
    metadata: {labels: {app: app-${d}}}
    spec:
      containers: [{name: app, ports: [{name: http, containerPort: 8080}]}]${pin}
`);
    if (opts.withServices === false) continue;
    docs.push(`apiVersion: v1
kind: Service
metadata: {name: svc-${d}, namespace: ${ns}}
spec:
  selector: {app: app-${d}}
  ports: [{name: http, port: 80, targetPort: http}]
`);
  }
  if (opts.slices) docs.push(opts.slices);
  return docs.join("---\n");
}

/** One EndpointSlice per Deployment app-N (Service svc-N), listing its pods as the controller would. */
export function endpointSliceText(pods: readonly Pod[]): string {
  const byOwner = new Map<string, Pod[]>();
  for (const p of pods) {
    if (p.owner?.kind !== "Deployment" || !p.owner.name.startsWith("app-")) continue;
    const list = byOwner.get(p.owner.name);
    if (list) list.push(p);
    else byOwner.set(p.owner.name, [p]);
  }
  const docs: string[] = [];
  for (const [owner, members] of byOwner) {
    const svc = `svc-${owner.slice("app-".length)}`;
    const ns = members[0]!.namespace;
    // Ready by default; no targetRef, to keep the YAML short (parsing dominates the load).
    const eps = members.map((p) => `  - {addresses: [${formatIpv4(p.ip)}], nodeName: ${p.node}}`);
    docs.push(`apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: ${svc}-bench, namespace: ${ns}, labels: {kubernetes.io/service-name: ${svc}}}
addressType: IPv4
ports: [{name: http, port: 8080, protocol: TCP}]
endpoints:
${eps.join("\n")}
`);
  }
  return docs.join("---\n");
}
