// kube-proxy's rules, loaded for real: `iptables-restore` of the ruleset the simulator evaluates for
// the node (its dump's, printed back from the parsed form, or kube-proxy's), inside the node's namespace.
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
