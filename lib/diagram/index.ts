// Diagrams of a cluster and of a trace over it: SVG, Mermaid, an HTML report.
import type { Cluster } from "../model/cluster.ts";
import { nodeOf } from "../model/hop-at.ts";
import type { Trace } from "../trace/types.ts";
import { layoutCluster } from "./layout.ts";
import { ROW_CHARS } from "./node-box.ts";
import { type PathDrawing, type PathOptions, withPath } from "./path.ts";
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

/** The widest a callout gets (wrapped at 36 characters): the lane of the last resort. */
const CALLOUT_LANE = 226;
/** Times the layout widens the crowded lanes by what their callouts need before opening every lane. */
const PASSES = 4;

export interface DiagramOptions extends SvgOptions, PathOptions {
  /** `cluster` (default): the path over the whole cluster; `path`: only the devices the request crosses. */
  readonly view?: "cluster" | "path";
}

/**
 * Lanes widened for the callouts a column could not place: the lane right of the column first (the
 * last column's is the drawing's spill), then, if that one is open already, the lane left of it;
 * with both open, the narrower one grows (a neighbour's callouts may have taken it).
 */
function widen(lanes: readonly number[], crowded: ReadonlyMap<number | "outside", number>): number[] {
  const out = [...lanes];
  for (const [col, need] of crowded) {
    if (col === "outside") continue;
    const gap = out[col + 1]! < need ? col + 1 : out[col]! < need ? col : out[col]! < out[col + 1]! ? col : col + 1;
    out[gap] = out[gap]! + need;
  }
  return out;
}

/**
 * The scene of a cluster, with the chosen branches (1-based; default all) of a trace over it. When a
 * callout finds no room beside its hop, the nodes are laid out again with lanes beside the crowded
 * nodes as wide as their callouts need (see widen), pod rows at their usual width and cut shorter
 * (names whole in their tooltips); the narrowest drawing that holds every callout wins. If none
 * does, a full lane in every gap.
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
  const first = withPath(layoutCluster(cluster, base), trace, picked, options);
  const none = Array.from({ length: (first.scene.grid?.count ?? 0) + 1 }, () => 0);
  if (!first.crowded.size || first.crowded.has("outside")) return fallback(first);
  let best: PathDrawing | undefined;
  let widest = none;
  for (const rowChars of [ROW_CHARS.max, ROW_CHARS.min, ROW_CHARS.tight]) {
    let lanes = none;
    let drawn = first;
    for (let pass = 0; pass < PASSES && drawn.crowded.size && !drawn.crowded.has("outside"); pass++) {
      lanes = widen(lanes, drawn.crowded);
      drawn = withPath(layoutCluster(cluster, { ...base, lanes, rowChars }), trace, picked, options);
    }
    if (!drawn.crowded.size && (!best || drawn.scene.width < best.scene.width)) best = drawn;
    widest = widest.map((w, i) => Math.max(w, lanes[i]!));
  }
  return best?.scene ?? fallback(first, widest);

  /** Every callout placed as it is; else a full lane in every gap, a callout over a path rather than none. */
  function fallback(drawn: PathDrawing, lanes = none): Scene {
    if (!drawn.crowded.size) return drawn.scene;
    const wide = { ...base, rowChars: ROW_CHARS.tight, lanes: lanes.map((w) => Math.max(w, CALLOUT_LANE)) };
    return withPath(layoutCluster(cluster, wide), trace!, picked, options, { lastResort: true }).scene;
  }
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
