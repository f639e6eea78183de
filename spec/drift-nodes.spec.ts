// What drift blames a difference for: a difference about a node, only requests that start, end or pass
// on that very node (node-1 is not node-10, however the names of the requests and their pods read); a
// difference about routes, only requests whose traces were routed by one of them on the node.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { routeTable } from "../lib/control/node-network.ts";
import { routeText } from "../lib/dataplane/routing.ts";
import { loadTopologySync } from "../lib/topology.ts";
import { runCli } from "./support/cli.ts";

// Pods named after their node, as the kubelet names static pods' mirrors (NAME-NODE).
const TOPOLOGY = `apiVersion: kubehop.io/v1alpha1
kind: Topology
metadata: {name: node-10}
spec:
  overlay: {style: flannel}
  nodes:
    - {name: node-1, ip: 192.168.10.11}
    - {name: node-2, ip: 192.168.10.12}
    - {name: node-10, ip: 192.168.10.20}
  nodeDumps: {dir: nodes}
${["node-1", "node-2", "node-10"]
  .map(
    (n) => `---
apiVersion: v1
kind: Pod
metadata: {name: web-${n}, namespace: default}
spec: {nodeName: ${n}, containers: [{name: web, ports: [{containerPort: 8080}]}]}
`,
  )
  .join("")}`;

describe("kubehop drift: which node a difference is about", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "kubehop-drift-nodes-"));
    writeFileSync(join(dir, "topology.yaml"), TOPOLOGY);
    mkdirSync(join(dir, "nodes"));
    const node2 = loadTopologySync(join(dir, "topology.yaml")).cluster.nodes.find((n) => n.name === "node-2")!;
    mkdirSync(join(dir, "nodes", "node-2"), { recursive: true });
    // node-2's wg0 has no peers at all: neither node-1's nor node-10's.
    writeFileSync(
      join(dir, "nodes", "node-2", "wg-show.txt"),
      `wg0\t(hidden)\t${node2.wireguard.publicKey}\t51820\toff\n`,
    );
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("node-2 missing its peer for node-1 breaks the requests to and from node-1 only, not those of node-10", async () => {
    const r = await runCli(["drift", "-t", dir, "--json"]);
    expect(r.code).to.equal(1);
    const [node] = JSON.parse(r.stdout).nodes;
    const breaks = (d: { text: string; breaks: { request: string }[] }) => [d.text, d.breaks.map((b) => b.request)];
    expect(node.differences.map(breaks)).to.deep.equal([
      [
        "no peer for node-1 (endpoint 192.168.10.11:51820, allowed-ips 10.244.0.0/24)",
        [
          "pod/default/web-node-2 -> pod/default/web-node-1:8080",
          "pod/default/web-node-1 -> pod/default/web-node-2:8080",
        ],
      ],
      [
        "no peer for node-10 (endpoint 192.168.10.20:51820, allowed-ips 10.244.2.0/24)",
        [
          "pod/default/web-node-2 -> pod/default/web-node-10:8080",
          "pod/default/web-node-10 -> pod/default/web-node-2:8080",
        ],
      ],
    ]);
    expect(node.alsoBreaks).to.deep.equal([]);
  });
});

describe("kubehop drift: which route a difference is about", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "kubehop-drift-routes-"));
    writeFileSync(join(dir, "topology.yaml"), TOPOLOGY);
    mkdirSync(join(dir, "nodes"));
    const { cluster } = loadTopologySync(join(dir, "topology.yaml"));
    const derived = routeTable(cluster, cluster.nodes[1]!).map(routeText);
    mkdirSync(join(dir, "nodes", "node-2"), { recursive: true });
    // node-2 as derived, plus a route for node-10's pods through an address nobody has.
    writeFileSync(
      join(dir, "nodes", "node-2", "ip-route.txt"),
      `${[...derived, "10.244.2.0/24 via 192.168.10.99 dev eth0 proto static"].join("\n")}\n`,
    );
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("a route to nowhere for node-10's pods breaks the request routed by it, not those to node-1", async () => {
    const r = await runCli(["drift", "-t", dir, "--json"]);
    expect(r.code).to.equal(1);
    const [node] = JSON.parse(r.stdout).nodes;
    expect(node.differences).to.have.length(1);
    expect(node.differences[0].kind).to.equal("route-to-nowhere");
    expect(node.differences[0].breaks).to.deep.equal([
      {
        request: "pod/default/web-node-2 -> pod/default/web-node-10:8080",
        derived: "DELIVERED to default/web-node-10",
        dumped: "NEIGHBOR_UNREACHABLE",
      },
    ]);
    expect(node.alsoBreaks).to.deep.equal([]);
  });
});
