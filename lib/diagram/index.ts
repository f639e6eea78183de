// Diagrams of a cluster and of a trace over it: SVG, Mermaid, an HTML report.
import type { Cluster } from "../model/cluster.ts";
import { nodeOf } from "../model/hop-at.ts";
import type { Trace } from "../trace/types.ts";
import { layoutCluster } from "./layout.ts";
import { withPath } from "./path.ts";
import type { Scene } from "./scene.ts";
import { renderSvg, type SvgOptions } from "./svg.ts";

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

/** The scene of a cluster, with the chosen branches (1-based; default all) of a trace over it. */
export function diagramScene(cluster: Cluster, trace?: Trace, chosen?: readonly number[]): Scene {
  if (!trace) return layoutCluster(cluster);
  const picked = chosen ?? trace.branches.map((_, i) => i + 1);
  return withPath(
    layoutCluster(cluster, { mustShow: podsOnPath(trace, picked), mustShowNodes: nodesOnPath(cluster, trace, picked) }),
    trace,
    picked,
  );
}

export function diagramSvg(
  cluster: Cluster,
  trace?: Trace,
  chosen?: readonly number[],
  options: SvgOptions = {},
): string {
  return renderSvg(diagramScene(cluster, trace, chosen), options);
}
