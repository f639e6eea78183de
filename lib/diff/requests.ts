// The requests `kubehop diff` compares when none are given: every Service port and every Ingress
// rule, from the client, from each node, and from one pod of each workload.
import type { RequestSpec } from "../assert/expectations.ts";
import { formatIpv4 } from "../model/address.ts";
import type { Cluster, Pod, WorkloadRef } from "../model/cluster.ts";

/** Where a request starts: a fixed location, or "a pod of this workload" (whichever pod it is in each topology). */
export type From =
  | { readonly kind: "location"; readonly location: string }
  | { readonly kind: "workload"; readonly namespace: string; readonly owner: WorkloadRef };

export interface DiffRequest {
  /** Identity across the two topologies, and the line printed for it. */
  readonly key: string;
  readonly from: From;
  /** The request, given the start location in one topology. */
  request(from: string): RequestSpec;
}

export function fromText(f: From): string {
  return f.kind === "location" ? f.location : `a pod of ${f.owner.kind} ${f.namespace}/${f.owner.name}`;
}

/** The start location of `from` in this cluster, or why there is none. */
export function resolveFrom(cluster: Cluster, f: From): { location: string } | { error: string } {
  if (f.kind === "location") return { location: f.location };
  const { kind, name } = f.owner;
  const pod = firstPod(
    cluster.pods.filter((p) => p.namespace === f.namespace && p.owner?.kind === kind && p.owner.name === name),
  );
  return pod ? { location: `pod/${pod.namespace}/${pod.name}` } : { error: `no pod of ${kind} ${f.namespace}/${name}` };
}

function firstPod(pods: readonly Pod[]): Pod | undefined {
  return [...pods].filter((p) => !p.terminating).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))[0];
}

/** One entry per workload that owns pods, keyed (for the order) by namespace and owner. */
function workloads(cluster: Cluster): Map<string, From> {
  const out = new Map<string, From>();
  for (const p of cluster.pods)
    if (p.owner)
      out.set(`${p.namespace}\u0000${p.owner.kind}/${p.owner.name}`, {
        kind: "workload",
        namespace: p.namespace,
        owner: p.owner,
      });
  return out;
}

export function defaultRequests(cluster: Cluster): DiffRequest[] {
  const out: DiffRequest[] = [];
  const client = cluster.clients[0] ? `client/${cluster.clients[0].name}` : undefined;
  const insiders: From[] = [
    ...cluster.nodes.map((n): From => ({ kind: "location", location: `node/${n.name}` })),
    ...[...workloads(cluster)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, w]) => w),
  ];
  const everyone: From[] = [...(client ? [{ kind: "location", location: client } as From] : []), ...insiders];
  const trace = (from: From, to: string, proto: "tcp" | "udp" | "sctp") => {
    const key = `${proto === "tcp" ? "" : `${proto} `}${fromText(from)} -> ${to}`;
    out.push({ key, from, request: (loc) => ({ kind: "trace", query: { from: loc, to, proto } }) });
  };
  for (const s of cluster.services) {
    for (const p of s.ports) {
      const proto = p.protocol.toLowerCase() as "tcp" | "udp" | "sctp";
      if (s.clusterIPs.length)
        for (const from of insiders) trace(from, `svc/${s.namespace}/${s.name}:${p.name || p.port}`, proto);
      if (!client) continue;
      const from: From = { kind: "location", location: client };
      for (const ip of [...s.loadBalancerIngress, ...s.externalIPs]) trace(from, `${formatIpv4(ip)}:${p.port}`, proto);
      if (p.nodePort !== undefined)
        for (const n of cluster.nodes) trace(from, `${formatIpv4(n.ip)}:${p.nodePort}`, proto);
    }
  }
  for (const { ingress } of cluster.ingress.served) {
    for (const rule of ingress.rules) {
      if (!rule.host || rule.host.startsWith("*")) continue;
      const tls = ingress.tls.some((t) => t.hosts.includes(rule.host!));
      for (const path of rule.paths ?? []) {
        const rooted = path.path.startsWith("/") ? path.path : `/${path.path}`;
        const url = `${tls ? "https" : "http"}://${rule.host}${rooted}`;
        for (const from of everyone)
          out.push({
            key: `${fromText(from)} -> ${url}`,
            from,
            request: (loc) => ({ kind: "curl", url, options: { from: loc } }),
          });
      }
    }
  }
  return out;
}

/** Both topologies' requests, each once: the first topology's order, then what only the second has. */
export function unionRequests(a: readonly DiffRequest[], b: readonly DiffRequest[]): DiffRequest[] {
  const seen = new Map<string, DiffRequest>();
  for (const r of [...a, ...b]) if (!seen.has(r.key)) seen.set(r.key, r);
  return [...seen.values()];
}
