// Issue 13 item 2 in a topology: a node's addresses and interfaces are what its `ip addr` dump says,
// under the names the node gives them (ens5, cni0, docker0, kube-ipvs0): every address is local
// (addrtype LOCAL, local delivery), -i/-o rules test those names, and MASQUERADE writes the source
// the kernel picks (inet_select_addr). Without the dump, a rule naming another interface is said to
// rest on kubehop's own names.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { makePrefix, parseIpv4 } from "../lib/model/address.ts";
import type { NodeInterface } from "../lib/model/node-interfaces.ts";
import { selectSource } from "../lib/dataplane/addresses.ts";
import { loadTopologySync, type Topology } from "../lib/topology.ts";

const ip = (s: string) => parseIpv4(s)!;
const addr = (s: string) => {
  const [a, len] = s.split("/");
  return { ip: ip(a!), prefix: makePrefix(ip(a!), Number(len)) };
};

const IP_ADDR = [
  "1: lo    inet 127.0.0.1/8 scope host lo",
  "2: ens5    inet 192.168.10.11/24 brd 192.168.10.255 scope global dynamic ens5",
  "2: ens5    inet 192.168.20.5/24 brd 192.168.20.255 scope global ens5",
  "3: docker0    inet 172.17.0.1/16 brd 172.17.255.255 scope global docker0",
  "4: flannel-wg    inet 10.42.0.0/32 scope global flannel-wg",
  "5: cni0    inet 10.42.0.1/24 brd 10.42.0.255 scope global cni0",
  "6: kube-ipvs0    inet 10.43.0.10/32 scope global kube-ipvs0",
  "",
].join("\n");

/** MASQUERADE of pod traffic leaving by ens5: a rule that only matches under the node's real name. */
const MASQUERADE = "-A POSTROUTING -s 10.42.0.0/16 -o ens5 -j MASQUERADE";

