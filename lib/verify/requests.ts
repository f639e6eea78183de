// Which requests `kubehop verify` sends: every Service port (ClusterIP) from each node and from one pod
// per workload; a pod of each workload, on its first port, from the same places (pod-to-pod pairs);
// from each client, every NodePort on every node and every LB VIP port, curl through every Ingress
// rule and every HTTPRoute attached to a Gateway (gateway-rows.ts); large Don't-Fragment pings
// across wg0 (one that fits its MTU, one that does not); and any given with --request.
import { formatIpv4 } from "../model/address.ts";
import type { Cluster, Pod, Service } from "../model/cluster.ts";
import { gatewayUrls } from "./gateway-rows.ts";

export interface VerifyRequest {
  readonly from: string;
  readonly to: string;
  readonly proto: "tcp" | "udp" | "icmp";
  readonly size?: number;
  /** Why the request is in the set. */
  readonly kind: "service" | "pod" | "nodeport" | "lb" | "mtu" | "ingress" | "gateway" | "given";
  /** curl through ingress or a Gateway: `Name: value` headers curl sends (-H). */
  readonly headers?: readonly string[];
  /** curl through a Gateway: the method (-X), GET when left out. */
  readonly method?: string;
  /** curl's --resolve HOST:PORT:ADDR (a wildcard listener's sample name, which no DNS holds). */
  readonly resolve?: readonly string[];
  /** The Service the request goes to, when it goes to one (its session affinity matters). */
  readonly service?: Service;
}

function workloadKey(p: Pod): string {
  return p.owner ? `${p.namespace}/${p.owner.kind}/${p.owner.name}` : `${p.namespace}/${p.name}`;
}

/** One pod per workload, in the cluster's order. */
export function podPerWorkload(cluster: Cluster): Pod[] {
  const seen = new Set<string>();
  const out: Pod[] = [];
  for (const p of cluster.pods) {
    if (seen.has(workloadKey(p))) continue;
    seen.add(workloadKey(p));
    out.push(p);
  }
  return out;
}

const l4 = (p: string): "tcp" | "udp" | undefined => (p === "TCP" ? "tcp" : p === "UDP" ? "udp" : undefined);

