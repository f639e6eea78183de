// kubehop generate --nodes N --pods-per-node P --services S --endpoints E -o FILE: a valid topology
// of that size (lib/generate/topology.ts), with a progress bar on a terminal.
import { type GenerateSize, generateTopology } from "../generate/topology.ts";
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
  const size: GenerateSize = {
    nodes: int(required(values.nodes, "--nodes N"), "--nodes", 1, 100000),
    podsPerNode: int(values["pods-per-node"] ?? "10", "--pods-per-node", 0, 250),
    services: int(values.services ?? "0", "--services", 0, 1000000),
    endpoints: int(values.endpoints ?? "1", "--endpoints", 1, 1000),
  };
  if (size.services * size.endpoints > size.nodes * size.podsPerNode) {
    throw new UsageError(
      `${size.services} Services x ${size.endpoints} endpoints need ${size.services * size.endpoints} pods, more ` +
        `than ${size.nodes} nodes x ${size.podsPerNode} pods; raise --pods-per-node or lower ` +
        `--services/--endpoints`,
    );
  }
  const text = generateTopology(size, progress("generating", size.services));
  const out = values.output;
  if (!out) io.stdout(text);
  else {
    writeWhole(out, text);
    io.stderr(`wrote ${out}: ${size.nodes} nodes, ${size.nodes * size.podsPerNode} pods, ${size.services} Services\n`);
  }
  return EXIT.ok;
};
