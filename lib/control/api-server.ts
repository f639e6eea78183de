// The API server's own Service: every cluster has default/kubernetes, ClusterIP the first address of
// the service CIDR, port https 443 to the API server's endpoints, which the API server writes itself
// (no selector). kubehop's API server listens on 6443 on the control-plane nodes: those labelled
// node-role.kubernetes.io/control-plane (or the older .../master), else the first node.
import type { Prefix } from "../model/address.ts";
import type { EndpointSlice, Listener, Node, Service } from "../model/cluster.ts";

export const API_SERVER = { namespace: "default", name: "kubernetes", port: 443, targetPort: 6443 } as const;

export const API_SERVER_LISTENER: Listener = {
  port: API_SERVER.targetPort,
  protocol: "TCP",
  process: "kube-apiserver",
};

const CONTROL_PLANE_LABELS = ["node-role.kubernetes.io/control-plane", "node-role.kubernetes.io/master"];

/** The names of the nodes the API server runs on. */
export function controlPlaneNodes(nodes: readonly { name: string; labels: Readonly<Record<string, string>> }[]) {
  const labelled = nodes.filter((n) => CONTROL_PLANE_LABELS.some((l) => l in n.labels));
  return new Set((labelled.length > 0 ? labelled : nodes.slice(0, 1)).map((n) => n.name));
}

export function isApiServerService(s: { namespace: string; name: string }): boolean {
  return s.namespace === API_SERVER.namespace && s.name === API_SERVER.name;
}

/** default/kubernetes as the API server creates it, when the input holds none. */
export function apiServerService(serviceCidr: Prefix): Service {
  return {
    namespace: API_SERVER.namespace,
    name: API_SERVER.name,
    type: "ClusterIP",
    clusterIPs: [serviceCidr.network + 1],
    headless: false,
    ports: [{ name: "https", protocol: "TCP", port: API_SERVER.port, targetPort: API_SERVER.targetPort }],
    externalIPs: [],
    loadBalancerIngress: [],
    loadBalancerSourceRanges: [],
    externalTrafficPolicy: "Cluster",
    internalTrafficPolicy: "Cluster",
    sessionAffinity: "None",
    sessionAffinityTimeoutSeconds: 10800,
    annotations: {},
  };
}

/** The slice the API server writes for itself: each control-plane node's address on 6443. */
export function apiServerSlice(nodes: readonly Node[]): EndpointSlice {
  const controlPlane = controlPlaneNodes(nodes);
  return {
    namespace: API_SERVER.namespace,
    name: API_SERVER.name,
    serviceName: API_SERVER.name,
    ports: [{ name: "https", port: API_SERVER.targetPort, protocol: "TCP" }],
    endpoints: nodes
      .filter((n) => controlPlane.has(n.name))
      .map((n) => ({ ip: n.ip, ready: true, serving: true, terminating: false })),
    derived: true,
  };
}
