// kubehop report -t TOPO [-o FILE.html]: the topology's diagram and a curl through every Ingress
// host and path and every served HTTPRoute match, each drawing beside its hop list, in one
// self-contained interactive HTML file (lib/diagram/report.ts).
import { reportHtml } from "../diagram/report.ts";
import { loadWithProgress } from "./load-topology.ts";
import { writeWhole } from "../output/files.ts";
import { type CommandRun, loadOptions, str, topologyPath } from "./command.ts";
import { EXIT } from "./io.ts";

export const run: CommandRun = async (args, io) => {
  const topology = topologyPath(args);
  const html = reportHtml(
    loadWithProgress(topology, { ...loadOptions(args), warn: (l: string) => io.stderr(`${l}\n`) }),
    topology,
  );
  const out = str(args, "output");
  if (out) {
    writeWhole(out, html);
    io.stderr(`wrote ${out}\n`);
  } else io.stdout(html);
  return EXIT.ok;
};
