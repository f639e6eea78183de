// kube-proxy's nftables mode as a function: the `kube-proxy` table (family ip) one node holds.
import type { Cluster } from "../../model/cluster.ts";
import { proxyServices } from "../service-ports.ts";
import { compose, TableBuilder } from "./builder.ts";
import { listingText } from "./listing.ts";
import { agentNatListing } from "./node-ruleset.ts";
import { nftNodeView } from "./node-view.ts";
import { servicePortPart } from "./service.ts";
import { setupTable } from "./setup.ts";
import type { NftTable } from "./table.ts";

export type { NftTable } from "./table.ts";
export { listingText } from "./listing.ts";
export { agentNatListing, listedIptablesRule } from "./node-ruleset.ts";
export { transactionText } from "./transaction.ts";

/**
 * The node's kube-proxy table as kube-proxy's nftables mode (kubernetes master proxier.go) writes
 * it on a full sync: the fixed objects, then each service port's, in kubehop's stable Service
 * order (kube-proxy walks a Go map). Throws if the node is unknown.
 */
export function kubeProxyNftTable(cluster: Cluster, nodeName: string): NftTable {
  const node = cluster.nodes.find((n) => n.name === nodeName);
  if (!node) throw new Error(`unknown node "${nodeName}"`);
  const view = nftNodeView(cluster, node);
  const fixed = new TableBuilder();
  setupTable(fixed, view);
  const parts = proxyServices(cluster).ports.map((svc) => servicePortPart(view, svc));
  return compose(fixed.build("kube-proxy", "rules for kube-proxy"), parts);
}

/**
 * What `nft list ruleset` prints on the node: every table, in the order they were made, which is the
 * order nft lists them. The overlay agent writes its NAT through iptables-nft before kube-proxy
 * starts, so iptables-nft's `table ip nat` comes first, then kube-proxy's own.
 */
export function nodeRulesetText(cluster: Cluster, nodeName: string): string {
  return `${agentNatListing(cluster, nodeName)}${listingText(kubeProxyNftTable(cluster, nodeName))}`;
}
