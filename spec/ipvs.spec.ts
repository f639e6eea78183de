// Issue 13 item 3, IPVS: a node whose kube-proxy runs in IPVS mode is recognised from its dumps;
// IPVS, not iptables, DNATs its Service traffic, one branch per real server with its weight's share
// when the node's `ipvsadm-save -n` is given, and an UNDECIDED end naming what to add when not.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { formatIpv4 } from "../lib/model/address.ts";
import { parseIpvsadm } from "../lib/nodedump/ipvsadm.ts";
import { loadTopologySync, type Topology } from "../lib/topology.ts";

// spec/fixtures/real/SOURCES.md: KUBE-SERVICES of a kube-proxy in IPVS mode (kubernetes#65459).
const CORPUS = "spec/fixtures/real/iptables/k8s-65459-ipvs-rules.txt";

const SAVE = [
  "-A -t 10.96.0.1:443 -s rr",
  "-a -t 10.96.0.1:443 -r 192.168.1.10:6443 -m -w 1",
  "-A -u 10.96.0.10:53 -s wlc -p 10800",
  "-a -u 10.96.0.10:53 -r 10.244.0.2:53 -m -w 1",
  "-a -u 10.96.0.10:53 -r 10.244.1.2:53 -m -w 0",
  "",
].join("\n");

const LISTED = [
  "root@node-1:~# ipvsadm -Ln",
  "IP Virtual Server version 1.2.1 (size=4096)",
  "Prot LocalAddress:Port Scheduler Flags",
  "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn",
  "TCP  10.96.0.1:443 rr",
  "  -> 192.168.1.10:6443            Masq    1      3          0",
  "UDP  10.96.0.10:53 wlc persistent 10800",
  "  -> 10.244.0.2:53                Masq    1      0          12",
  "  -> 10.244.1.2:53                Masq    0      0          0",
  "",
].join("\n");

