// kube-proxy (iptables mode) as a function: the nat and filter tables one node would show.
import type { Cluster } from "../model/cluster.ts";
import { printSave, type SaveTables } from "../netfilter/chain-source.ts";
import { clusterRules } from "./cluster-rules.ts";
import { nodeContext } from "./node-context.ts";
import { HEADER, nodeTables, TRAILER } from "./tables.ts";

/**
 * The node's filter and nat tables as kube-proxy's iptables mode (kubernetes master proxier.go)
 * leaves them, chain by chain, built as they are asked for and sharing every rule array the node
 * has in common with others. Throws if the node is unknown.
 */
export function kubeProxyTables(cluster: Cluster, nodeName: string): SaveTables {
  const node = cluster.nodes.find((n) => n.name === nodeName);
  if (!node) throw new Error(`unknown node "${nodeName}"`);
  return nodeTables(clusterRules(cluster), nodeContext(cluster, node));
}

/** Tables as `iptables-save` prints them, with kubehop's header and trailer comments. */
export function saveText(tables: SaveTables): string {
  return printSave(tables, HEADER, TRAILER);
}

/** The node's whole `iptables-save` output for the filter and nat tables. */
export function kubeProxyRules(cluster: Cluster, nodeName: string): string {
  return saveText(kubeProxyTables(cluster, nodeName));
}
