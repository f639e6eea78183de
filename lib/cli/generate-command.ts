// kubehop generate --nodes N --pods-per-node P --services S --endpoints E -o FILE: a valid topology
// of that size (lib/generate/topology.ts), with a progress bar on a terminal.
import { GENERATE_BOUNDS, type GenerateSize, generateTopology, sizeProblem } from "../generate/topology.ts";
import { writeWhole } from "../output/files.ts";
import type { CommandRun } from "./command.ts";
import { EXIT, int, required, UsageError } from "./io.ts";
import { progress } from "./progress.ts";

export const run: CommandRun = async (args, io) => {
  const values = args.values as {
    nodes?: string;
    "pods-per-node"?: string;
    services?: string;
    endpoints?: string;
    output?: string;
  };
  const b = GENERATE_BOUNDS;
  const size: GenerateSize = {
    nodes: int(required(values.nodes, "--nodes N"), "--nodes", b.nodes.min, b.nodes.max),
    podsPerNode: int(values["pods-per-node"] ?? "10", "--pods-per-node", b.podsPerNode.min, b.podsPerNode.max),
    services: int(values.services ?? "0", "--services", b.services.min, b.services.max),
    endpoints: int(values.endpoints ?? "1", "--endpoints", b.endpoints.min, b.endpoints.max),
  };
  const why = sizeProblem(size);
  if (why) throw new UsageError(why);
  const text = generateTopology(size, progress("generating", size.services));
  const out = values.output;
  if (!out) io.stdout(text);
  else {
    writeWhole(out, text);
    io.stderr(`wrote ${out}: ${size.nodes} nodes, ${size.nodes * size.podsPerNode} pods, ${size.services} Services\n`);
  }
  return EXIT.ok;
};
