// Issue 2's figures: loading 5,000 nodes / 150,000 pods, a cross-node pod-to-pod trace, the WireGuard mesh.
import { performance } from "node:perf_hooks";
import { loadTopologySync, type Topology } from "../lib/topology.ts";
import { traceFrom } from "../lib/trace/tracer.ts";
import { planRequest } from "../lib/trace/request.ts";
import { traceJson } from "../lib/output/trace-json.ts";
import { clusterText } from "./cluster-text.ts";
import { gc, mb, peakRss, row, timeIt } from "./report.ts";

export function timeTrace(
  label: string,
  nodes: number,
  deployments: number,
  replicas: number,
  target: { load: string; trace: string },
): Topology {
  const text = clusterText(nodes, deployments, replicas);
  gc();
  const t0 = performance.now();
  const topo = loadTopologySync(text);
  const loadMs = performance.now() - t0;
  gc();
  const heap = process.memoryUsage().heapUsed;
  row(
    `${label}: load + build model (${nodes} nodes, ${topo.cluster.pods.length} pods)`,
    `${(loadMs / 1000).toFixed(2)} s, peak RSS ${mb(peakRss())}, heap after ${mb(heap)}`,
    target.load,
  );

  // A cross-node pod-to-pod trace: first pod of the first node to a pod on the last node.
  const first = topo.cluster.pods.find((p) => p.node === topo.cluster.nodes[0]!.name)!;
  const last = topo.cluster.pods.findLast((p) => p.node === topo.cluster.nodes.at(-1)!.name)!;
  const query = { from: `pod/${first.namespace}/${first.name}`, to: `pod/${last.namespace}/${last.name}:8080` };
  const { starts, request } = planRequest(topo.network, query);
  const { at: start, packet } = starts[0]!;
  let hops = 0;
  const forward = timeIt(() => traceFrom(topo.network, start, packet, { reply: false }));
  const both = timeIt(() => traceFrom(topo.network, start, packet));
  const withJson = timeIt(() => {
    const json = traceJson(request, traceFrom(topo.network, start, packet), []);
    hops = json.branches[0]!.hops.length + (json.branches[0]!.reply?.hops.length ?? 0);
  });
  row(`${label}: cross-node pod-to-pod trace, request only`, `${forward.toFixed(1)} µs median`, target.trace);
  row(`${label}: the same with its reply (${hops} hops)`, `${both.toFixed(1)} µs median`, "-");
  row(`${label}: the same as --json objects`, `${withJson.toFixed(1)} µs median`, "-");
  return topo;
}

/** The mesh: 5,000 nodes, 25 million peer entries if materialised. Lookups go through one shared table. */
export function meshLookups(big: Topology): void {
  const wg = big.network.peers;
  const nodes = big.cluster.nodes;
  const t0 = performance.now();
  let found = 0;
  for (let i = 0; i < 100000; i++) {
    const self = nodes[i % nodes.length]!;
    const other = nodes[(i * 7919) % nodes.length]!;
    if (wg.lookup(self, other.podCidr.network + 5)) found++;
  }
  const perLookup = ((performance.now() - t0) / 100000) * 1e6;
  row(
    `WireGuard mesh, ${nodes.length.toLocaleString("en-US")} nodes (${(nodes.length * (nodes.length - 1)).toLocaleString("en-US")} peer entries implied)`,
    `${perLookup.toFixed(0)} ns per AllowedIPs lookup, ${found} of 100000 found; table holds ${nodes.length * 2} prefixes`,
    "no growth with n²",
  );
}
