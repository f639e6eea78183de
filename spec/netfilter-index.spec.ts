// The chain index (a hash from -d/-p/--dport to the rules that can match) is an optimisation only: the
// indexed walk must give exactly what the linear walk gives. This is the one place the two engines
// are compared: over random rulesets and packets, and over kube-proxy's own rules (the node fixture
// and generated clusters).
import { readFileSync } from "node:fs";
import { expect } from "chai";
import { formatIpv4 } from "../lib/model/address.ts";
import type { Packet } from "../lib/model/packet.ts";
import { buildChainIndex, indexKey } from "../lib/netfilter/chain-index.ts";
import { NetfilterEngine } from "../lib/netfilter/evaluator.ts";
import type { HookName } from "../lib/netfilter/hooks.ts";
import { walkNode } from "../lib/netfilter/node-walk.ts";
import { parseIptablesSave } from "../lib/netfilter/parser.ts";
import { loadTopologySync } from "../lib/topology.ts";
import { hookCtx, ip, pkt, table } from "./fixtures/netfilter/helpers.ts";
import { Random, seeds } from "./support/random.ts";
import { casesFor, localIps, randomClusterYaml } from "./support/random-cluster.ts";

const VIPS = Array.from({ length: 12 }, (_, i) => `10.96.${i % 3}.${10 + i}`);
const PORTS = [53, 80, 443, 8080];
const PROTOS = ["tcp", "udp"] as const;
const LOCAL = "192.168.1.11";

function generate(seed: number): string {
  const r = new Random(seed);
  const svcCount = 6;
  const nat: string[] = [
    "-A PREROUTING -j KUBE-SERVICES",
    "-A OUTPUT -j KUBE-SERVICES",
    "-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000",
  ];
  for (let s = 0; s < svcCount; s++) {
    const n = 1 + r.below(3);
    for (let e = 0; e < n; e++) {
      const stat = e < n - 1 ? ` -m statistic --mode random --probability ${(1 / (n - e)).toFixed(10)}` : "";
      nat.push(
        `-A KUBE-SVC-${s}${stat} -j KUBE-SEP-${s}-${e}`,
        `-A KUBE-SEP-${s}-${e} -j DNAT --to-destination 10.244.${s}.${e + 1}:8080`,
      );
    }
  }
  const filter: string[] = ["-A FORWARD -j KUBE-SERVICES", "-A OUTPUT -j KUBE-SERVICES"];
  const indexable = (vip: string, p: string, port: number) =>
    `-d ${vip}/32 -p ${p}${r.next() < 0.5 ? ` -m comment --comment "svc ${vip}:${port}"` : ""} -m ${p} --dport ${port}`;
  const barriers = [
    () => `-d ${r.pick(VIPS)}/32 -p tcp -m tcp --dport 1:100`,
    () => "-m addrtype --dst-type LOCAL",
    () => `-s 10.0.0.0/8 -d ${r.pick(VIPS)}/32 -p tcp -m tcp --dport ${r.pick(PORTS)}`,
    () => `! -d ${r.pick(VIPS)}/32 -p udp -m udp --dport ${r.pick(PORTS)}`,
    () => "-m mark --mark 0x4000/0x4000",
    () => `-d ${r.pick(VIPS)}/32 -p tcp -m multiport --dports ${r.pick(PORTS)},${r.pick(PORTS)}`,
    () => `-d 10.96.0.0/16 -p udp -m udp --dport ${r.pick(PORTS)}`,
  ];
  for (let i = 0; i < 150; i++) {
    const m = r.next() < 0.9 ? indexable(r.pick(VIPS), r.pick(PROTOS), r.pick(PORTS)) : r.pick(barriers)();
    const target = r.pick([
      `KUBE-SVC-${r.below(svcCount)}`,
      `KUBE-SVC-${r.below(svcCount)}`,
      "KUBE-MARK-MASQ",
      "RETURN",
      "ACCEPT",
    ]);
    nat.push(`-A KUBE-SERVICES ${m} -j ${target}`);
  }
  for (let i = 0; i < 60; i++) {
    const m = r.next() < 0.85 ? indexable(r.pick(VIPS), r.pick(PROTOS), r.pick(PORTS)) : r.pick(barriers)();
    filter.push(`-A KUBE-SERVICES ${m} -j ${r.pick(["REJECT", "DROP", "ACCEPT", "LOG", "RETURN"])}`);
  }
  return table("nat", nat) + table("filter", filter);
}

function packet(r: Random): Packet {
  const dst = r.next() < 0.85 ? r.pick(VIPS) : r.pick([LOCAL, "10.96.0.99", "8.8.8.8"]);
  return {
    proto: r.pick(PROTOS),
    src: ip(r.pick(["10.0.0.5", "10.244.3.3", "172.16.0.1", LOCAL])),
    sport: 40000 + r.below(100),
    dst: ip(dst),
    dport: r.next() < 0.9 ? r.pick(PORTS) : r.pick([1, 99, 30080]),
    size: 60,
    ttl: 64,
    df: true,
    mark: r.pick([0, 0x4000]),
  };
}

