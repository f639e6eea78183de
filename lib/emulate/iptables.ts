// kube-proxy's rules, loaded for real inside the node's namespace: in iptables mode `iptables-restore`
// of the ruleset the simulator evaluates for the node (its dump's, printed back from the parsed form,
// or kube-proxy's); in nftables mode the overlay agent's nat rules with `iptables-restore` (into
// iptables-nft's `ip nat` table, as the agent writes them), then kube-proxy's table with `nft -f`:
// the kernel runs the chain registered last first at equal priority, so kube-proxy's run before the
// agent's, as the simulator runs them (lib/dataplane/nft-ruleset.ts).
import { cniNatRules } from "../cni/nat-rules.ts";
import { kubeProxyNftTable, listingText } from "../kubeproxy/nftables/index.ts";
import type { Node } from "../model/cluster.ts";
import { printRuleset } from "../netfilter/ruleset-text.ts";
import type { Topology } from "../topology.ts";
import { run } from "./runner.ts";

/** The ruleset the simulator evaluates for the node: its dump when given, else kube-proxy's. */
export function nodeRules(topo: Topology, node: Node): string {
  const dumped = topo.cluster.nodeDumps.get(node.name)?.iptablesSave;
  return dumped ? printRuleset(dumped) : topo.iptablesSave(node.name);
}

export function loadRules(ns: string, text: string): void {
  run("iptables-restore", ["-w", "5"], { ns, input: text });
}

/** True when the node's rules are nft's: its nft dump, or kube-proxy's table when no dump replaces it. */
export function usesNft(topo: Topology, node: Node): boolean {
  const dump = topo.cluster.nodeDumps.get(node.name);
  if (dump?.nftRuleset) return true;
  return topo.cluster.kubeProxy.mode === "nftables" && !dump?.iptablesSave;
}

/** The overlay agent's nat rules alone, as iptables-restore reads them. */
export function agentRestoreText(topo: Topology, node: Node): string {
  const { chains, rules } = cniNatRules(topo.cluster, node);
  const lines = ["*nat", ":POSTROUTING ACCEPT [0:0]", ...chains.map((c) => `:${c} - [0:0]`)];
  for (const chain of ["POSTROUTING", ...chains]) lines.push(...(rules.get(chain) ?? []));
  return `${[...lines, "COMMIT"].join("\n")}\n`;
}

export function loadNftRules(ns: string, topo: Topology, node: Node): void {
  const dumped = topo.cluster.nodeDumps.get(node.name)?.nftRuleset;
  if (dumped) {
    run("nft", ["-f", "-"], { ns, input: dumped.text });
    return;
  }
  loadRules(ns, agentRestoreText(topo, node));
  run("nft", ["-f", "-"], { ns, input: listingText(kubeProxyNftTable(topo.cluster, node.name)) });
}
