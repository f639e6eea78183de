// Builds Cluster objects directly for the kube-proxy and EndpointSlice specs: every field a
// spec does not care about gets a plain default, so each spec states only what it tests.
import { DEFAULT_CONTROLLER } from "../../lib/ingress/classes.ts";
import { NO_SETTINGS } from "../../lib/model/ingress.ts";
import { NO_GATEWAYS } from "../../lib/model/gateway.ts";
import { type Ipv4, parseIpv4, parsePrefix, type Prefix } from "../../lib/model/address.ts";
import type {
  Cluster,
  ContainerPort,
  Endpoint,
  EndpointPort,
  EndpointSlice,
  KubeProxyConfig,
  Node,
  Pod,
  Service,
  ServicePort,
} from "../../lib/model/cluster.ts";

export function ip(text: string): Ipv4 {
  const v = parseIpv4(text);
  if (v === undefined) throw new Error(`bad IPv4 ${text}`);
  return v;
}

export function prefix(text: string): Prefix {
  const p = parsePrefix(text);
  if (!p) throw new Error(`bad prefix ${text}`);
  return p;
}

export function node(name: string, nodeIp: string, podCidr: string, index = 0): Node {
  const cidr = prefix(podCidr);
  return {
    name,
    index,
    ip: ip(nodeIp),
    podCidr: cidr,
    bridgeIp: (cidr.network + 1) >>> 0,
    labels: {},
    listeners: [],
    extraRoutes: [],
    wireguard: { publicKey: `key-${name}` },
  };
}

export type ServiceSpec = Partial<Omit<Service, "ports" | "clusterIPs">> & {
  readonly clusterIP?: string;
  readonly ports?: ReadonlyArray<Partial<ServicePort> & { readonly port: number }>;
};

export function service(namespace: string, name: string, spec: ServiceSpec = {}): Service {
  const { clusterIP, ports, ...rest } = spec;
  return {
    namespace,
    name,
    type: "ClusterIP",
    clusterIPs: clusterIP === undefined ? [] : [ip(clusterIP)],
    headless: false,
    selector: { app: name },
    externalIPs: [],
    loadBalancerIngress: [],
    loadBalancerSourceRanges: [],
    externalTrafficPolicy: "Cluster",
    internalTrafficPolicy: "Cluster",
    sessionAffinity: "None",
    sessionAffinityTimeoutSeconds: 10800,
    annotations: {},
    ...rest,
    ports: (ports ?? []).map((p) => ({ name: "", protocol: "TCP", targetPort: p.port, ...p })),
  };
}

export type EndpointSpec = Partial<Omit<Endpoint, "ip">> & { readonly ip: string };

export function slice(
  namespace: string,
  serviceName: string,
  ports: readonly (Partial<EndpointPort> & { readonly port: number })[],
  endpoints: readonly EndpointSpec[],
  name = `${serviceName}-abcde`,
): EndpointSlice {
  return {
    namespace,
    name,
    serviceName,
    derived: false,
    ports: ports.map((p) => ({ name: "", protocol: "TCP", ...p })),
    endpoints: endpoints.map((e) => ({ ready: true, serving: true, terminating: false, ...e, ip: ip(e.ip) })),
  };
}

export type PodSpec = Partial<Omit<Pod, "ip" | "ports">> & {
  readonly ip: string;
  readonly ports?: readonly ContainerPort[];
};

export function pod(namespace: string, name: string, spec: PodSpec): Pod {
  return {
    namespace,
    name,
    node: "node-1",
    labels: {},
    ready: true,
    terminating: false,
    hostNetwork: false,
    veth: `veth${name}`,
    ...spec,
    ip: ip(spec.ip),
    ports: spec.ports ?? [],
  };
}

export const DEFAULT_KUBE_PROXY: KubeProxyConfig = {
  mode: "iptables",
  clusterCidr: prefix("10.0.0.0/8"),
  detectLocalMode: "ClusterCIDR",
  masqueradeAll: false,
  masqueradeBit: 14,
  nodePortAddresses: [],
  localhostNodePorts: true,
};

export interface ClusterSpec {
  readonly nodes?: readonly Node[];
  readonly pods?: readonly Pod[];
  readonly services?: readonly Service[];
  readonly endpointSlices?: readonly EndpointSlice[];
  readonly kubeProxy?: Partial<KubeProxyConfig>;
}

export function cluster(spec: ClusterSpec = {}): Cluster {
  return {
    clusterCidr: prefix("10.0.0.0/8"),
    serviceCidr: prefix("172.30.0.0/16"),
    nodes: spec.nodes ?? [node("test-node", "192.168.0.2", "10.0.0.0/24")],
    pods: spec.pods ?? [],
    clients: [],
    underlay: { cidr: prefix("192.168.0.0/24"), mtu: 1500 },
    overlay: { interface: "wg0", listenPort: 51820, mtu: 1420, style: "kilo" },
    services: spec.services ?? [],
    endpointSlices: spec.endpointSlices ?? [],
    kubeProxy: { ...DEFAULT_KUBE_PROXY, ...spec.kubeProxy },
    loadBalancers: [],
    dns: [],
    ingress: {
      served: [],
      ignored: [],
      classes: [],
      assumedDefaultClass: true,
      controller: DEFAULT_CONTROLLER,
      settings: NO_SETTINGS,
      controllers: [],
    },
    gateways: NO_GATEWAYS,
    nodeDumps: new Map(),
    diagnostics: [],
  };
}
