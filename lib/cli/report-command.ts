// kubehop report -t TOPO [-o FILE.html]: the topology's diagram and a curl through every Ingress
// host and path, with their drawings, in one self-contained HTML file.
import { parseArgs } from "node:util";
import { reportHtml } from "../diagram/report.ts";
import { loadWithProgress } from "./load-topology.ts";
import { writeWhole } from "../output/files.ts";
import { type CommandIO, EXIT, required } from "./io.ts";

export async function reportCommand(argv: string[], io: CommandIO): Promise<number> {
  const { values } = parseArgs({ args: argv, strict: true, options: { topology: { type: "string", short: "t" }, output: { type: "string", short: "o" } } });
  const topology = required(values.topology, "-t TOPO");
  const html = reportHtml(loadWithProgress(topology), topology);
  if (values.output) writeWhole(values.output, html);
  else io.stdout(html);
  return EXIT.ok;
}
