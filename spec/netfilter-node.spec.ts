import { readFileSync } from "node:fs";
import { expect } from "chai";
import { walkNode } from "../lib/netfilter/node-walk.ts";
import { parseIptablesSave } from "../lib/netfilter/parser.ts";
import type { Ruleset } from "../lib/model/ruleset.ts";
import { ip, pkt, table } from "./fixtures/netfilter/helpers.ts";

const FIXTURE = "spec/fixtures/netfilter/kube-proxy-node.txt";
let NODE: Ruleset;
const NODE_IP = "192.168.1.11";
const local = [ip(NODE_IP)];

/** kube-proxy's iptables-restore input (not iptables-save output): --or-mark / --xor-mark. */
const KUBE_PROXY_RESTORE = [
  table(
    "filter",
    [
      '-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD',
      '-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
      '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT',
      '-A KUBE-SERVICES -m comment --comment "ns6/svc6:p80 has no endpoints" -m tcp -p tcp -d 172.30.0.46 --dport 80 -j REJECT',
    ],
    { FORWARD: "DROP" },
  ),
  table("nat", [
    '-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    '-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING',
    '-A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 -j KUBE-SVC-XPGD46QRK7WJZT7O',
    "-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000",
    "-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN",
    "-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000",
    '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully',
    "-A KUBE-SEP-SXIVWICOYRO3J4NJ -m comment --comment ns1/svc1:p80 -s 10.180.0.1 -j KUBE-MARK-MASQ",
    "-A KUBE-SEP-SXIVWICOYRO3J4NJ -m comment --comment ns1/svc1:p80 -m tcp -p tcp -j DNAT --to-destination 10.180.0.1:80",
    '-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ',
    '-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 -> 10.180.0.1:80" -j KUBE-SEP-SXIVWICOYRO3J4NJ',
  ]),
].join("");

