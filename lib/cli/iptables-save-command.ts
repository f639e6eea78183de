// `kubehop iptables-save -t TOPO --node NAME`: the node's nat and filter tables as kube-proxy and
// the overlay agent leave them, printed the way `iptables-save` prints them, to hold next to the
// real node's. iptablesSaveCommand gives kube-proxy's part alone.
import { parseArgs } from "node:util";
import { kubeProxyRules } from "../kubeproxy/index.ts";
import type { Cluster } from "../model/cluster.ts";
import { loadWithProgress } from "./load-topology.ts";
import { type CommandIO, EXIT, required, UsageError } from "./io.ts";

export function iptablesSaveCommand(cluster: Cluster, node: string): { text: string } | { error: string } {
  if (!cluster.nodes.some((n) => n.name === node)) {
    const names = cluster.nodes.map((n) => n.name).join(", ");
    return { error: `unknown node "${node}"; valid nodes: ${names === "" ? "(none)" : names}` };
  }
  return { text: kubeProxyRules(cluster, node) };
}

export async function iptablesSaveRun(argv: string[], io: CommandIO): Promise<number> {
  const { values } = parseArgs({ args: argv, strict: true, options: { topology: { type: "string", short: "t" }, node: { type: "string" } } });
  const topo = loadWithProgress(required(values.topology, "-t TOPO"));
  const node = required(values.node, "--node NAME");
  const result = iptablesSaveCommand(topo.cluster, node);
  if ("error" in result) throw new UsageError(result.error);
  io.stdout(topo.iptablesSave(node));
  return EXIT.ok;
}