describe("IPVS", () => {
  describe("reading ipvsadm", () => {
    const summary = (text: string) =>
      parseIpvsadm(text, "ipvsadm.txt").table.services.map(
        (s) =>
          `${s.proto} ${formatIpv4(s.ip)}:${s.port} ${s.scheduler}${s.persistent ? ` p${s.persistent}` : ""} -> ` +
          s.reals.map((r) => `${formatIpv4(r.ip)}:${r.port}/${r.forward}/${r.weight}`).join(" "),
      );

    it("reads ipvsadm-save -n and ipvsadm -Ln into the same table", () => {
      const want = [
        "tcp 10.96.0.1:443 rr -> 192.168.1.10:6443/masq/1",
        "udp 10.96.0.10:53 wlc p10800 -> 10.244.0.2:53/masq/1 10.244.1.2:53/masq/0",
      ];
      expect(summary(SAVE)).to.deep.equal(want);
      expect(summary(LISTED)).to.deep.equal(want);
      expect(parseIpvsadm(LISTED, "ipvsadm.txt").warnings).to.deep.equal([]);
    });

    it("skips a line it cannot read with a positioned diagnostic and reads the rest", () => {
      const { table, warnings } = parseIpvsadm(`${SAVE}-a -t 10.96.0.9:80 -r 10.0.0.1:80 -m -w 1\nbogus\n`, "f");
      expect(table.services).to.have.length(2);
      expect(warnings.map((d) => `${d.code} ${d.source && "line" in d.source ? d.source.line : ""}`)).to.deep.equal([
        "dump-syntax 6",
        "dump-syntax 7",
      ]);
      expect(warnings[0]!.message).to.include("which no -A line before it adds");
    });
  });

  // A whole IPVS node: its rules, ipsets and IPVS table dumped, as kube-proxy writes them.
  it("spec/fixtures/topologies/ipvs-node: a pod reaching itself through IPVS is masqueraded by KUBE-LOOP-BACK", () => {
    const topo = loadTopologySync("spec/fixtures/topologies/ipvs-node");
    const pod = topo.cluster.pods.find((p) => p.node === "node-1")!;
    const t = topo.trace({ from: `pod/default/${pod.name}`, to: "svc/default/web" });
    expect(t.diagnostics).to.deep.equal([]);
    expect(t.branches.map((b) => [b.probability, b.disposition, b.reply?.disposition])).to.deep.equal([
      [0.5, "DELIVERED", "DELIVERED"],
      [0.5, "DELIVERED", "DELIVERED"],
    ]);
    const hairpin = t.branches.find((b) => b.reason.includes(pod.name))!;
    const masquerade = hairpin.hops.flatMap((h) => h.steps).find((s) => s.type === "masquerade")!;
    expect(masquerade.rule).to.include("--match-set KUBE-LOOP-BACK dst,dst,src -j MASQUERADE");
  });

  describe("a node in IPVS mode", () => {
    let dir: string;
    let vip: string;
    let apiPods: string[];
    const n1 = () => join(dir, "nodes/node-1");
    const trace = () => {
      const topo = loadTopologySync(dir);
      const pod = topo.cluster.pods.find((p) => p.node === "node-1" && p.name.startsWith("web"))!;
      return { topo, trace: topo.trace({ from: `pod/${pod.namespace}/${pod.name}`, to: "svc/shop/api:http" }) };
    };
    const ipvsSteps = (t: ReturnType<Topology["trace"]>) =>
      t.branches.map((b) => b.hops.flatMap((h) => h.steps).filter((s) => s.detail.kind === "ipvs"));

    before(() => {
      dir = mkdtempSync(join(tmpdir(), "kubehop-ipvs-"));
      cpSync("topologies/dumps-example", dir, { recursive: true });
      // The corpus paste is KUBE-SERVICES alone: the rest of the nat table is what any kube-proxy writes.
      const rules = readFileSync(CORPUS, "utf8");
      writeFileSync(
        join(n1(), "iptables-save.txt"),
        "*nat\n:PREROUTING ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n:KUBE-SERVICES - [0:0]\n" +
          ":KUBE-MARK-MASQ - [0:0]\n:KUBE-NODE-PORT - [0:0]\n-A PREROUTING -j KUBE-SERVICES\n" +
          `${rules}-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000\nCOMMIT\n`,
      );
      // Without its ip addr dump, kubehop binds the Services' ClusterIPs to kube-ipvs0 as kube-proxy does.
      rmSync(join(n1(), "ip-addr.txt"));
      const topo = loadTopologySync(dir);
      const api = topo.cluster.services.find((s) => s.name === "api")!;
      vip = `${formatIpv4(api.clusterIPs[0]!)}:${api.ports[0]!.port}`;
      apiPods = topo.cluster.pods.filter((p) => p.name.startsWith("api")).map((p) => formatIpv4(p.ip));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    // expectations.yaml: iptables only marks and ACCEPTs; IPVS on kube-ipvs0 does the DNAT.
    it(`is recognised from ${CORPUS}'s --match-set KUBE-CLUSTER-IP, and says IPVS decides`, () => {
      const { topo, trace: t } = trace();
      const evidence = topo.network.ipvs(topo.network.node("node-1"))!.evidence;
      expect(evidence).to.match(/^--match-set KUBE-CLUSTER-IP at .*iptables-save\.txt:\d+$/);
      expect(t.branches.map((b) => b.disposition)).to.deep.equal(["UNDECIDED"]);
      expect(t.branches[0]!.reason).to.equal(
        `node-1 is in kube-proxy's IPVS mode (${evidence}): IPVS, not iptables, picks the real server for ${vip}, ` +
          "and its table is not given; add `ipvsadm-save -n` to the node's dump as ipvsadm.txt",
      );
      expect(t.branches[0]!.hops.flatMap((h) => h.steps).filter((s) => s.type === "dnat")).to.deep.equal([]);
    });

    it("follows ipvsadm-save -n: a branch per real server taking connections, its weight's share", () => {
      const [ip, port] = vip.split(":");
      writeFileSync(
        join(n1(), "ipvsadm.txt"),
        `-A -t ${vip} -s rr\n-a -t ${vip} -r ${apiPods[0]}:9000 -m -w 1\n-a -t ${vip} -r ${apiPods[1]}:9000 -m -w 3\n` +
          `-a -t ${vip} -r 10.42.9.9:9000 -m -w 0\n`,
      );
      try {
        const { trace: t } = trace();
        expect(t.branches.map((b) => [b.probability, b.disposition])).to.deep.equal([
          [0.25, "DELIVERED"],
          [0.75, "DELIVERED"],
        ]);
        const [first] = ipvsSteps(t)[0]!;
        expect(first!.detail).to.deep.equal({
          kind: "ipvs",
          node: "node-1",
          service: { proto: "tcp", ip, port: Number(port) },
          scheduler: "rr",
          real: { ip: apiPods[0], port: 9000 },
          weight: 1,
          totalWeight: 4,
        });
        expect(first!.reason).to.equal(
          `IPVS on node-1 (kube-proxy's IPVS mode): TCP ${vip} to ${apiPods[0]}:9000, scheduler rr: the real servers ` +
            "take connections in turn, so this one gets its weight's share (1 of 4)",
        );
      } finally {
        rmSync(join(n1(), "ipvsadm.txt"));
      }
    });

    it("rejects a virtual service none of whose real servers takes connections", () => {
      writeFileSync(join(n1(), "ipvsadm.txt"), `TCP  ${vip} rr\n  -> ${apiPods[0]}:9000  Masq  0  0  0\n`);
      try {
        const { trace: t } = trace();
        expect(t.branches.map((b) => [b.disposition, b.reason])).to.deep.equal([
          ["REJECTED", `IPVS on node-1: TCP ${vip} has no real server that takes connections (ICMP port unreachable)`],
        ]);
      } finally {
        rmSync(join(n1(), "ipvsadm.txt"));
      }
    });
  });
});
