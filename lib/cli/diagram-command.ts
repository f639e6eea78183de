// kubehop diagram -f TOPO [-o FILE.svg]: the cluster drawn as an SVG. Files are written whole: a
// temporary file in the same folder, then a rename.
import { diagramSvg } from "../diagram/index.ts";
import { writeWhole } from "../output/files.ts";
import { type CommandRun, loadOptions, str, topologyPath } from "./command.ts";
import { EXIT } from "./io.ts";
import { loadWithProgress } from "./load-topology.ts";

export const run: CommandRun = async (args, io) => {
  const svg = diagramSvg(
    loadWithProgress(topologyPath(args), { ...loadOptions(args), warn: (l: string) => io.stderr(`${l}\n`) }).cluster,
  );
  const out = str(args, "output");
  if (out) {
    writeWhole(out, svg);
    io.stderr(`wrote ${out}\n`);
  } else io.stdout(svg);
  return EXIT.ok;
};