export function defaultRequests(cluster: Cluster): VerifyRequest[] {
  const sources = [
    ...cluster.nodes.map((n) => `node/${n.name}`),
    ...podPerWorkload(cluster).map((p) => `pod/${p.namespace}/${p.name}`),
  ];
  const out: VerifyRequest[] = [];
  for (const svc of cluster.services) {
    if (svc.clusterIPs.length === 0) continue;
    for (const port of svc.ports) {
      const proto = l4(port.protocol);
      if (!proto) continue;
      for (const from of sources)
        out.push({ from, to: `${formatIpv4(svc.clusterIPs[0]!)}:${port.port}`, proto, kind: "service", service: svc });
    }
  }
  for (const target of podPerWorkload(cluster)) {
    const port = target.ports.find((p) => p.protocol === "TCP") ?? target.ports.find((p) => p.protocol === "UDP");
    if (!port) continue;
    for (const from of sources) {
      if (from === `pod/${target.namespace}/${target.name}`) continue;
      out.push({ from, to: `${formatIpv4(target.ip)}:${port.containerPort}`, proto: l4(port.protocol)!, kind: "pod" });
    }
  }
  for (const client of cluster.clients) {
    const from = `client/${client.name}`;
    for (const svc of cluster.services) {
      for (const port of svc.ports) {
        const proto = l4(port.protocol);
        if (!proto || port.nodePort === undefined || (svc.type !== "NodePort" && svc.type !== "LoadBalancer")) continue;
        for (const node of cluster.nodes)
          out.push({ from, to: `${formatIpv4(node.ip)}:${port.nodePort}`, proto, kind: "nodeport", service: svc });
      }
    }
    for (const lb of cluster.loadBalancers) {
      const svc = cluster.services.find((s) => s.namespace === lb.service.namespace && s.name === lb.service.name);
      for (const port of svc?.ports ?? []) {
        const proto = l4(port.protocol);
        if (proto) out.push({ from, to: `${formatIpv4(lb.vip)}:${port.port}`, proto, kind: "lb", service: svc });
      }
    }
  }
  // Ingress rules, as curl from each client, answered by real nginx in the controller pods.
  for (const client of cluster.clients) {
    const seen = new Set<string>();
    for (const url of ingressUrls(cluster)) {
      if (seen.has(url)) continue;
      seen.add(url);
      out.push({ from: `client/${client.name}`, to: url, proto: "tcp", kind: "ingress" });
    }
  }
  // HTTPRoutes, as curl from each client, answered by real nginx in the Gateways' proxy pods.
  const urls = gatewayUrls(cluster);
  for (const client of cluster.clients)
    for (const u of urls) out.push({ from: `client/${client.name}`, proto: "tcp", kind: "gateway", ...u });
  // MTU: from a pod on the first node to a pod on another, the largest packet wg0 carries and one more.
  const onFirst = cluster.pods.find((p) => !p.hostNetwork && p.node === cluster.nodes[0]?.name);
  const elsewhere = cluster.pods.find((p) => !p.hostNetwork && p.node !== cluster.nodes[0]?.name);
  if (onFirst && elsewhere) {
    for (const size of [cluster.overlay.mtu, cluster.overlay.mtu + 1]) {
      out.push({
        from: `pod/${onFirst.namespace}/${onFirst.name}`,
        to: formatIpv4(elsewhere.ip),
        proto: "icmp",
        size,
        kind: "mtu",
      });
    }
  }
  return out;
}

/** Regex syntax in an Ingress path: the literal part before it is what a client would ask for. */
const REGEX_CHARS = /[()[\]{}|$^*+?\\]/;

/**
 * Every Ingress host and path: https for a TLS host and plain http (ssl-redirect's 308), then the path with
 * its trailing slash toggled (nginx's 301 to add it, Prefix boundaries) and a sub-path with a query
 * (rewrite-target keeps the arguments).
 */
function ingressUrls(cluster: Cluster): string[] {
  const out: string[] = [];
  for (const served of cluster.ingress.served) {
    const ing = served.ingress;
    const tlsHosts = new Set(ing.tls.flatMap((t) => t.hosts));
    for (const rule of ing.rules) {
      if (!rule.host || rule.host.startsWith("*")) continue;
      for (const p of rule.paths ?? []) {
        const literal = (p.path || "/").split(REGEX_CHARS)[0]!;
        const path = literal.startsWith("/") ? literal : `/${literal}`;
        if (tlsHosts.has(rule.host)) out.push(`https://${rule.host}${path}`);
        out.push(`http://${rule.host}${path}`);
        if (path === "/") continue;
        out.push(`http://${rule.host}${path.endsWith("/") ? path.slice(0, -1) : `${path}/`}`);
        out.push(`http://${rule.host}${path.endsWith("/") ? path : `${path}/`}x?q=1`);
      }
    }
  }
  return out;
}

/** `--request 'FROM TO [tcp|udp|icmp] [SIZE]'`. */
export function parseRequest(text: string): VerifyRequest | string {
  const [from, to, proto = "tcp", size, ...rest] = text.trim().split(/\s+/);
  if (!from || !to || rest.length) return `--request "${text}": expected 'FROM TO [tcp|udp|icmp] [SIZE]'`;
  if (proto !== "tcp" && proto !== "udp" && proto !== "icmp")
    return `--request "${text}": protocol ${proto} is not tcp, udp or icmp`;
  if (size !== undefined && !/^\d+$/.test(size)) return `--request "${text}": size ${size} is not a number`;
  return { from, to, proto, kind: "given", ...(size ? { size: Number(size) } : {}) };
}
