// kube-proxy (iptables mode) as a function: the nat and filter tables one node would show.
import type { Cluster } from "../model/cluster.ts";
import { nodeContext } from "./node-context.ts";
import { writeServicePort } from "./service-rules.ts";
import { proxyServices } from "./service-ports.ts";
import { emptySink, renderTables } from "./tables.ts";

/**
 * The node's whole `iptables-save` output for the filter and nat tables, as kube-proxy's
 * iptables mode (kubernetes master proxier.go) leaves them. Throws if the node is unknown.
 */
export function kubeProxyRules(cluster: Cluster, nodeName: string): string {
  const node = cluster.nodes.find((n) => n.name === nodeName);
  if (!node) throw new Error(`unknown node "${nodeName}"`);
  const ctx = nodeContext(cluster, node);
  const services = proxyServices(cluster);
  const sink = emptySink();
  for (const svc of services.ports) writeServicePort(svc, ctx, services.largeClusterMode, sink);
  return renderTables(ctx, sink);
}
