// Golden SVGs: the default topology's diagram and one failing trace, as a human has looked at them.
// UPDATE_GOLDEN=1 npm test rewrites them (then look at the diff and the picture).
import { readFileSync, writeFileSync } from "node:fs";
import { expect } from "chai";
import { diagramSvg } from "../lib/diagram/index.ts";
import { loadTopologySync } from "../lib/topology.ts";

function golden(name: string, actual: string): void {
  const file = new URL(`./golden/${name}`, import.meta.url);
  if (process.env.UPDATE_GOLDEN) writeFileSync(file, actual);
  expect(actual).to.equal(readFileSync(file, "utf8"));
}

describe("golden SVG", () => {
  const topo = loadTopologySync("topologies/default.yaml");

  it("the default topology's diagram", () => {
    golden("default.diagram.svg", diagramSvg(topo.cluster));
  });

  it("a failing trace: pod/shop/db-1 to 10.244.9.9:80 (WG_NO_PEER)", () => {
    golden("trace-wg-no-peer.svg", diagramSvg(topo.cluster, topo.trace({ from: "pod/shop/db-1", to: "10.244.9.9:80" })));
  });
});
