// Issue 5's figures: a 50-node diagram with a path (< 1 s) and a 500-node one (< 10 s), each from
// the loaded topology to SVG text (layout, path, d3 on jsdom, serialisation).
// In bench/run.ts: `if (!only || only === "diagram") diagramBench();`. Alone: node --import tsx bench/diagram.ts
import { pathToFileURL } from "node:url";
import { diagramSvg } from "../lib/diagram/index.ts";
import { loadTopologySync } from "../lib/topology.ts";
import { clusterText } from "./cluster-text.ts";
import { once, printTable, row } from "./report.ts";

function one(nodes: number, deployments: number, replicas: number, target: string): void {
  const topo = loadTopologySync(clusterText(nodes, deployments, replicas));
  const pods = topo.cluster.pods;
  const first = pods.find((p) => p.node === topo.cluster.nodes[0]!.name)!;
  const last = pods.findLast((p) => p.node === topo.cluster.nodes.at(-1)!.name)!;
  const trace = topo.trace({
    from: `pod/${first.namespace}/${first.name}`,
    to: `pod/${last.namespace}/${last.name}:8080`,
  });
  diagramSvg(topo.cluster, trace); // warm-up: jsdom and d3 load once
  const [plain, plainMs] = once(() => diagramSvg(topo.cluster));
  const [withPath, pathMs] = once(() => diagramSvg(topo.cluster, trace));
  row(
    `diagram: ${nodes} nodes, ${pods.length} pods, SVG only`,
    `${plainMs.toFixed(0)} ms, ${(plain.length / 1024).toFixed(0)} KB`,
    "-",
  );
  row(
    `diagram: ${nodes} nodes with a cross-node path (${trace.branches[0]!.hops.length} hops)`,
    `${pathMs.toFixed(0)} ms, ${(withPath.length / 1024).toFixed(0)} KB`,
    target,
  );
}

export function diagramBench(): void {
  one(50, 100, 6, "< 1 s");
  one(500, 300, 10, "< 10 s");
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  diagramBench();
  printTable();
}
