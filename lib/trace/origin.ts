// Which cluster a trace was made from, kept beside the trace (a WeakMap, so nothing is added to the
// trace data): the Topology records it, and a question asked of the trace later (an assertion about
// a Service's endpoints, say) looks the cluster up here.
import type { Cluster } from "../model/cluster.ts";
import type { Trace } from "./types.ts";

const clusters = new WeakMap<Trace, Cluster>();

/** Marks a trace (and the requests `curl -L` followed) as made from this cluster. */
export function recordCluster<T extends Trace>(trace: T, cluster: Cluster): T {
  clusters.set(trace, cluster);
  for (const f of trace.followed ?? []) clusters.set(f, cluster);
  return trace;
}

export function clusterOf(trace: Trace): Cluster | undefined {
  return clusters.get(trace);
}
