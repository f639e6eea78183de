// `kubehop ruleset -f TOPO --node NAME`: what the node's own tool prints of its rules, in the node's
// proxy mode: iptables-save text in iptables mode (as `kubehop iptables-save`), `nft list ruleset`
// in nftables mode (the overlay agent's iptables-nft table, then kube-proxy's).
import { nodeRulesetText } from "../kubeproxy/nftables/index.ts";
import type { Cluster } from "../model/cluster.ts";
import { type CommandRun, loadOptions, str, topologyPath } from "./command.ts";
import { EXIT, required, UsageError } from "./io.ts";
import { loadWithProgress } from "./load-topology.ts";

/** Why a node's rules cannot be printed, or undefined when they can. */
export function rulesetRefusal(cluster: Cluster, node: string): string | undefined {
  if (!cluster.nodes.some((n) => n.name === node)) {
    const names = cluster.nodes.map((n) => n.name).join(", ");
    return `unknown node "${node}"; valid nodes: ${names === "" ? "(none)" : names}`;
  }
  if (cluster.kubeProxy.mode === "ipvs") {
    return (
      `node ${node} runs kube-proxy in IPVS mode, whose rules kubehop does not generate; its node dump ` +
      `(nodes/${node}/iptables-save.txt and ipvsadm.txt) holds them`
    );
  }
  return undefined;
}

export const run: CommandRun = async (args, io) => {
  const topo = loadWithProgress(topologyPath(args), { ...loadOptions(args), warn: (l: string) => io.stderr(`${l}\n`) });
  const node = required(str(args, "node"), "--node NAME");
  const refusal = rulesetRefusal(topo.cluster, node);
  if (refusal !== undefined) throw new UsageError(refusal);
  io.stdout(topo.cluster.kubeProxy.mode === "nftables" ? nodeRulesetText(topo.cluster, node) : topo.iptablesSave(node));
  return EXIT.ok;
};
