import { expect } from "chai";
import { loadTopologySync, type Topology } from "../lib/topology.ts";
import type { Branch, Trace } from "../lib/trace/types.ts";
import { pod, topologyText } from "./support/topology-text.ts";

const twoNodes = topologyText({ pods: pod("a", "node-1") + pod("b", "node-1") + pod("c", "node-2") });

function only(t: Trace): Branch {
  expect(t.branches).to.have.length(1);
  return t.branches[0]!;
}

const locations = (b: { hops: { location: string }[] }) => b.hops.map((h) => h.location);

describe("overlay data path: bridge0 and wg0", () => {
  let topo: Topology;
  before(() => {
    topo = loadTopologySync(twoNodes);
  });
  const vethOf = (name: string) => topo.network.podsByKey.get(`default/${name}`)!.veth;

  it("same node: pod -> veth -> bridge0 -> veth -> pod, switched at L2 with no routing", () => {
    const b = only(topo.trace({ from: "pod/a", to: "pod/b:8080" }));
    expect(b.disposition).to.equal("DELIVERED");
    expect(locations(b)).to.deep.equal([
      "pod/default/a",
      `node-1/${vethOf("a")}`,
      "node-1/bridge0",
      `node-1/${vethOf("b")}`,
      "pod/default/b",
    ]);
    const bridge = b.hops[2]!.steps[0]!;
    expect(bridge.action).to.equal("FORWARDED");
    expect(bridge.rule).to.equal(`fdb 10.244.0.3 port ${vethOf("b")}`);
    expect(b.hops[0]!.steps[0]!.rule).to.equal("10.244.0.0/24 dev eth0 proto kernel scope link src 10.244.0.2");
  });

  it("cross node: every hop named, wg0 on both nodes and the underlay between them", () => {
    const b = only(topo.trace({ from: "pod/a", to: "pod/c:8080" }));
    expect(b.disposition).to.equal("DELIVERED");
    expect(locations(b)).to.deep.equal([
      "pod/default/a",
      `node-1/${vethOf("a")}`,
      "node-1/bridge0",
      "node-1",
      "node-1/wg0",
      "node-1",
      "node-1/eth0",
      "underlay",
      "node-2/eth0",
      "node-2",
      "node-2/wg0",
      "node-2",
      "node-2/bridge0",
      `node-2/${vethOf("c")}`,
      "pod/default/c",
    ]);
    const wg1 = b.hops[4]!.steps;
    expect(wg1.map((s) => s.type)).to.deep.equal(["encrypt", "encapsulate"]);
    expect(wg1[0]!.reason).to.contain("10.244.1.0/24 (node-2)");
    expect(wg1[1]!.before).to.include({ proto: "tcp", src: "10.244.0.2:40000", dst: "10.244.1.2:8080", size: 60 });
    expect(wg1[1]!.after).to.include({
      proto: "udp",
      src: "192.168.10.11:51820",
      dst: "192.168.10.12:51820",
      size: 124,
    });
    expect(wg1[1]!.after!.inner).to.include({ src: "10.244.0.2:40000", dst: "10.244.1.2:8080" });
    expect(wg1[1]!.after).to.include({ saddr: "192.168.10.11", sport: 51820, daddr: "192.168.10.12", dport: 51820 });
    expect(wg1[1]!.changes).to.deep.equal([{ field: "packet", change: "encapsulated" }]);
    const wg2 = b.hops[10]!.steps;
    expect(wg2.map((s) => s.type)).to.deep.equal(["decapsulate", "decrypt", "allowed-ips"]);
    expect(wg2[2]!.reason).to.contain("10.244.0.2 matches 10.244.0.0/24 of peer node-1");
    expect(b.hops[3]!.steps.find((s) => s.type === "route")!.rule).to.equal(
      "10.244.0.0/16 dev wg0 proto static scope link src 192.168.10.11",
    );
  });

  it("records the headers before and after every step", () => {
    const b = only(topo.trace({ from: "pod/a", to: "pod/c:8080" }));
    for (const hop of [...b.hops, ...b.reply!.hops]) {
      for (const s of hop.steps) {
        expect(s.before, `${hop.location} ${s.action}`).to.include.keys("proto", "src", "dst", "size", "ttl");
        expect(s.after, `${hop.location} ${s.action}`).to.include.keys("proto", "src", "dst", "size", "ttl");
      }
    }
    const forwarded = b.hops[3]!.steps.find((s) => s.type === "route")!;
    expect(forwarded.changes).to.deep.equal([{ field: "ttl", from: 64, to: 63 }]);
  });

  it("traces the reply back over the tunnel to the socket that opened the connection", () => {
    const b = only(topo.trace({ from: "pod/a", to: "pod/c:8080" }));
    expect(b.reply!.disposition).to.equal("DELIVERED");
    expect(locations(b.reply!)[0]).to.equal("pod/default/c");
    expect(locations(b.reply!)).to.include.members(["node-2/wg0", "node-1/wg0", "underlay"]);
    expect(b.reply!.hops[0]!.steps[0]!.before).to.include({ src: "10.244.1.2:8080", dst: "10.244.0.2:40000" });
  });

  it("node -> remote pod: the kernel picks the source from the route; Kilo's AllowedIPs include the node IP", () => {
    const b = only(topo.trace({ from: "node/node-1", to: "pod/c:8080" }));
    expect(b.disposition).to.equal("DELIVERED");
    expect(b.hops[0]!.steps[0]!.before).to.include({ src: "192.168.10.11:40000" });
    expect(b.hops[0]!.steps.map((s) => s.action)).to.deep.equal(["PASS", "ROUTED", "PASS"]);
    expect(b.reply!.disposition).to.equal("DELIVERED");
  });

  it("pod -> node: the underlay carries it unencrypted to the node's kubelet", () => {
    const b = only(topo.trace({ from: "pod/a", to: "node/node-2:10250" }));
    expect(b.disposition).to.equal("DELIVERED");
    expect(b.reason).to.contain("node node-2 on 10250/TCP");
    expect(locations(b)).to.not.include("node-1/wg0");
  });
});

