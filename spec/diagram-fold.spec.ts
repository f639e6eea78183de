import { expect } from "chai";
import { generateTopology } from "../lib/generate/topology.ts";
import { diagramSvg } from "../lib/diagram/index.ts";
import { MAX_NODES_DRAWN } from "../lib/diagram/layout.ts";
import { loadTopologySync, type Topology } from "../lib/topology.ts";

describe("diagrams of very large clusters", () => {
  let topo: Topology;
  before(() => {
    topo = loadTopologySync(generateTopology({ nodes: 300, podsPerNode: 2, services: 2, endpoints: 3 }));
  });

  it(`draw at most ${MAX_NODES_DRAWN} nodes and say how many more there are`, () => {
    const svg = diagramSvg(topo.cluster);
    expect(svg).to.contain(
      `... and 180 more nodes, not drawn (at most ${MAX_NODES_DRAWN} are; nodes on a path always are)`,
    );
    expect(svg).to.contain(">node-120<");
    expect(svg).to.not.contain(">node-121<");
  });

  it("always draw the nodes a path crosses, even beyond the limit", () => {
    const far = topo.cluster.pods.find((p) => p.node === "node-300")!;
    const near = topo.cluster.pods.find((p) => p.node === "node-1")!;
    const t = topo.trace({ from: `pod/${near.namespace}/${near.name}`, to: `pod/${far.namespace}/${far.name}:8080` });
    const svg = diagramSvg(topo.cluster, t);
    expect(svg).to.contain(">node-300<");
    expect(svg).to.contain("more nodes, not drawn");
  });
});
