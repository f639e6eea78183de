// How trace and curl print what they found: text for people, JSON or YAML for tools, Mermaid for
// docs, and an SVG on request. The drawing code (d3, jsdom) is loaded only when a picture is asked for.
import { stringify } from "yaml";
import type { Cluster } from "../model/cluster.ts";
import { writeWhole } from "../output/files.ts";
import type { Trace } from "../trace/types.ts";
import { type CommandIO, UsageError } from "./io.ts";

/** How a trace is drawn: `--view cluster|path` and `--no-reply`. */
export interface Drawing {
  readonly view: "cluster" | "path";
  readonly reply: boolean;
}

/** `--view` and `--no-reply` checked: a view is a way to draw, so it needs `--svg FILE`. */
export function drawing(view: string | undefined, noReply: boolean, svg: string | undefined): Drawing {
  if (view !== undefined && view !== "cluster" && view !== "path")
    throw new UsageError(
      `--view ${view}: expected cluster (the path over the whole cluster) or path (its devices only)`,
    );
  if (view !== undefined && svg === undefined) throw new UsageError("--view draws the SVG: give --svg FILE too");
  return { view: view ?? "cluster", reply: !noReply };
}

/** wide is kubectl's word for more columns: here, the text with every step (--verbose). */
export const TRACE_FORMATS = ["text", "wide", "json", "yaml", "mermaid"] as const;
export type TraceFormat = (typeof TRACE_FORMATS)[number];

/** The JSON object (`--json`) as text in the asked format; YAML is the same object, for kubectl habits. */
export function structured(format: "json" | "yaml", value: unknown): string {
  if (format === "json") return `${JSON.stringify(value, null, 2)}\n`;
  // Traces share objects (a packet seen by two steps): YAML would write them as anchors and aliases.
  return stringify(value, { aliasDuplicateObjects: false, lineWidth: 0 });
}

export async function mermaidOf(t: Trace, chosen: readonly number[], reply = true): Promise<string> {
  const { traceMermaid } = await import("../diagram/mermaid.ts");
  return traceMermaid(t, chosen, { reply });
}

/** `--svg FILE`: the chosen branches drawn (over the cluster, or alone), written whole; says which file it wrote. */
export async function writeTraceSvg(
  cluster: Cluster,
  t: Trace,
  chosen: readonly number[],
  file: string | undefined,
  io: CommandIO,
  how: Drawing = { view: "cluster", reply: true },
): Promise<void> {
  if (!file) return;
  const { diagramSvg } = await import("../diagram/index.ts");
  writeWhole(file, diagramSvg(cluster, t, chosen, how));
  io.stderr(`wrote ${file}\n`);
}
