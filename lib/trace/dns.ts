// Name resolution as the client would do it: curl's --resolve first; outside the cluster the
// Topology's zone (where every Ingress host points at its load balancer's VIP); inside a pod the
// cluster DNS search path (<svc>.<ns>.svc.cluster.local and shorter forms), then the same zone.
import { formatIpv4, type Ipv4, parseIpv4 } from "../model/address.ts";
import type { Cluster, DnsRecord, Pod } from "../model/cluster.ts";

export interface Resolution {
  readonly ip: Ipv4;
  /** How, in words: `--resolve`, `Topology dns: shop.example.com`, `cluster DNS: api.shop.svc.cluster.local`. */
  readonly how: string;
  /** The Service a cluster name resolved to, for --trace-dns. */
  readonly clusterName?: string;
}

export const CLUSTER_DOMAIN = "cluster.local";

export function resolveHost(
  cluster: Cluster,
  host: string,
  port: number,
  opts: { resolve?: readonly string[]; pod?: Pod },
): Resolution | undefined {
  const literal = parseIpv4(host);
  if (literal !== undefined) return { ip: literal, how: "an address, not a name" };
  for (const r of opts.resolve ?? []) {
    const [h, p, addr] = r.split(":");
    if (h?.toLowerCase() === host && (p === "*" || Number(p) === port) && addr && parseIpv4(addr) !== undefined) {
      return { ip: parseIpv4(addr)!, how: `--resolve ${r}` };
    }
  }
  if (opts.pod) {
    const inCluster = clusterLookup(cluster, host, opts.pod.namespace);
    if (inCluster) return inCluster;
  }
  const record = zoneLookup(cluster.dns, host);
  return record ? { ip: record.ip, how: `${record.source}: ${record.name} -> ${formatIpv4(record.ip)}` } : undefined;
}

/** A pod's resolv.conf: search <ns>.svc.cluster.local svc.cluster.local cluster.local, ndots:5. */
export function searchList(host: string, namespace: string): string[] {
  const absolute = host.endsWith(".");
  const name = absolute ? host.slice(0, -1) : host;
  const suffixes = [`${namespace}.svc.${CLUSTER_DOMAIN}`, `svc.${CLUSTER_DOMAIN}`, CLUSTER_DOMAIN];
  if (absolute) return [name];
  const dots = name.split(".").length - 1;
  const searched = suffixes.map((s) => `${name}.${s}`);
  return dots >= 5 ? [name, ...searched] : [...searched, name];
}

function clusterLookup(cluster: Cluster, host: string, namespace: string): Resolution | undefined {
  for (const fqdn of searchList(host, namespace)) {
    const m = new RegExp(`^([a-z0-9-]+)\\.([a-z0-9-]+)\\.svc\\.${CLUSTER_DOMAIN.replace(".", "\\.")}$`).exec(fqdn);
    if (!m) continue;
    const svc = cluster.services.find((s) => s.name === m[1] && s.namespace === m[2]);
    if (!svc) continue;
    if (svc.clusterIPs[0] !== undefined)
      return {
        ip: svc.clusterIPs[0],
        how: `cluster DNS: ${fqdn} -> ${formatIpv4(svc.clusterIPs[0])} (Service ClusterIP)`,
        clusterName: fqdn,
      };
    const slices = cluster.endpointSlices.filter((e) => e.namespace === svc.namespace && e.serviceName === svc.name);
    const ready = slices.flatMap((e) => e.endpoints).filter((e) => e.ready);
    if (ready[0])
      return {
        ip: ready[0].ip,
        how:
          `cluster DNS: ${fqdn} -> ${ready.map((e) => formatIpv4(e.ip)).join(", ")} (headless: the pods' ` +
          `addresses; curl takes the first)`,
        clusterName: fqdn,
      };
  }
  return undefined;
}

export function zoneLookup(zone: readonly DnsRecord[], host: string): DnsRecord | undefined {
  const name = host.toLowerCase().replace(/\.$/, "");
  const exact = zone.find((r) => r.name === name);
  if (exact) return exact;
  const parent = name.slice(name.indexOf(".") + 1);
  return zone.find((r) => r.name === `*.${parent}`);
}
