// kubehop validate -t TOPO [--json]: load, check, and summarise what the simulation will use, with the
// Gateway API status a conformant controller would write.
import { gatewayApiStatus } from "../gateway/status-report.ts";
import { formatIpv4 } from "../model/address.ts";
import type { Cluster } from "../model/cluster.ts";
import { diagnosticLines } from "../output/diagnostics.ts";
import { gatewayStatusText } from "../output/gateway-status.ts";
import type { ValidateReport } from "../output/validate-schema.ts";
import { type CommandRun, loadOptions, outputFormat, topologyPath } from "./command.ts";
import { EXIT } from "./io.ts";
import { loadWithProgress } from "./load-topology.ts";

function report(cluster: Cluster): ValidateReport {
  return {
    clusterCidr: cluster.clusterCidr.text,
    underlayCidr: cluster.underlay.cidr.text,
    overlay: { style: cluster.overlay.style, mtu: cluster.overlay.mtu, listenPort: cluster.overlay.listenPort },
    nodes: cluster.nodes.map((n) => ({
      name: n.name,
      ip: formatIpv4(n.ip),
      podCidr: n.podCidr.text,
      pods: cluster.pods.filter((p) => p.node === n.name).length,
    })),
    pods: cluster.pods.length,
    clients: cluster.clients.length,
    gatewayApi: gatewayApiStatus(cluster.gateways),
    diagnostics: cluster.diagnostics,
  };
}

function text(r: ValidateReport): string {
  const head =
    `ok: ${r.nodes.length} nodes, ${r.pods} pods, ${r.clients} client${r.clients === 1 ? "" : "s"}; ` +
    `cluster CIDR ${r.clusterCidr}, underlay ${r.underlayCidr}, wg0 ${r.overlay.style}-style mesh ` +
    `(MTU ${r.overlay.mtu}, port ${r.overlay.listenPort})\n`;
  const nodes = r.nodes
    .slice(0, 20)
    .map((n) => `  ${n.name.padEnd(12)} eth0 ${n.ip.padEnd(15)} podCIDR ${n.podCidr.padEnd(18)} ${n.pods} pods\n`);
  const more = r.nodes.length > 20 ? `  ... ${r.nodes.length - 20} more nodes\n` : "";
  return head + nodes.join("") + more + gatewayStatusText(r.gatewayApi);
}

export const run: CommandRun = async (args, io) => {
  const json = outputFormat(args, ["text", "json"]) === "json";
  const { cluster } = loadWithProgress(topologyPath(args), loadOptions(args));
  const r = report(cluster);
  if (json) io.stdout(`${JSON.stringify(r, null, 2)}\n`);
  else {
    io.stdout(text(r));
    io.stderr(diagnosticLines(cluster.diagnostics));
  }
  return EXIT.ok;
};