describe("a node's addresses and interfaces from its dumps", () => {
  let dir: string;
  let topo: Topology;
  const masquerades = (to: string) => {
    const pod = topo.cluster.pods.find((p) => p.node === "node-1" && p.name.startsWith("web"))!;
    const t = topo.trace({ from: `pod/${pod.namespace}/${pod.name}`, to });
    return t.branches.flatMap((b) => b.hops.flatMap((h) => h.steps)).filter((s) => s.type === "masquerade");
  };
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "kubehop-local-"));
    cpSync("topologies/dumps-example", dir, { recursive: true });
    const n1 = join(dir, "nodes/node-1");
    writeFileSync(join(n1, "ip-addr.txt"), IP_ADDR);
    const routes = readFileSync(join(n1, "ip-route.txt"), "utf8").replaceAll("eth0", "ens5");
    // `ip route show table all` adds the local table: a whole range can be the node's (AnyIP).
    const local = "local 10.200.0.0/16 dev lo table local proto kernel scope host src 127.0.0.1\n";
    writeFileSync(join(n1, "ip-route.txt"), `${routes}203.0.113.0/24 via 192.168.20.1 dev ens5\n${local}`);
    const rules = readFileSync(join(n1, "iptables-save.txt"), "utf8");
    writeFileSync(join(n1, "iptables-save.txt"), rules.replace("-A POSTROUTING ", `${MASQUERADE}\n-A POSTROUTING `));
    topo = loadTopologySync(dir);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("lists the node's interfaces under their own names, each with the device kubehop models it as", () => {
    const node = topo.network.node("node-1");
    const seen = topo.network.addresses(node).interfaces.map((i) => [i.name, i.model ?? "-", i.addresses.length]);
    expect(seen).to.deep.equal([
      ["lo", "lo", 1],
      ["ens5", "eth0", 2],
      ["docker0", "-", 1],
      ["flannel-wg", "wg0", 1],
      ["cni0", "bridge0", 1],
      ["kube-ipvs0", "-", 1],
    ]);
    expect(topo.network.addresses(node).source).to.equal("dump");
  });

  it("takes every address of every interface as local, all of 127.0.0.0/8, and the dumped local table's ranges", () => {
    const node = topo.network.node("node-1");
    for (const a of ["172.17.0.1", "10.43.0.10", "192.168.20.5", "127.0.0.53", "10.42.0.1", "10.200.7.7"])
      expect(topo.network.isLocal(node, ip(a)), a).to.equal(true);
    for (const a of ["172.17.0.2", "10.43.0.11", "192.168.10.12"])
      expect(topo.network.isLocal(node, ip(a)), a).to.equal(false);
  });

  it("matches -o ens5 on the packet leaving by the modelled eth0, and MASQUERADEs to ens5's address", () => {
    const [m, ...more] = masquerades("93.184.216.34:443");
    expect(more).to.have.length(0);
    expect(m!.rule).to.equal(MASQUERADE);
    expect(m!.after!.src).to.equal("192.168.10.11:40000");
  });

  it("MASQUERADEs to the address on the next hop's subnet when the interface has several", () => {
    // 203.0.113.0/24 goes via 192.168.20.1: ens5's 192.168.20.5 is on that subnet, 192.168.10.11 not.
    expect(masquerades("203.0.113.9:443").map((s) => s.after!.src)).to.deep.equal(["192.168.20.5:40000"]);
  });

  it("with rules dumped and interfaces not, says a rule's interface rests on kubehop's names", () => {
    const bare = mkdtempSync(join(tmpdir(), "kubehop-local-"));
    try {
      cpSync(dir, bare, { recursive: true });
      rmSync(join(bare, "nodes/node-1/ip-addr.txt"));
      rmSync(join(bare, "nodes/node-1/ip-route.txt"));
      const t = loadTopologySync(bare);
      const pod = t.cluster.pods.find((p) => p.node === "node-1" && p.name.startsWith("web"))!;
      const trace = t.trace({ from: `pod/${pod.namespace}/${pod.name}`, to: "93.184.216.34:443" });
      const said = trace.diagnostics.filter((d) => d.code === "interface-assumed");
      expect(said.map((d) => d.message)).to.deep.equal([
        "-o ens5: node-1's interfaces are not dumped, so kubehop gives it lo, eth0, bridge0, wg0; no packet is taken to pass ens5, so this test never matches",
      ]);
      expect(said[0]!.source).to.deep.include({ file: join(bare, "nodes/node-1/iptables-save.txt") });
    } finally {
      rmSync(bare, { recursive: true, force: true });
    }
  });

  describe("the source the kernel picks (inet_select_addr)", () => {
    const eth0: NodeInterface = {
      name: "eth0",
      addresses: [addr("192.168.10.11/24"), addr("192.168.10.99/24"), addr("192.168.20.5/24")],
    };
    const lo: NodeInterface = { name: "lo", addresses: [addr("127.0.0.1/8")] };
    const docker0: NodeInterface = { name: "docker0", addresses: [addr("172.17.0.1/16")] };
    const bare: NodeInterface = { name: "veth0", addresses: [] };
    const all = [lo, eth0, docker0, bare];

    it("the out interface's primary address on the next hop's subnet", () => {
      expect(selectSource(all, "eth0", ip("192.168.20.1"))).to.equal(ip("192.168.20.5"));
      expect(selectSource(all, "eth0", ip("192.168.10.1"))).to.equal(ip("192.168.10.11"));
    });

    it("never a secondary address (a later one in a subnet the interface already has)", () => {
      const secondFirst: NodeInterface = { name: "eth0", addresses: [eth0.addresses[0]!, eth0.addresses[1]!] };
      expect(selectSource([secondFirst], "eth0", ip("192.168.10.99"))).to.equal(ip("192.168.10.11"));
    });

    it("the interface's first address off-subnet, and another interface's when it has none", () => {
      expect(selectSource(all, "eth0", ip("8.8.8.8"))).to.equal(ip("192.168.10.11"));
      expect(selectSource(all, "veth0", ip("8.8.8.8"))).to.equal(ip("192.168.10.11"));
      expect(selectSource([lo, docker0, bare], "veth0", ip("8.8.8.8"))).to.equal(ip("172.17.0.1"));
    });

    it("none when the node has no address but loopback: MASQUERADE then drops", () => {
      expect(selectSource([lo, bare], "veth0", ip("8.8.8.8"))).to.equal(undefined);
    });
  });
});
