// Node dumps in a topology: found next to it (nodes/NAME/...) or named in the Topology, traced as the
// node really behaves, and bad dumps reported as file:line:col with exit 2.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { loadTopologySync, type Topology } from "../lib/topology.ts";
import { runCli } from "./support/cli.ts";
import { formatDiagnostic } from "../lib/model/diagnostic.ts";

const EXAMPLE = "topologies/dumps-example";

function podOn(topo: Topology, node: string, prefix: string): string {
  const p = topo.cluster.pods
    .filter((x) => x.node === node && x.name.startsWith(prefix))
    .sort((a, b) => (a.name < b.name ? -1 : 1))[0]!;
  return `pod/${p.namespace}/${p.name}`;
}

describe("node dumps: loading and tracing", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "kubehop-dumps-"));
    cpSync(EXAMPLE, dir, { recursive: true });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("finds nodes/NAME/* next to the topology file, or in the folder given as -t", () => {
    for (const t of [`${EXAMPLE}/topology.yaml`, EXAMPLE]) {
      const dump = loadTopologySync(t).cluster.nodeDumps.get("node-1")!;
      expect(dump.iptablesSave!.file).to.equal(`${EXAMPLE}/nodes/node-1/iptables-save.txt`);
      expect(dump.routes!.routes).to.have.length(5);
      expect(dump.addresses!.addresses.map((a) => a.dev)).to.deep.equal(["lo", "eth0", "wg0", "bridge0"]);
      expect(dump.wireguard!.peers.map((p) => p.node)).to.deep.equal(["node-2"]);
      expect(loadTopologySync(t).cluster.nodeDumps.has("node-2")).to.equal(false);
    }
  });

  it("traces a ClusterIP through node-1's stale KUBE-SEP to an address no pod has: NEIGHBOR_UNREACHABLE", () => {
    const topo = loadTopologySync(EXAMPLE);
    const t = topo.trace({ from: podOn(topo, "node-1", "web"), to: "svc/shop/api:http" });
    const ends = t.branches.map((b) => `${b.disposition}: ${b.reason}`);
    expect(ends).to.include("NEIGHBOR_UNREACHABLE: no pod on node-2 has 10.42.1.9");
    const stale = t.branches.find((b) => b.disposition === "NEIGHBOR_UNREACHABLE")!;
    const dnat = stale.hops.flatMap((h) => h.steps).find((s) => s.type === "dnat")!;
    expect(dnat.rule).to.equal(
      '-A KUBE-SEP-Q3AUE5ZJWGA7MNHD -p tcp -m comment --comment "shop/api:http" -m tcp -j DNAT --to-destination 10.42.1.9:9000',
    );
    // Derived from the objects alone, every branch reaches an api pod.
    const derived = new (topo.constructor as typeof Topology)({ ...topo.cluster, nodeDumps: new Map() });
    expect(
      derived.trace({ from: podOn(topo, "node-1", "web"), to: "svc/shop/api:http" }).branches.map((b) => b.disposition),
    ).to.deep.equal(["DELIVERED", "DELIVERED", "DELIVERED"]);
  });

  it("traces pod to pod towards the node whose WireGuard peer is missing: WG_NO_PEER on node-1's wg0", () => {
    const topo = loadTopologySync(EXAMPLE);
    const t = topo.trace({ from: podOn(topo, "node-1", "web"), to: `${podOn(topo, "node-3", "web")}:8080` });
    expect(t.branches.map((b) => [b.disposition, b.hops.at(-1)!.location, b.reason])).to.deep.equal([
      ["WG_NO_PEER", "node-1/wg0", "no peer of node-1's wg0 has AllowedIPs containing 10.42.2.2"],
    ]);
    const toNode2 = topo.trace({ from: podOn(topo, "node-1", "web"), to: `${podOn(topo, "node-2", "web")}:8080` });
    expect(toNode2.branches.map((b) => b.disposition)).to.deep.equal(["DELIVERED"]);
    const wg = toNode2.branches[0]!.hops.find((h) => h.location === "node-1/wg0")!.steps[0]!;
    expect(wg.rule).to.equal("peer 9/UR4cQK... (node-2) endpoint 192.168.10.12:51820 allowed-ips 10.42.1.0/24");
  });

  it("an empty dump (wg on a node without WireGuard) is ignored with a warning", () => {
    writeFileSync(join(dir, "nodes", "node-1", "wg-show.txt"), "");
    const cluster = loadTopologySync(dir).cluster;
    expect(cluster.nodeDumps.get("node-1")!.wireguard).to.equal(undefined);
    expect(cluster.diagnostics.map(formatDiagnostic)).to.include(
      `${join(dir, "nodes", "node-1", "wg-show.txt")}:1:1: warning[dump-empty]: empty; ignored (the node's WireGuard peers are derived)`,
    );
  });

  it("dumps for a node that does not exist: an error naming the valid nodes, exit 2", async () => {
    mkdirSync(join(dir, "nodes", "node-9"));
    writeFileSync(join(dir, "nodes", "node-9", "ip-route.txt"), "default via 192.168.10.1 dev eth0\n");
    const r = await runCli(["validate", "-t", dir]);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.equal(
      `${join(dir, "nodes", "node-9")}:1:1: error[dangling-reference]: dumps for "node-9", which is not a node; valid nodes: node-1, node-2, node-3\n`,
    );
  });

  it("an unknown file in a node's folder: an error suggesting the right name", async () => {
    writeFileSync(join(dir, "nodes", "node-1", "ip-routes.txt"), "");
    const r = await runCli(["validate", "-t", join(dir, "topology.yaml")]);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.equal(
      `${join(dir, "nodes", "node-1", "ip-routes.txt")}:1:1: error[wrong-kind]: unknown dump file "ip-routes.txt"; did you mean "ip-route.txt"?; a node's folder holds iptables-save.txt, ip-route.txt, ip-addr.txt, wg-show.txt, ipvsadm.txt, ipset.txt, ipset-save.txt, nft-list-ruleset.txt, nft-ruleset.txt\n`,
    );
  });

  it("a line a dump cannot read is a warning at file:line:col; the rest of the dump is read", () => {
    const n1 = join(dir, "nodes", "node-1");
    writeFileSync(
      join(n1, "ip-route.txt"),
      "default via 192.168.10.1 dev eth0\n10.42.0.0/16 dev flannel-wg scope sideways metric x\n",
    );
    writeFileSync(
      join(n1, "wg-show.txt"),
      "flannel-wg\t(hidden)\ttY4r5p9NWjAMe7r0BRcpBYKyg60+jdROV/iZhANzrwA=\t518200\toff\n",
    );
    const cluster = loadTopologySync(dir).cluster;
    expect(cluster.diagnostics.filter((d) => d.code === "dump-syntax").map(formatDiagnostic)).to.deep.equal([
      `${join(n1, "ip-route.txt")}:2:51: warning[dump-syntax]: metric "x" is not a whole number`,
      `${join(n1, "wg-show.txt")}:1:66: warning[dump-syntax]: listen port "518200" is not a whole number 0-65535`,
    ]);
    const dump = cluster.nodeDumps.get("node-1")!;
    expect(dump.routes!.routes.map((r) => r.dst.text)).to.deep.equal(["0.0.0.0/0"]);
    expect(dump.wireguard!.peers).to.deep.equal([]);
  });

  it("spec.nodeDumps: another folder, per-node paths, interface names; unknown nodes and fields at their position", async () => {
    const topo = readFileSync(join(dir, "topology.yaml"), "utf8");
    rmSync(join(dir, "nodes"), { recursive: true });
    mkdirSync(join(dir, "dumps", "node-1"), { recursive: true });
    cpSync(join(EXAMPLE, "nodes", "node-1", "wg-show.txt"), join(dir, "dumps", "node-1", "wg-show.txt"));
    cpSync(join(EXAMPLE, "nodes", "node-1", "ip-route.txt"), join(dir, "node-2-routes.txt"));
    const withDumps = topo.replace(
      / {2}nodeDumps:\n {4}dir: nodes .*\n {4}interfaces: \{flannel-wg: wg0, cni0: bridge0\}\n/,
      "  nodeDumps:\n    dir: dumps\n    interfaces: {flannel-wg: wg0, cni0: bridge0}\n    nodes:\n      - {name: node-2, ipRoute: node-2-routes.txt}\n",
    );
    writeFileSync(join(dir, "topology.yaml"), withDumps);
    const cluster = loadTopologySync(join(dir, "topology.yaml")).cluster;
    expect([...cluster.nodeDumps.keys()]).to.deep.equal(["node-1", "node-2"]);
    expect(cluster.nodeDumps.get("node-2")!.routes!.file).to.equal(join(dir, "node-2-routes.txt"));

    writeFileSync(
      join(dir, "topology.yaml"),
      withDumps.replace("{name: node-2,", "{name: node-7,").replace("    dir: dumps\n", "    dirs: dumps\n"),
    );
    const r = await runCli(["validate", "-t", join(dir, "topology.yaml")]);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.include(
      `${join(dir, "topology.yaml")}:30:5: error[unknown-field]: Topology: spec.nodeDumps.dirs: unknown field "dirs"; did you mean "dir"?`,
    );
  });

  it("per-node paths: an unknown node name and a missing file point at the Topology's field", async () => {
    const topo = readFileSync(join(dir, "topology.yaml"), "utf8").replace(
      "    interfaces: {flannel-wg: wg0, cni0: bridge0}\n",
      "    interfaces: {flannel-wg: wg0, cni0: bridge0}\n    nodes:\n      - {name: node-7, ipRoute: r.txt}\n      - {name: node-2, wgShow: missing.txt}\n",
    );
    writeFileSync(join(dir, "topology.yaml"), topo);
    const r = await runCli(["validate", "-t", join(dir, "topology.yaml")]);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.equal(
      `${join(dir, "topology.yaml")}:33:16: error[dangling-reference]: dumps for "node-7", which is not a node; valid nodes: node-1, node-2, node-3\n` +
        `${join(dir, "topology.yaml")}:34:32: error[dangling-reference]: no such file: ${join(dir, "missing.txt")}\n`,
    );
  });
});
