// `kubehop iptables-save -t TOPO --node NAME`: the node's nat and filter tables as kube-proxy and
// the overlay agent leave them, printed the way `iptables-save` prints them, to hold next to the
// real node's. iptablesSaveCommand gives kube-proxy's part alone. `kubehop ruleset` prints the same
// in iptables mode; in nftables mode this command refuses and points to it.
import { kubeProxyRules } from "../kubeproxy/index.ts";
import type { Cluster } from "../model/cluster.ts";
import { loadWithProgress } from "./load-topology.ts";
import { type CommandRun, loadOptions, str, topologyPath } from "./command.ts";
import { EXIT, required, UsageError } from "./io.ts";

export function iptablesSaveCommand(cluster: Cluster, node: string): { text: string } | { error: string } {
  if (!cluster.nodes.some((n) => n.name === node)) {
    const names = cluster.nodes.map((n) => n.name).join(", ");
    return { error: `unknown node "${node}"; valid nodes: ${names === "" ? "(none)" : names}` };
  }
  // The node's iptables hold none of kube-proxy's rules then: printing iptables mode's would mislead.
  if (cluster.kubeProxy.mode === "nftables") {
    return {
      error:
        `node ${node} runs kube-proxy in nftables mode (KubeProxyConfiguration mode: nftables), so its rules are ` +
        `in nft's kube-proxy table, not in iptables: kubehop ruleset -f TOPO --node ${node} prints them`,
    };
  }
  return { text: kubeProxyRules(cluster, node) };
}

export const run: CommandRun = async (args, io) => {
  const table = str(args, "table");
  if (table !== undefined && !TABLES.includes(table))
    throw new UsageError(`--table ${table}: kubehop writes the ${TABLES.join(" and ")} tables`);
  const topo = loadWithProgress(topologyPath(args), { ...loadOptions(args), warn: (l: string) => io.stderr(`${l}\n`) });
  const node = required(str(args, "node"), "--node NAME");
  const result = iptablesSaveCommand(topo.cluster, node);
  if ("error" in result) throw new UsageError(result.error);
  const text = topo.iptablesSave(node);
  io.stdout(table === undefined ? text : onlyTable(text, table));
  return EXIT.ok;
};

const TABLES = ["nat", "filter"];

/** What `iptables-save -t TABLE` prints: that table's block with the comment lines around it. */
function onlyTable(save: string, table: string): string {
  const lines = save.split("\n");
  const start = lines.indexOf(`*${table}`);
  if (start < 0) return "";
  const end = lines.indexOf("COMMIT", start);
  const from = start > 0 && lines[start - 1]!.startsWith("#") ? start - 1 : start;
  const to = lines[end + 1]?.startsWith("#") ? end + 1 : end;
  return `${lines.slice(from, to + 1).join("\n")}\n`;
}
