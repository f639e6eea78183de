// The drawn SVG measured as a reader sees it (issue 17): a callout never covers another callout, a
// node's title or a pod row; each stands within 40 px of the hop it describes (found by its
// data-hop token); no path leg crosses a node's title. Parsed back from the SVG text with jsdom, so
// what is checked is what is published, for the pictures the issue names.
import { expect } from "chai";
import { diagramSvg } from "../lib/diagram/index.ts";
import { generateTopology } from "../lib/generate/topology.ts";
import { loadTopologySync } from "../lib/topology.ts";
import type { Trace } from "../lib/trace/types.ts";
import { clusterYaml, geometryProblems, parseSvg } from "./diagram-helpers.ts";

function expectFit(svg: string, callouts: number): void {
  const problems = geometryProblems(svg);
  expect(problems, problems.slice(0, 8).join("\n")).to.deep.equal([]);
  expect(parseSvg(svg).querySelectorAll("rect.callout").length, "callouts drawn").to.be.at.least(callouts);
}

describe("diagram geometry: callouts beside their hops, paths clear of titles", function () {
  this.timeout(60000);

  it("the default topology, every branch of a curl: rewrites, fan-outs and ends all placed", () => {
    const topo = loadTopologySync("topologies/default.yaml");
    const t = topo.curl("https://shop.example.com/api/cart");
    const svg = diagramSvg(topo.cluster, t);
    expectFit(svg, 4 + 3 + 4);
    const doc = parseSvg(svg);
    const forks = [...doc.querySelectorAll("rect.callout.fork")];
    expect(forks.map((f) => f.getAttribute("data-hop"))).to.deep.equal(["1:3 2:3 3:3 4:3", "1:9 2:9", "3:9 4:9"]);
    const ends = [...doc.querySelectorAll("rect.callout.end")].map((e) => e.getAttribute("data-hop"));
    expect(ends).to.deep.equal(["1:14", "2:24", "3:24", "4:24"]);
    expect(doc.querySelectorAll("path.path.reply").length, "each branch's reply drawn").to.be.above(4);
    expect(diagramSvg(topo.cluster, t, undefined, { reply: false })).to.not.contain("path reply");
    // Issue 17: 2,437 px before lanes took only the room their callouts need.
    expect(Number(doc.documentElement.getAttribute("width")), "width").to.be.at.most(1600);
  });

  it("one branch, and a failing trace", () => {
    const topo = loadTopologySync("topologies/default.yaml");
    expectFit(diagramSvg(topo.cluster, topo.curl("https://shop.example.com/api/cart"), [1]), 4);
    const fail = diagramSvg(topo.cluster, topo.trace({ from: "pod/shop/db-1", to: "10.244.9.9:80" }));
    expectFit(fail, 1);
    expect(fail).to.contain("FAILS here: WG_NO_PEER");
  });

  it("a 50-node cluster with a cross-node path", () => {
    const big = loadTopologySync(clusterYaml(50, 40, 12));
    const first = big.cluster.pods[0]!;
    const last = big.cluster.pods.at(-1)!;
    const t = big.trace({
      from: `pod/${first.namespace}/${first.name}`,
      to: `pod/${last.namespace}/${last.name}:8080`,
    });
    expectFit(diagramSvg(big.cluster, t), 1);
  });

  it("a generated 12-node cluster, a Service of 4 endpoints: 4 branches", () => {
    const topo = loadTopologySync(generateTopology({ nodes: 12, podsPerNode: 3, services: 3, endpoints: 4 }));
    const from = topo.cluster.pods.find((p) => p.namespace === "batch")!;
    const t: Trace = topo.trace({ from: `pod/batch/${from.name}`, to: "svc/ns-0/svc-1:80" });
    expect(t.branches).to.have.length(4);
    expectFit(diagramSvg(topo.cluster, t), 4);
  });

  it("the checks can fail: a callout moved onto a node title is caught", () => {
    const topo = loadTopologySync("topologies/default.yaml");
    const svg = diagramSvg(topo.cluster, topo.trace({ from: "pod/shop/db-1", to: "10.244.9.9:80" }));
    const doc = parseSvg(svg);
    const title = doc.querySelector("text.node-name")!;
    const moved = svg.replace(
      /(<rect id="end-1" class="callout[^"]*") x="[^"]*" y="[^"]*"/,
      `$1 x="${title.getAttribute("x")}" y="${Number(title.getAttribute("y")) - 8}"`,
    );
    expect(moved).to.not.equal(svg);
    expect(geometryProblems(moved).join("\n")).to.match(/covers node title[\s\S]*stands \d+ px from hop/);
    // A callout moved onto the first leg of the path: the leg crosses it.
    const leg = doc.querySelector("path.path[data-hop]")!.getAttribute("d")!;
    const [x, y] = /^M(-?[\d.]+),(-?[\d.]+)/.exec(leg)!.slice(1).map(Number);
    const onPath = svg.replace(
      /(<rect id="end-1" class="callout[^"]*") x="[^"]*" y="[^"]*"/,
      `$1 x="${x! - 10}" y="${y! - 5}"`,
    );
    expect(geometryProblems(onPath).join("\n")).to.match(/path 1:\d+ crosses callout end-1/);
  });
});
