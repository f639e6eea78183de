// What an assertion needs to know beyond the trace itself: a Service's endpoints and which workload
// owns a pod. Traces made by the library remember the cluster they came from (lib/trace/origin.ts);
// `kubehop check` passes its cluster directly.
import { formatIpv4 } from "../model/address.ts";
import type { Cluster } from "../model/cluster.ts";
import { clusterOf } from "../trace/origin.ts";
import type { Trace } from "../trace/types.ts";

export interface AssertContext {
  /** `ns/name` of every Service, sorted. */
  readonly services: readonly string[];
  /** The Service's endpoint addresses and pods (`ns/name`), ready or not; undefined for an unknown Service. */
  endpoints(service: string): { readonly ips: ReadonlySet<string>; readonly pods: ReadonlySet<string> } | undefined;
  /** The workload that made a pod (`ns/name`): its kind and name, e.g. `Deployment` `web`. */
  owner(pod: string): { readonly kind: string; readonly name: string } | undefined;
}

const byCluster = new WeakMap<Cluster, AssertContext>();

export function contextFor(cluster: Cluster): AssertContext {
  const known = byCluster.get(cluster);
  if (known) return known;
  const eps = new Map<string, { ips: Set<string>; pods: Set<string> }>();
  for (const s of cluster.services) eps.set(`${s.namespace}/${s.name}`, { ips: new Set(), pods: new Set() });
  for (const slice of cluster.endpointSlices) {
    const entry = eps.get(`${slice.namespace}/${slice.serviceName}`);
    if (!entry) continue;
    for (const e of slice.endpoints) {
      entry.ips.add(formatIpv4(e.ip));
      if (e.pod) entry.pods.add(e.pod);
    }
  }
  const owners = new Map(cluster.pods.map((p) => [`${p.namespace}/${p.name}`, ownerOf(p.owner)]));
  const ctx: AssertContext = {
    services: [...eps.keys()].sort(),
    endpoints: (service) => eps.get(service),
    owner: (pod) => owners.get(pod),
  };
  byCluster.set(cluster, ctx);
  return ctx;
}

/**
 * The model writes a pod's owner as `Kind/name` (lib/model/cluster.ts), so it is read apart here,
 * once per pod: Kubernetes kinds hold no `/`.
 */
function ownerOf(owner: string | undefined): { kind: string; name: string } | undefined {
  if (owner === undefined) return undefined;
  const cut = owner.indexOf("/");
  return { kind: owner.slice(0, cut), name: owner.slice(cut + 1) };
}

export function contextOf(trace: Trace): AssertContext | undefined {
  const cluster = clusterOf(trace);
  return cluster && contextFor(cluster);
}
