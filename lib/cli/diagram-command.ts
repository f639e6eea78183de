// kubehop diagram -t TOPO [-o FILE.svg]; also the --svg FILE and --format mermaid outputs of
// trace and curl. Files are written whole: a temporary file in the same folder, then a rename.
import { parseArgs } from "node:util";
import { diagramSvg, traceMermaid } from "../diagram/index.ts";
import type { Cluster } from "../model/cluster.ts";
import { loadWithProgress } from "./load-topology.ts";
import type { Trace } from "../trace/types.ts";
import { writeWhole } from "../output/files.ts";
import { type CommandIO, EXIT, required, UsageError } from "./io.ts";


export async function diagramCommand(argv: string[], io: CommandIO): Promise<number> {
  const { values } = parseArgs({ args: argv, strict: true, options: { topology: { type: "string", short: "t" }, output: { type: "string", short: "o" } } });
  const svg = diagramSvg(loadWithProgress(required(values.topology, "-t TOPO")).cluster);
  if (values.output) writeWhole(values.output, svg);
  else io.stdout(svg);
  return EXIT.ok;
}

/** `--format text|json|mermaid` (json is the same as --json). */
export function outputFormat(format: string | undefined, json: boolean | undefined): "text" | "json" | "mermaid" {
  const f = format ?? (json ? "json" : "text");
  if (f !== "text" && f !== "json" && f !== "mermaid") throw new UsageError(`--format ${f}: expected text, json or mermaid`);
  if (json && f !== "json") throw new UsageError("give --json or --format, not both");
  return f;
}

/** What trace and curl add: the drawing of the chosen branches into --svg FILE; Mermaid text. */
export function writeTraceSvg(cluster: Cluster, t: Trace, chosen: readonly number[], file: string | undefined): void {
  if (file) writeWhole(file, diagramSvg(cluster, t, chosen));
}

export function mermaidOf(t: Trace, chosen: readonly number[]): string {
  return traceMermaid(t, chosen);
}
