// The cluster-wide half of kube-proxy's work: one entry per Service port (newServiceInfo and
// newBaseServiceInfo), with chain names, addresses and endpoints resolved once and shared by
// every node's rule generation.
import { formatIpv4, type Prefix } from "../model/address.ts";
import type { Cluster, EndpointSlice, Service } from "../model/cluster.ts";
import { endpointChain, protocolName, type ServiceChains, serviceChains, servicePortName } from "./chain-names.ts";
import { type ProxyEndpoint, servicePortEndpoints } from "./endpoints.ts";

export interface ProxyEndpointInfo extends ProxyEndpoint {
  readonly chain: string;
}

export interface ServicePortInfo {
  /** ServicePortName.String(), e.g. `default/web:http`. */
  readonly spn: string;
  /** The parts of the name, kept apart for nftables mode's chain names (`ns/name/proto/port`). */
  readonly namespace: string;
  readonly serviceName: string;
  readonly portName: string;
  /** Lower-case protocol, as used in `-p` and `-m`. */
  readonly proto: string;
  readonly chains: ServiceChains;
  readonly clusterIP: string;
  readonly port: number;
  readonly nodePort: number;
  readonly externalIPs: readonly string[];
  readonly loadBalancerIPs: readonly string[];
  readonly sourceRanges: readonly Prefix[];
  /** 0 unless the Service is a LoadBalancer with externalTrafficPolicy Local. */
  readonly healthCheckNodePort: number;
  readonly internalPolicyLocal: boolean;
  readonly externalPolicyLocal: boolean;
  /** ClientIP affinity timeout in seconds; 0 without affinity. */
  readonly affinitySeconds: number;
  readonly endpoints: readonly ProxyEndpointInfo[];
}

export interface ProxyServices {
  readonly ports: readonly ServicePortInfo[];
  /** Over 1000 endpoints kube-proxy drops per-endpoint comments (largeClusterEndpointsThreshold). */
  readonly largeClusterMode: boolean;
}

const LARGE_CLUSTER_ENDPOINTS_THRESHOLD = 1000;

const cache = new WeakMap<Cluster, ProxyServices>();

/** Memoised per Cluster object: the model is immutable plain data, so this is computed once. */
export function proxyServices(cluster: Cluster): ProxyServices {
  let result = cache.get(cluster);
  if (result === undefined) {
    result = buildProxyServices(cluster);
    cache.set(cluster, result);
  }
  return result;
}

function buildProxyServices(cluster: Cluster): ProxyServices {
  const slicesByService = new Map<string, EndpointSlice[]>();
  for (const slice of cluster.endpointSlices) {
    const key = `${slice.namespace}/${slice.serviceName}`;
    const list = slicesByService.get(key);
    if (list) list.push(slice);
    else slicesByService.set(key, [slice]);
  }
  const ports: ServicePortInfo[] = [];
  const seen = new Set<string>();
  for (const service of cluster.services) {
    // Headless and ExternalName Services have no ClusterIP, so kube-proxy skips them entirely; so
    // does it for Services labelled for another proxy (service.kubernetes.io/service-proxy-name).
    if (
      service.type === "ExternalName" ||
      service.headless ||
      service.clusterIPs.length === 0 ||
      service.proxyName !== undefined
    )
      continue;
    const slices = slicesByService.get(`${service.namespace}/${service.name}`) ?? [];
    for (const port of service.ports) {
      const info = servicePortInfo(service, port, slices);
      const key = `${info.spn}/${info.proto}`;
      if (seen.has(key)) continue;
      seen.add(key);
      ports.push(info);
    }
  }
  // kube-proxy walks a Go map, so its order is random; sorting by name keeps ours stable and
  // matches the order upstream's tests print.
  ports.sort((a, b) => compare(a.spn, b.spn) || compare(a.proto, b.proto));
  let total = 0;
  for (const p of ports) total += p.endpoints.length;
  return { ports, largeClusterMode: total > LARGE_CLUSTER_ENDPOINTS_THRESHOLD };
}

function servicePortInfo(
  service: Service,
  port: Service["ports"][number],
  slices: readonly EndpointSlice[],
): ServicePortInfo {
  const spn = servicePortName(service.namespace, service.name, port.name);
  const proto = protocolName(port.protocol);
  const externalPolicyLocal =
    service.externalTrafficPolicy === "Local" &&
    (service.type === "LoadBalancer" ||
      service.type === "NodePort" ||
      (service.type === "ClusterIP" && service.externalIPs.length > 0));
  const endpoints = servicePortEndpoints(slices, port.name, port.protocol).map((ep) => ({
    ...ep,
    chain: endpointChain(spn, proto, ep.hostPort),
  }));
  return {
    spn,
    namespace: service.namespace,
    serviceName: service.name,
    portName: port.name,
    proto,
    chains: serviceChains(spn, proto),
    clusterIP: formatIpv4(service.clusterIPs[0]!),
    port: port.port,
    nodePort: port.nodePort ?? 0,
    externalIPs: service.externalIPs.map(formatIpv4),
    loadBalancerIPs: service.loadBalancerIngress.map(formatIpv4),
    sourceRanges: service.loadBalancerSourceRanges,
    healthCheckNodePort:
      service.type === "LoadBalancer" && externalPolicyLocal ? (service.healthCheckNodePort ?? 0) : 0,
    internalPolicyLocal: service.internalTrafficPolicy === "Local",
    externalPolicyLocal,
    affinitySeconds: service.sessionAffinity === "ClientIP" ? service.sessionAffinityTimeoutSeconds : 0,
    endpoints,
  };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function externallyAccessible(p: ServicePortInfo): boolean {
  return p.nodePort !== 0 || p.loadBalancerIPs.length > 0 || p.externalIPs.length > 0;
}

export function usesClusterEndpoints(p: ServicePortInfo): boolean {
  return !p.internalPolicyLocal || externallyAccessible(p);
}

export function usesLocalEndpoints(p: ServicePortInfo): boolean {
  return p.internalPolicyLocal || (p.externalPolicyLocal && externallyAccessible(p));
}
