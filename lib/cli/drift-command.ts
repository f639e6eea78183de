// `kubehop drift -t TOPO [--json]`: where each node's dumps (iptables-save, ip route, wg show) differ
// from what kubehop derives from the objects, and the requests each difference breaks.
// Exit 0: no drift; 1: drift; 2: bad input.
import { parseArgs } from "node:util";
import { drift, driftText } from "../drift/index.ts";
import { loadWithProgress } from "./load-topology.ts";
import { type CommandIO, EXIT, required } from "./io.ts";

export async function driftCommand(argv: string[], io: CommandIO): Promise<number> {
  const { values } = parseArgs({ args: argv, strict: true, options: { topology: { type: "string", short: "t" }, json: { type: "boolean" } } });
  const { cluster } = loadWithProgress(required(values.topology, "-t TOPO"));
  const report = drift(cluster);
  io.stdout(values.json ? `${JSON.stringify(report, null, 2)}\n` : driftText(report));
  return report.drift ? EXIT.failed : EXIT.ok;
}
