// Where an auth-url subrequest goes. nginx resolves the URL's host at request time with its
// `resolver` (kube-dns), which applies no search path: a Service is reached by its full name
// SERVICE.NAMESPACE.svc.cluster.local or by its ClusterIP; any other host is outside the cluster,
// and what it answers cannot be known offline.
import { formatIpv4, parseIpv4 } from "../model/address.ts";
import type { EndpointSlice, Service } from "../model/cluster.ts";

const CLUSTER_SUFFIX = ".svc.cluster.local";

export interface AuthTarget {
  /** `namespace/name`, when the host is a Service of the cluster. */
  readonly service?: string;
  readonly upstream?: { readonly ip: string; readonly port: number };
  readonly readyEndpoints?: number;
  /** reachable: a Service with a ready endpoint; outside: not a Service; else why the subrequest fails. */
  readonly state: "reachable" | "outside" | "no-service" | "no-port" | "no-endpoint";
}

export function authTarget(url: string, services: readonly Service[], slices: readonly EndpointSlice[]): AuthTarget {
  const u = new URL(url);
  const port = u.port ? Number(u.port) : u.protocol === "https:" ? 443 : 80;
  const host = u.hostname.toLowerCase().replace(/\.$/, "");
  const svc = serviceOf(host, services);
  if (svc === undefined) return { state: "outside" };
  if (svc === "missing") {
    const [name, namespace] = host.split(".");
    return { service: `${namespace}/${name}`, state: "no-service" };
  }
  const service = `${svc.namespace}/${svc.name}`;
  const sp = svc.ports.find((p) => p.port === port && p.protocol === "TCP");
  const ip = svc.clusterIPs[0];
  const upstream = ip !== undefined ? { upstream: { ip: formatIpv4(ip), port } } : {};
  if (!sp) return { service, ...upstream, state: "no-port" };
  const ready = slices
    .filter((s) => s.namespace === svc.namespace && s.serviceName === svc.name)
    .filter((s) => s.ports.some((p) => p.name === sp.name && p.protocol === sp.protocol))
    .flatMap((s) => s.endpoints.filter((e) => e.ready)).length;
  return { service, ...upstream, readyEndpoints: ready, state: ready > 0 ? "reachable" : "no-endpoint" };
}

/** The Service a host names, "missing" for a cluster name no Service has, undefined outside the cluster. */
function serviceOf(host: string, services: readonly Service[]): Service | "missing" | undefined {
  const ip = parseIpv4(host);
  if (ip !== undefined) return services.find((s) => s.clusterIPs.includes(ip));
  if (!host.endsWith(CLUSTER_SUFFIX)) return undefined;
  const parts = host.slice(0, -CLUSTER_SUFFIX.length).split(".");
  if (parts.length !== 2) return undefined;
  const [name, namespace] = parts as [string, string];
  return services.find((s) => s.namespace === namespace && s.name === name) ?? "missing";
}