describe("netfilter chain index", () => {
  it("indexes only exact -d /32 -p --dport rules (plus comments)", () => {
    const rs = parseIptablesSave(
      table("nat", [
        '-A KUBE-SERVICES -d 10.96.0.1/32 -p tcp -m comment --comment "a" -m tcp --dport 443 -j KUBE-SVC-A',
        "-A KUBE-SERVICES -d 10.96.0.1 -p udp --dport 53 -j KUBE-SVC-A",
        "-A KUBE-SERVICES -d 10.96.0.0/16 -p tcp -m tcp --dport 443 -j KUBE-SVC-A",
        "-A KUBE-SERVICES ! -d 10.96.0.1/32 -p tcp -m tcp --dport 443 -j KUBE-SVC-A",
        "-A KUBE-SERVICES -d 10.96.0.1/32 -p tcp -m tcp --dport 1:443 -j KUBE-SVC-A",
        "-A KUBE-SERVICES -s 1.1.1.1 -d 10.96.0.1/32 -p tcp -m tcp --dport 443 -j KUBE-SVC-A",
        "-A KUBE-SERVICES -d 10.96.0.1/32 -p tcp -m tcp --dport 443 -m mark --mark 1 -j KUBE-SVC-A",
        "-A KUBE-SERVICES -d 10.96.0.1/32 -p tcp -m udp --dport 443 -j KUBE-SVC-A",
        "-A KUBE-SVC-A -j ACCEPT",
      ]),
    );
    const rules = rs.tables.get("nat")!.chains.get("KUBE-SERVICES")!.rules;
    expect(rules.map((rule) => indexKey(rule) !== null)).to.deep.equal([
      true,
      true,
      false,
      false,
      false,
      false,
      false,
      false,
    ]);
  });

  it("builds segments only for long runs, split by barrier rules", () => {
    const rows = (n: number, from: number) =>
      Array.from(
        { length: n },
        (_, i) => `-A KUBE-SERVICES -d 10.96.0.${from + i}/32 -p tcp -m tcp --dport 80 -j ACCEPT`,
      );
    const rs = parseIptablesSave(
      table("filter", [...rows(10, 1), "-A KUBE-SERVICES -m mark --mark 1 -j DROP", ...rows(3, 50)]),
    );
    const index = buildChainIndex(rs.tables.get("filter")!.chains.get("KUBE-SERVICES")!.rules)!;
    expect(index.segmentAt.map((s) => s !== null)).to.deep.equal([...Array(10).fill(true), false, false, false, false]);
  });

  it("gives the same branches as the linear walk for random packets over random rulesets", () => {
    let compared = 0;
    let indexedChains = 0;
    for (let seed = 1; seed <= 25; seed++) {
      const rs = parseIptablesSave(generate(seed), `gen-${seed}.txt`);
      expect(rs.diagnostics).to.deep.equal([]);
      indexedChains += buildChainIndex(rs.tables.get("nat")!.chains.get("KUBE-SERVICES")!.rules) ? 1 : 0;
      const indexed = new NetfilterEngine(rs);
      const linear = new NetfilterEngine(rs, { indexed: false });
      const r = new Random(seed * 7919);
      for (let i = 0; i < 80; i++) {
        const p = packet(r);
        const hook: HookName = r.pick(["PREROUTING", "OUTPUT", "FORWARD"]);
        const ctx = () => hookCtx({ local: [LOCAL], ctState: r.next() < 0.9 ? "NEW" : "ESTABLISHED" });
        const c = ctx();
        const a = indexed.runHook(hook, p, c);
        const b = linear.runHook(hook, p, c);
        expect(a, `seed ${seed} packet ${i} ${hook} ${p.proto} ${formatIpv4(p.dst)}:${p.dport}`).to.deep.equal(b);
        compared += a.length;
      }
    }
    expect(indexedChains).to.be.greaterThan(20);
    expect(compared).to.be.greaterThan(2000);
  });

  it("gives the same branches as the linear walk on the kube-proxy node fixture: every address and port its rules name", () => {
    const file = "spec/fixtures/netfilter/kube-proxy-node.txt";
    const text = readFileSync(file, "utf8");
    const rs = parseIptablesSave(text, file);
    const local = [ip("192.168.1.11")];
    const targets = new Set([...text.matchAll(/-d ([\d.]+)\/32 .*?--dport (\d+)/g)].map((m) => `${m[1]}:${m[2]}`));
    targets.add("192.168.1.11:30080");
    expect(targets.size).to.be.greaterThan(5);
    for (const t of targets) {
      const [dst, port] = t.split(":");
      for (const [src, inIface] of [
        ["10.244.1.9", "cni0"],
        ["203.0.113.7", "eth0"],
      ] as const) {
        const opts = { hook: "prerouting" as const, localIps: local, inIface };
        const p = pkt(src, dst!, Number(port));
        expect(walkNode(rs, p, { ...opts, indexed: false }), `${src} -> ${t}`).to.deep.equal(walkNode(rs, p, opts));
      }
    }
  });

  it("gives the same branches as the linear walk on kube-proxy's rules for generated clusters", () => {
    let compared = 0;
    for (const seed of seeds(20, 1000)) {
      const topo = loadTopologySync(randomClusterYaml(seed));
      for (const node of topo.cluster.nodes) {
        const rs = parseIptablesSave(topo.iptablesSave(node.name), `kube-proxy/${node.name}`);
        for (const c of casesFor(topo.cluster, node)) {
          const opts = { hook: c.hook, localIps: localIps(node), inIface: c.inIface };
          expect(
            walkNode(rs, c.packet, { ...opts, indexed: false }),
            `seed ${seed} ${node.name} ${JSON.stringify(c.packet)}`,
          ).to.deep.equal(walkNode(rs, c.packet, opts));
          compared++;
        }
      }
    }
    expect(compared).to.be.greaterThan(500);
  });
});
