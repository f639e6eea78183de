// A loaded cluster written back out as `kubectl get nodes,pods,services -A -o json` would print it
// (a List, 4-space indented, the fields that matter to networking plus the usual companions), so
// the JSON reader is measured on the shape and size users bring, not on a converted YAML file.
import { formatIpv4 } from "../lib/model/address.ts";
import type { Cluster } from "../lib/model/cluster.ts";

export function kubectlJson(c: Cluster): string {
  const topology = {
    apiVersion: "kubehop.io/v1alpha1",
    kind: "Topology",
    metadata: { name: "from-kubectl" },
    spec: {
      clusterCIDR: c.clusterCidr.text,
      serviceCIDR: c.serviceCidr.text,
      underlay: {
        cidr: c.underlay.cidr.text,
        ...(c.underlay.gateway !== undefined ? { gateway: formatIpv4(c.underlay.gateway) } : {}),
      },
    },
  };
  const nodes = c.nodes.map((n) => ({
    apiVersion: "v1",
    kind: "Node",
    metadata: { name: n.name, labels: n.labels, uid: uid(`node/${n.name}`), resourceVersion: "1" },
    spec: { podCIDR: n.podCidr.text, podCIDRs: [n.podCidr.text] },
    status: {
      addresses: [
        { type: "InternalIP", address: formatIpv4(n.ip) },
        { type: "Hostname", address: n.name },
      ],
      conditions: [{ type: "Ready", status: "True", reason: "KubeletReady" }],
    },
  }));
  const nodeIps = new Map(c.nodes.map((n) => [n.name, formatIpv4(n.ip)]));
  const pods = c.pods.map((p) => ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: p.name,
      namespace: p.namespace,
      labels: p.labels,
      uid: uid(`pod/${p.namespace}/${p.name}`),
      resourceVersion: "1",
      ...(p.owner
        ? {
            ownerReferences: [{ apiVersion: "apps/v1", kind: p.owner.kind, name: p.owner.name, controller: true }],
          }
        : {}),
    },
    spec: {
      nodeName: p.node,
      containers: [
        {
          name: "app",
          image: "registry.example/app:1.0",
          imagePullPolicy: "IfNotPresent",
          ports: p.ports.map((x) => ({
            ...(x.name ? { name: x.name } : {}),
            containerPort: x.containerPort,
            protocol: x.protocol,
          })),
        },
      ],
      restartPolicy: "Always",
    },
    status: {
      phase: "Running",
      podIP: formatIpv4(p.ip),
      podIPs: [{ ip: formatIpv4(p.ip) }],
      hostIP: nodeIps.get(p.node),
      conditions: [{ type: "Ready", status: p.ready ? "True" : "False" }],
    },
  }));
  const services = c.services.map((s) => ({
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: s.name, namespace: s.namespace, uid: uid(`svc/${s.namespace}/${s.name}`), resourceVersion: "1" },
    spec: {
      type: s.type,
      clusterIP: s.clusterIPs[0] !== undefined ? formatIpv4(s.clusterIPs[0]) : "None",
      clusterIPs: s.clusterIPs.map(formatIpv4),
      ...(s.selector ? { selector: s.selector } : {}),
      ports: s.ports.map((x) => ({
        name: x.name,
        port: x.port,
        targetPort: x.targetPort,
        protocol: x.protocol,
        ...(x.nodePort ? { nodePort: x.nodePort } : {}),
      })),
      sessionAffinity: s.sessionAffinity,
    },
  }));
  return `${JSON.stringify({ apiVersion: "v1", kind: "List", items: [topology, ...nodes, ...pods, ...services], metadata: { resourceVersion: "" } }, null, 4)}\n`;
}

/** A fixed stand-in for the API server's UIDs: the same cluster always prints the same file. */
function uid(key: string): string {
  let h = 2166136261;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619) >>> 0;
  const hex = h.toString(16).padStart(8, "0");
  return `${hex}-0000-4000-8000-${hex}${hex.slice(0, 4)}`;
}
