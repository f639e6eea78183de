// A node whose kube-proxy runs in nftables mode holds two tables on the same hooks: kube-proxy's
// `table ip kube-proxy` and the overlay agent's NAT, which the agent writes with iptables-nft, so
// it lands in the `table ip nat` iptables-nft keeps (written as `nft list ruleset` shows it, by
// kubehop ruleset's own composer, so a trace walks the very text `kubehop ruleset` prints). Their
// nat chains share priority srcnat (and dstnat).
// The agent's table is there before kube-proxy starts (as `kubehop emulate` loads them too:
// iptables-restore, then nft -f), so `nft list ruleset` prints it first; the nft engine runs the
// chain registered last first among chains of one hook and priority, as the kernel does (seen in a
// namespace: a `table ip kp` snat loaded after iptables-nft's nat POSTROUTING snat won), so
// kube-proxy's chains run first. With flannel the order changes nothing (it leaves kube-proxy's
// marked packets alone); with Kilo a marked pod -> outside packet is masqueraded by kube-proxy's
// rule rather than Kilo's, to the same address.
import { nodeRulesetText } from "../kubeproxy/nftables/index.ts";
import type { Cluster, Node } from "../model/cluster.ts";
import { NftEngine } from "../netfilter/nft/engine.ts";
import { parseNftRuleset } from "../netfilter/nft/reader.ts";

/** The node's ruleset as `nft list ruleset` prints it: the agent's nat table, then kube-proxy's. */
export function nftNodeText(cluster: Cluster, node: Node): string {
  return nodeRulesetText(cluster, node.name);
}

export function nftNodeEngine(cluster: Cluster, node: Node): NftEngine {
  return new NftEngine(parseNftRuleset(nftNodeText(cluster, node), `node ${node.name} (nftables mode)`));
}
