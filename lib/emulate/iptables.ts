// kube-proxy's rules, loaded for real: `iptables-restore` of the node's iptables-save text (the same
// text the simulator parses), inside the node's namespace.
import type { Node } from "../model/cluster.ts";
import type { Topology } from "../topology.ts";
import { run } from "./runner.ts";

/** The ruleset the simulator evaluates for the node: its dump when given, else kube-proxy's. */
export function nodeRules(topo: Topology, node: Node): string {
  return topo.cluster.nodeDumps.get(node.name)?.iptablesSave?.text ?? topo.iptablesSave(node.name);
}

export function loadRules(ns: string, text: string): void {
  run("iptables-restore", ["-w", "5"], { ns, input: text });
}
