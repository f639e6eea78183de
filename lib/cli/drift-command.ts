// `kubehop drift -t TOPO [--json]`: where each node's dumps (iptables-save, ip route, wg show) differ
// from what kubehop derives from the objects, and the requests each difference breaks.
// Exit 0: no drift; 1: drift; 2: bad input.
import { drift, driftText } from "../drift/index.ts";
import { loadWithProgress } from "./load-topology.ts";
import { type CommandRun, loadOptions, outputFormat, topologyPath } from "./command.ts";
import { EXIT } from "./io.ts";

export const run: CommandRun = async (args, io) => {
  const json = outputFormat(args, ["text", "json"]) === "json";
  const { cluster } = loadWithProgress(topologyPath(args), {
    ...loadOptions(args),
    warn: (l: string) => io.stderr(`${l}\n`),
  });
  const report = drift(cluster);
  io.stdout(json ? `${JSON.stringify(report, null, 2)}\n` : driftText(report));
  return report.drift ? EXIT.failed : EXIT.ok;
};
