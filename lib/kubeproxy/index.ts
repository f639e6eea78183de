// kube-proxy (iptables mode) as a function: the nat and filter tables one node would show.
import type { Cluster, Node } from "../model/cluster.ts";
import { printSave, type SaveTables } from "../netfilter/chain-source.ts";
import { clusterRules } from "./cluster-rules.ts";
import { anyUsable } from "./endpoints.ts";
import { nodeContext } from "./node-context.ts";
import { localSet, serviceChains, topRules } from "./service-rules.ts";
import type { ProxyEndpointInfo } from "./service-ports.ts";
import { HEADER, nodeTables, TRAILER } from "./tables.ts";

/**
 * The node's filter and nat tables as kube-proxy's iptables mode (kubernetes master proxier.go)
 * leaves them, chain by chain, built as they are asked for and sharing every rule array the node
 * has in common with others. Throws if the node is unknown.
 */
export function kubeProxyTables(cluster: Cluster, nodeName: string): SaveTables {
  return nodeTables(clusterRules(cluster), nodeContext(cluster, nodeOf(cluster, nodeName)));
}

/** Tables as `iptables-save` prints them, with kubehop's header and trailer comments. */
export function saveText(tables: SaveTables): string {
  return printSave(tables, HEADER, TRAILER);
}

/** The node's whole `iptables-save` output for the filter and nat tables. */
export function kubeProxyRules(cluster: Cluster, nodeName: string): string {
  return saveText(kubeProxyTables(cluster, nodeName));
}

/** A Service port as kube-proxy programs it on one node, read from the data its rules are made of. */
export interface ProgrammedServicePort {
  /** ServicePortName.String(), `ns/name:port`: what its rules' comments begin with. */
  readonly name: string;
  /** The endpoints the node has a KUBE-SEP chain for, each DNATing to `ip:port`. */
  readonly endpoints: readonly ProxyEndpointInfo[];
}

/**
 * The Service ports kube-proxy gives rules in the node's KUBE-SERVICES (a jump in nat, or the
 * REJECT in filter of a port without endpoints), in kube-proxy's order. A port whose only policy is
 * Local and that has no endpoint on the node, nor an external or load-balancer IP, has none.
 */
export function programmedServicePorts(cluster: Cluster, nodeName: string): ProgrammedServicePort[] {
  const ctx = nodeContext(cluster, nodeOf(cluster, nodeName));
  const { services } = clusterRules(cluster);
  const out: ProgrammedServicePort[] = [];
  for (const svc of services.ports) {
    const hasLocal = localSet(svc, nodeName).length > 0;
    if (topRules(svc, hasLocal).natServices.length === 0 && anyUsable(svc.endpoints)) continue;
    const chains = new Set(serviceChains(svc, ctx, services.largeClusterMode).map((c) => c.name));
    out.push({ name: svc.spn, endpoints: svc.endpoints.filter((ep) => chains.has(ep.chain)) });
  }
  return out;
}

function nodeOf(cluster: Cluster, nodeName: string): Node {
  const node = cluster.nodes.find((n) => n.name === nodeName);
  if (!node) throw new Error(`unknown node "${nodeName}"`);
  return node;
}