describe("overlay failures are dispositions", () => {
  it("NO_ROUTE: no default route when the underlay has no gateway", () => {
    const t = loadTopologySync(topologyText({ spec: "  underlay: {gateway: null}\n", pods: pod("a", "node-1") }));
    const b = only(t.trace({ from: "pod/a", to: "8.8.8.8:53", proto: "udp" }));
    expect(b.disposition).to.equal("NO_ROUTE");
    expect(b.reason).to.equal("node-1 has no route to 8.8.8.8");
  });

  it("EXITS_NETWORK: beyond the gateway is the rest of the world", () => {
    const t = loadTopologySync(topologyText({ pods: pod("a", "node-1") }));
    expect(only(t.trace({ from: "pod/a", to: "8.8.8.8:53", proto: "udp" })).disposition).to.equal("EXITS_NETWORK");
  });

  it("WG_NO_PEER: a cluster address no node owns, and the ICMP the sender gets", () => {
    const t = loadTopologySync(twoNodes);
    const b = only(t.trace({ from: "pod/a", to: "10.244.99.5:80" }));
    expect(b.disposition).to.equal("WG_NO_PEER");
    const steps = b.hops.at(-1)!.steps;
    expect(b.hops.at(-1)!.location).to.equal("node-1/wg0");
    expect(steps.map((s) => s.action)).to.deep.equal(["NO_PEER", "ICMP_HOST_UNREACHABLE"]);
    expect(steps[1]!.reason).to.contain("ICMP host unreachable to 10.244.0.2");
  });

  it("WG_NO_PEER: explicit AllowedIPs that miss the destination override the derived ones", () => {
    const wg =
      "      wireguard:\n        peers:\n          - {node: node-2, allowedIPs: [192.168.10.12/32], endpoint: 192.168.10.12:51820}\n";
    const t = loadTopologySync(
      topologyText({ nodeExtras: { "node-1": wg }, pods: pod("a", "node-1") + pod("c", "node-2") }),
    );
    const b = only(t.trace({ from: "pod/a", to: "pod/c:8080" }));
    expect(b.disposition).to.equal("WG_NO_PEER");
    expect(b.reason).to.equal("no peer of node-1's wg0 has AllowedIPs containing 10.244.1.2");
  });

  it("flannel-style: a node's own traffic to a remote pod leaves with wg0's address, which its peers allow", () => {
    const t = loadTopologySync(topologyText({ spec: "  overlay: {style: flannel}\n", pods: pod("c", "node-2") }));
    const ok = only(t.trace({ from: "node/node-1", to: "pod/c:8080" }));
    expect(ok.disposition, "source picked from wg0's address").to.equal("DELIVERED");
    expect(ok.hops[0]!.steps[0]!.before).to.include({ src: "10.244.0.0:40000" });
    // Bound to the node IP, flanneld's FLANNEL-POSTRTG masquerades it to wg0's address first.
    const bound = only(t.trace({ from: "node/node-1", to: "pod/c:8080", src: "192.168.10.11" }));
    expect(bound.disposition).to.equal("DELIVERED");
    const masq = bound.hops[0]!.steps.find((s) => s.type === "masquerade")!;
    expect(masq.rule).to.equal(
      '-A FLANNEL-POSTRTG ! -s 10.244.0.0/16 -d 10.244.0.0/16 -m comment --comment "flanneld masq" -j MASQUERADE --random-fully',
    );
    expect(masq.after).to.include({ src: "10.244.0.0:40000" });
  });

  it("WG_SOURCE_NOT_ALLOWED: a peer entry missing the sender's podCIDR drops its pods' packets silently", () => {
    const wg =
      "      wireguard:\n        peers:\n          - {node: node-1, allowedIPs: [192.168.10.11/32], endpoint: 192.168.10.11:51820}\n";
    const t = loadTopologySync(
      topologyText({ nodeExtras: { "node-2": wg }, pods: pod("a", "node-1") + pod("c", "node-2") }),
    );
    const b = only(t.trace({ from: "pod/a", to: "pod/c:8080" }));
    expect(b.disposition).to.equal("WG_SOURCE_NOT_ALLOWED");
    expect(b.hops.at(-1)!.location).to.equal("node-2/wg0");
    expect(b.reason).to.contain("10.244.0.2 is not in peer node-1's AllowedIPs (192.168.10.11/32)");
    expect(b.hops.at(-1)!.steps.map((s) => s.type)).to.not.include("icmp");
  });

  it("MTU_EXCEEDED: a DF packet bigger than wg0's MTU gets ICMP fragmentation needed", () => {
    const t = loadTopologySync(twoNodes);
    const b = only(t.trace({ from: "pod/a", to: "pod/c:8080", size: 1500 }));
    expect(b.disposition).to.equal("MTU_EXCEEDED");
    expect(b.hops.at(-1)!.location).to.equal("node-1/wg0");
    expect(b.hops.at(-1)!.steps.map((s) => s.action)).to.deep.equal(["TOO_BIG", "ICMP_FRAG_NEEDED"]);
    expect(only(t.trace({ from: "pod/a", to: "pod/c:8080", size: 1420 })).disposition).to.equal("DELIVERED");
  });

  it("a wg0 MTU set as high as the underlay's fragments the outer packet (WireGuard sends without DF), checked against the kernel by kubehop verify", () => {
    const t = loadTopologySync(
      topologyText({ spec: "  overlay: {mtu: 1500}\n", pods: pod("a", "node-1") + pod("c", "node-2") }),
    );
    const b = only(t.trace({ from: "pod/a", to: "pod/c:8080", size: 1480 }));
    expect(b.disposition).to.equal("DELIVERED");
    const eth0 = b.hops.find((h) => h.location === "node-1/eth0")!;
    // 1480 is padded to 1488 (a multiple of 16), plus 60 bytes of headers.
    expect(eth0.steps[0]!.action).to.equal("FRAGMENTED");
    expect(eth0.steps[0]!.reason).to.contain("1548 bytes exceed eth0's MTU 1500");
  });

  it("CONNECTION_REFUSED: nothing listens on the port", () => {
    const t = loadTopologySync(twoNodes);
    const b = only(t.trace({ from: "pod/a", to: "pod/c:9999" }));
    expect(b.disposition).to.equal("CONNECTION_REFUSED");
    expect(b.hops.at(-1)!.steps.at(-1)!.reason).to.contain("open: 8080/TCP");
    expect(b.reply).to.equal(undefined);
  });

  it("NEIGHBOR_UNREACHABLE: ARP on bridge0 for an address no pod has", () => {
    const t = loadTopologySync(twoNodes);
    const b = only(t.trace({ from: "pod/a", to: "10.244.0.77:80" }));
    expect(b.disposition).to.equal("NEIGHBOR_UNREACHABLE");
    expect(b.hops.at(-1)!.location).to.equal("node-1/bridge0");
  });

  it("LOOP: two nodes routing a prefix at each other", () => {
    const r = (via: string) => `      routes: [{dst: 10.99.0.0/16, via: ${via}, dev: eth0}]\n`;
    const t = loadTopologySync(
      topologyText({
        nodeExtras: { "node-1": r("192.168.10.12"), "node-2": r("192.168.10.11") },
        pods: pod("a", "node-1"),
      }),
    );
    const b = only(t.trace({ from: "pod/a", to: "10.99.1.1:80" }));
    expect(b.disposition).to.equal("LOOP");
    expect(b.reason).to.equal("forwarding loop: node-1/eth0 reached twice with the same headers");
    expect(b.hops.filter((h) => h.location === "underlay")).to.have.length(2);
  });
});

describe("determinism", () => {
  it("gives byte-identical JSON for the same input, across loads", () => {
    const q = { from: "pod/a", to: "pod/c:8080" };
    const one = JSON.stringify(loadTopologySync(twoNodes).trace(q));
    const two = JSON.stringify(loadTopologySync(twoNodes).trace(q));
    expect(one).to.equal(two);
  });
});
