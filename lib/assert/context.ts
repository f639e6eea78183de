// What an assertion needs to know beyond the trace itself: a Service's endpoints and which workload
// owns a pod. Traces made by the library remember the cluster they came from (lib/trace/origin.ts);
// `kubehop check` passes its cluster directly.
import { formatIpv4 } from "../model/address.ts";
import type { Cluster, WorkloadRef } from "../model/cluster.ts";
import { clusterOf } from "../trace/origin.ts";
import type { Trace } from "../trace/types.ts";

export interface AssertContext {
  /** `ns/name` of every Service, sorted. */
  readonly services: readonly string[];
  /** The Service's endpoint addresses and pods (`ns/name`), ready or not; undefined for an unknown Service. */
  endpoints(service: string): { readonly ips: ReadonlySet<string>; readonly pods: ReadonlySet<string> } | undefined;
  /** The workload that made a pod (`ns/name`): its kind and name, e.g. `Deployment` `web`. */
  owner(pod: string): WorkloadRef | undefined;
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
      if (e.pod) entry.pods.add(`${e.pod.namespace}/${e.pod.name}`);
    }
  }
  const owners = new Map(cluster.pods.map((p) => [`${p.namespace}/${p.name}`, p.owner]));
  const ctx: AssertContext = {
    services: [...eps.keys()].sort(),
    endpoints: (service) => eps.get(service),
    owner: (pod) => owners.get(pod),
  };
  byCluster.set(cluster, ctx);
  return ctx;
}

export function contextOf(trace: Trace): AssertContext | undefined {
  const cluster = clusterOf(trace);
  return cluster && contextFor(cluster);
}
