import { expect } from "chai";
import { generateTopology } from "../lib/generate/topology.ts";
import { loadTopologySync } from "../lib/topology.ts";
import { runCli } from "./support/cli.ts";

describe("kubehop generate", () => {
  it("writes a valid topology of the size asked for, deterministically", () => {
    const size = { nodes: 40, podsPerNode: 12, services: 30, endpoints: 4 };
    const text = generateTopology(size);
    expect(generateTopology(size)).to.equal(text);
    const c = loadTopologySync(text).cluster;
    expect(c.nodes).to.have.length(40);
    expect(c.pods).to.have.length(480);
    // The 30 generated and default/kubernetes, which every cluster has.
    expect(c.services).to.have.length(31);
    const slices = c.endpointSlices.filter((s) => s.serviceName === "svc-7");
    expect(slices.flatMap((s) => s.endpoints)).to.have.length(4);
    expect(Math.max(...c.nodes.map((n) => c.pods.filter((p) => p.node === n.name).length))).to.equal(12);
  });

  it("sizes the address ranges for 5,000 nodes (a /24 of pods each)", () => {
    const text = generateTopology({ nodes: 5000, podsPerNode: 0, services: 0, endpoints: 1 });
    expect(text).to.contain("clusterCIDR: 10.0.0.0/11");
    expect(text).to.contain("underlay: {cidr: 172.16.0.0/19, gateway: 172.16.0.1}");
  });

  it("refuses a size that does not fit, with exit 2 and a reason", async () => {
    const r = await runCli(["generate", "--nodes", "2", "--pods-per-node", "3", "--services", "4", "--endpoints", "2"]);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.contain("4 Services x 2 endpoints need 8 pods, more than 2 nodes x 3 pods");
  });
});
