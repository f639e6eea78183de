// Diagrams of a cluster and of a trace over it: SVG, Mermaid, an HTML report.
import type { Cluster } from "../model/cluster.ts";
import { nodeOf } from "../model/hop-at.ts";
import type { Trace } from "../trace/types.ts";
import { layoutCluster } from "./layout.ts";
import { type PathOptions, withPath } from "./path.ts";
import type { Scene } from "./scene.ts";
import { renderSvg, type SvgOptions } from "./svg.ts";
import { pathViewScene } from "./path-view.ts";

export { traceMermaid } from "./mermaid.ts";
export { renderSvg } from "./svg.ts";
export { layoutCluster } from "./layout.ts";
export type { Scene } from "./scene.ts";

/** The pods a drawing must show (not fold away): those the chosen branches visit. */
function podsOnPath(trace: Trace, chosen: readonly number[]): Set<string> {
  const out = new Set<string>();
  for (const k of chosen)
    for (const { at } of trace.branches[k - 1]?.hops ?? [])
      if (at.kind === "pod") out.add(`${at.namespace}/${at.name}`);
  return out;
}

function nodesOnPath(cluster: Cluster, trace: Trace, chosen: readonly number[]): Set<string> {
  const names = new Set(cluster.nodes.map((n) => n.name));
  const out = new Set<string>();
  for (const k of chosen) {
    const b = trace.branches[k - 1];
    for (const { at } of [...(b?.hops ?? []), ...(b?.reply?.hops ?? [])]) {
      const node = at.kind === "pod" ? undefined : nodeOf(at);
      if (node !== undefined && names.has(node)) out.add(node);
    }
  }
  return out;
}

/** A lane opened in a gap of the node grid holds a callout wrapped to its 36 characters. */
const CALLOUT_LANE = 226;

export interface DiagramOptions extends SvgOptions, PathOptions {
  /** `cluster` (default): the path over the whole cluster; `path`: only the devices the request crosses. */
  readonly view?: "cluster" | "path";
}

/**
 * The scene of a cluster, with the chosen branches (1-based; default all) of a trace over it. When a
 * callout finds no room beside its hop, the nodes are laid out again with a lane in the gaps beside
 * the crowded nodes; if that is not enough, in every gap.
 */
export function diagramScene(
  cluster: Cluster,
  trace?: Trace,
  chosen?: readonly number[],
  options: PathOptions = {},
): Scene {
  if (!trace) return layoutCluster(cluster);
  const picked = chosen ?? trace.branches.map((_, i) => i + 1);
  const base = { mustShow: podsOnPath(trace, picked), mustShowNodes: nodesOnPath(cluster, trace, picked) };
  let drawn = withPath(layoutCluster(cluster, base), trace, picked, options);
  const gaps = (drawn.scene.grid?.count ?? 0) + 1;
  const lanes = (open: (gap: number) => boolean) =>
    Array.from({ length: gaps }, (_, i) => (open(i) ? CALLOUT_LANE : 0));
  const crowded = drawn.crowded;
  if (crowded.size && !crowded.has("outside"))
    drawn = withPath(layoutCluster(cluster, { ...base, lanes: lanes((i) => crowded.has(i)) }), trace, picked, options);
  if (drawn.crowded.size)
    drawn = withPath(layoutCluster(cluster, { ...base, lanes: lanes(() => true) }), trace, picked, options);
  return drawn.scene;
}

export function diagramSvg(
  cluster: Cluster,
  trace?: Trace,
  chosen?: readonly number[],
  options: DiagramOptions = {},
): string {
  if (trace && options.view === "path") return renderSvg(pathViewScene(cluster, trace, chosen, options), options);
  return renderSvg(diagramScene(cluster, trace, chosen, options), options);
}
