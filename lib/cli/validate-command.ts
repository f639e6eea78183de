// kubehop validate -t TOPO: load, check, and summarise what the simulation will use.
import { formatIpv4 } from "../model/address.ts";
import { loadWithProgress } from "./load-topology.ts";
import { type CommandRun, loadOptions, topologyPath } from "./command.ts";
import { EXIT } from "./io.ts";
import { diagnosticLines } from "../output/diagnostics.ts";

export const run: CommandRun = async (args, io) => {
  const { cluster } = loadWithProgress(topologyPath(args), loadOptions(args));
  const pods = cluster.pods.length;
  io.stdout(
    `ok: ${cluster.nodes.length} nodes, ${pods} pods, ${cluster.clients.length} ` +
      `client${cluster.clients.length === 1 ? "" : "s"}; cluster CIDR ${cluster.clusterCidr.text}, ` +
      `underlay ${cluster.underlay.cidr.text}, wg0 ${cluster.overlay.style}-style mesh ` +
      `(MTU ${cluster.overlay.mtu}, port ${cluster.overlay.listenPort})\n`,
  );
  for (const n of cluster.nodes.slice(0, 20)) {
    const here = cluster.pods.filter((p) => p.node === n.name).length;
    io.stdout(
      `  ${n.name.padEnd(12)} eth0 ${formatIpv4(n.ip).padEnd(15)} podCIDR ${n.podCidr.text.padEnd(18)} ${here} pods\n`,
    );
  }
  if (cluster.nodes.length > 20) io.stdout(`  ... ${cluster.nodes.length - 20} more nodes\n`);
  io.stderr(diagnosticLines(cluster.diagnostics));
  return EXIT.ok;
};
