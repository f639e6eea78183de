// How trace and curl print what they found: text for people, JSON or YAML for tools, Mermaid for
// docs, and an SVG on request. The drawing code (d3, jsdom) is loaded only when a picture is asked for.
import { stringify } from "yaml";
import type { Cluster } from "../model/cluster.ts";
import { writeWhole } from "../output/files.ts";
import type { Trace } from "../trace/types.ts";
import type { CommandIO } from "./io.ts";

/** wide is kubectl's word for more columns: here, the text with every step (--verbose). */
export const TRACE_FORMATS = ["text", "wide", "json", "yaml", "mermaid"] as const;
export type TraceFormat = (typeof TRACE_FORMATS)[number];

/** The JSON object (`--json`) as text in the asked format; YAML is the same object, for kubectl habits. */
export function structured(format: "json" | "yaml", value: unknown): string {
  if (format === "json") return `${JSON.stringify(value, null, 2)}\n`;
  // Traces share objects (a packet seen by two steps): YAML would write them as anchors and aliases.
  return stringify(value, { aliasDuplicateObjects: false, lineWidth: 0 });
}

export async function mermaidOf(t: Trace, chosen: readonly number[]): Promise<string> {
  const { traceMermaid } = await import("../diagram/mermaid.ts");
  return traceMermaid(t, chosen);
}

/** `--svg FILE`: the chosen branches drawn over the cluster, written whole; says which file it wrote. */
export async function writeTraceSvg(
  cluster: Cluster,
  t: Trace,
  chosen: readonly number[],
  file: string | undefined,
  io: CommandIO,
): Promise<void> {
  if (!file) return;
  const { diagramSvg } = await import("../diagram/index.ts");
  writeWhole(file, diagramSvg(cluster, t, chosen));
  io.stderr(`wrote ${file}\n`);
}
