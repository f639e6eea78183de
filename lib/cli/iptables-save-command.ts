// `kubehop iptables-save -t TOPO --node NAME`: the node's kube-proxy tables, or a usage error
// that lists the nodes the user could have meant.
import { kubeProxyRules } from "../kubeproxy/index.ts";
import type { Cluster } from "../model/cluster.ts";

export function iptablesSaveCommand(cluster: Cluster, node: string): { text: string } | { error: string } {
  if (!cluster.nodes.some((n) => n.name === node)) {
    const names = cluster.nodes.map((n) => n.name).join(", ");
    return { error: `unknown node "${node}"; valid nodes: ${names === "" ? "(none)" : names}` };
  }
  return { text: kubeProxyRules(cluster, node) };
}