describe("netfilter node walk", () => {
  it("ClusterIP from outside the pod network: DNAT, mark 0x4000, FORWARD accept by mark, MASQUERADE, mark cleared", () => {
    const rs = parseIptablesSave(KUBE_PROXY_RESTORE, "restore.txt");
    const [b, ...rest] = walkNode(rs, pkt("192.168.9.9", "172.30.0.41", 80), { hook: "prerouting", localIps: local });
    expect(rest).to.deep.equal([]);
    expect(b).to.deep.include({
      probability: 1,
      verdict: "ACCEPT",
      dnat: "10.180.0.1:80",
      masquerade: true,
      snat: "192.168.1.11:40000",
      route: "forward",
    });
    expect(b!.marks).to.deep.equal(["0x4000"]);
    expect(b!.hooks).to.deep.equal(["PREROUTING", "FORWARD", "POSTROUTING"]);
    expect(b!.packet.mark).to.equal(0);
    expect(b!.rules).to.deep.equal([
      '-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
      '-A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 -j KUBE-SVC-XPGD46QRK7WJZT7O',
      '-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ',
      "-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000",
      '-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 -> 10.180.0.1:80" -j KUBE-SEP-SXIVWICOYRO3J4NJ',
      "-A KUBE-SEP-SXIVWICOYRO3J4NJ -m comment --comment ns1/svc1:p80 -m tcp -p tcp -j DNAT --to-destination 10.180.0.1:80",
      '-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD',
      '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT',
      '-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING',
      "-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000",
      '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully',
    ]);
  });

  it("ClusterIP from a pod: no mark, so FORWARD's DROP policy decides and KUBE-POSTROUTING returns", () => {
    const rs = parseIptablesSave(KUBE_PROXY_RESTORE, "restore.txt");
    const [b] = walkNode(rs, pkt("10.1.2.3", "172.30.0.41", 80), { hook: "prerouting", localIps: local });
    expect(b).to.deep.include({ verdict: "DROP", dnat: "10.180.0.1:80", masquerade: false });
    expect(b!.marks).to.deep.equal([]);
    expect(b!.rules.at(-1)).to.equal(":FORWARD DROP");
  });

  it("REJECTs a service with no endpoints in filter KUBE-SERVICES", () => {
    const rs = parseIptablesSave(KUBE_PROXY_RESTORE, "restore.txt");
    const [b] = walkNode(rs, pkt("10.1.2.3", "172.30.0.46", 80), { hook: "prerouting", localIps: local });
    expect(b).to.deep.include({ verdict: "REJECT", rejectWith: "icmp-port-unreachable", dnat: null });
  });

  describe("the kube-proxy node fixture", () => {
    before(() => {
      NODE = parseIptablesSave(readFileSync(FIXTURE, "utf8"), FIXTURE);
    });

    it("splits the 3-endpoint hostnames service into 0.33333333349 / 0.5 of the rest / the rest", () => {
      const bs = walkNode(NODE, pkt("10.244.1.9", "10.96.1.175", 80), {
        hook: "prerouting",
        localIps: local,
        inIface: "cni0",
      });
      const p1 = 715827883 / 2 ** 31;
      expect(bs.map((b) => [b.probability, b.dnat, b.verdict, b.masquerade])).to.deep.equal([
        [p1, "10.244.0.5:9376", "ACCEPT", false],
        [(1 - p1) / 2, "10.244.1.6:9376", "ACCEPT", false],
        [(1 - p1) / 2, "10.244.2.7:9376", "ACCEPT", false],
      ]);
      // A pod source is in the cluster CIDR: not marked; flannel's FORWARD rule accepts it.
      expect(bs[0]!.rules.at(-1)).to.equal(
        '-A FLANNEL-POSTRTG -s 10.244.1.0/24 -d 10.244.0.0/16 -m comment --comment "flanneld masq" -j RETURN',
      );
      expect(bs[0]!.rules).to.include(
        '-A FLANNEL-FWD -s 10.244.0.0/16 -m comment --comment "flanneld forward" -j ACCEPT',
      );
    });

    it("hairpin: a pod reaching itself through the service is masqueraded", () => {
      const bs = walkNode(NODE, pkt("10.244.1.6", "10.96.1.175", 80), {
        hook: "prerouting",
        localIps: local,
        inIface: "cni0",
      });
      const self = bs.find((b) => b.dnat === "10.244.1.6:9376")!;
      expect(self).to.deep.include({ masquerade: true, snat: "192.168.1.11:40000" });
      expect(self.marks).to.deep.equal(["0x4000"]);
      expect(bs.filter((b) => b.masquerade)).to.have.length(1);
    });

    it("NodePort from an external client: KUBE-SERVICES -> KUBE-NODEPORTS -> EXT marks -> SVC -> SEP", () => {
      const bs = walkNode(NODE, pkt("203.0.113.7", NODE_IP, 30080), { hook: "prerouting", localIps: local });
      expect(bs.map((b) => [b.probability, b.dnat, b.verdict, b.masquerade, b.route])).to.deep.equal([
        [0.5, "10.244.1.20:8080", "ACCEPT", true, "forward"],
        [0.5, "10.244.2.21:8080", "ACCEPT", true, "forward"],
      ]);
      const jumps = bs[0]!.steps
        .filter((s) => s.event.kind === "jump" && s.hook === "PREROUTING")
        .map((s) => s.event.detail.replace("jump to ", ""));
      expect(jumps).to.deep.equal([
        "KUBE-SERVICES",
        "KUBE-NODEPORTS",
        "KUBE-EXT-67NZLRHBNDSAWJRO",
        "KUBE-MARK-MASQ",
        "KUBE-SVC-67NZLRHBNDSAWJRO",
        "KUBE-SEP-SQ3QUK7JLSKBNU6R",
      ]);
    });

    it("a packet for the node itself goes to INPUT and is accepted", () => {
      const [b, ...rest] = walkNode(NODE, pkt("203.0.113.7", NODE_IP, 22), { hook: "prerouting", localIps: local });
      expect(rest).to.have.length(0);
      expect(b).to.deep.include({ verdict: "ACCEPT", route: "local", dnat: null });
      expect(b!.hooks).to.deep.equal(["PREROUTING", "INPUT"]);
    });

    it("a service with no endpoints is REJECTed for a node process (filter OUTPUT -> KUBE-SERVICES)", () => {
      const [b] = walkNode(NODE, pkt(NODE_IP, "10.96.44.44", 80), { hook: "output", localIps: local });
      expect(b).to.deep.include({ verdict: "REJECT", rejectWith: "icmp-port-unreachable" });
      expect(b!.rules.at(-1)).to.contain('"shop/empty:http has no endpoints"');
    });

    it("output hook: a node process to a ClusterIP is marked (not from the pod CIDR) and masqueraded", () => {
      const bs = walkNode(NODE, pkt(NODE_IP, "10.96.0.1", 443), { hook: "output", localIps: local });
      expect(bs.map((b) => [b.probability, b.dnat, b.verdict, b.masquerade, b.hooks.join(">")])).to.deep.equal([
        [1, "192.168.1.10:6443", "ACCEPT", true, "OUTPUT>POSTROUTING"],
      ]);
    });

    it("ClientIP affinity: the first connection remembers its endpoint, the next one sticks to it", () => {
      const first = walkNode(NODE, pkt("10.244.1.9", "10.96.20.5", 8080), {
        hook: "prerouting",
        localIps: local,
        inIface: "cni0",
      });
      expect(first.map((b) => [b.probability, b.dnat])).to.deep.equal([
        [0.5, "10.244.1.30:8080"],
        [0.5, "10.244.2.31:8080"],
      ]);
      const again = walkNode(NODE, pkt("10.244.1.9", "10.96.20.5", 8080), {
        hook: "prerouting",
        localIps: local,
        inIface: "cni0",
        recent: first[1]!.recent,
      });
      expect(again.map((b) => [b.probability, b.dnat])).to.deep.equal([[1, "10.244.2.31:8080"]]);
      expect(again[0]!.rules[2]).to.contain(
        "-m recent --rcheck --seconds 10800 --reap --name KUBE-SEP-W5UFFQG2BDH6F4KR",
      );
    });
  });
});
