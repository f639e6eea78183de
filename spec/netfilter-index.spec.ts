import { expect } from "chai";
import type { Packet } from "../lib/dataplane/packet.ts";
import { formatIpv4 } from "../lib/model/address.ts";
import { buildChainIndex, indexKey } from "../lib/netfilter/chain-index.ts";
import { NetfilterEngine } from "../lib/netfilter/evaluator.ts";
import type { HookName } from "../lib/netfilter/hooks.ts";
import { parseIptablesSave } from "../lib/netfilter/parser.ts";
import { hookCtx, ip, table } from "./fixtures/netfilter/helpers.ts";

/** mulberry32: a tiny seeded PRNG, so every run generates the same rulesets and packets. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  return { next, int, pick };
}

const VIPS = Array.from({ length: 12 }, (_, i) => `10.96.${i % 3}.${10 + i}`);
const PORTS = [53, 80, 443, 8080];
const PROTOS = ["tcp", "udp"] as const;
const LOCAL = "192.168.1.11";

function generate(seed: number): string {
  const r = prng(seed);
  const svcCount = 6;
  const nat: string[] = ["-A PREROUTING -j KUBE-SERVICES", "-A OUTPUT -j KUBE-SERVICES", "-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000"];
  for (let s = 0; s < svcCount; s++) {
    const n = 1 + r.int(3);
    for (let e = 0; e < n; e++) {
      const stat = e < n - 1 ? ` -m statistic --mode random --probability ${(1 / (n - e)).toFixed(10)}` : "";
      nat.push(`-A KUBE-SVC-${s}${stat} -j KUBE-SEP-${s}-${e}`, `-A KUBE-SEP-${s}-${e} -j DNAT --to-destination 10.244.${s}.${e + 1}:8080`);
    }
  }
  const filter: string[] = ["-A FORWARD -j KUBE-SERVICES", "-A OUTPUT -j KUBE-SERVICES"];
  const indexable = (vip: string, p: string, port: number) => `-d ${vip}/32 -p ${p}${r.next() < 0.5 ? ` -m comment --comment "svc ${vip}:${port}"` : ""} -m ${p} --dport ${port}`;
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
    const target = r.pick([`KUBE-SVC-${r.int(svcCount)}`, `KUBE-SVC-${r.int(svcCount)}`, "KUBE-MARK-MASQ", "RETURN", "ACCEPT"]);
    nat.push(`-A KUBE-SERVICES ${m} -j ${target}`);
  }
  for (let i = 0; i < 60; i++) {
    const m = r.next() < 0.85 ? indexable(r.pick(VIPS), r.pick(PROTOS), r.pick(PORTS)) : r.pick(barriers)();
    filter.push(`-A KUBE-SERVICES ${m} -j ${r.pick(["REJECT", "DROP", "ACCEPT", "LOG", "RETURN"])}`);
  }
  return table("nat", nat) + table("filter", filter);
}

function packet(r: ReturnType<typeof prng>): Packet {
  const dst = r.next() < 0.85 ? r.pick(VIPS) : r.pick([LOCAL, "10.96.0.99", "8.8.8.8"]);
  return {
    proto: r.pick(PROTOS),
    src: ip(r.pick(["10.0.0.5", "10.244.3.3", "172.16.0.1", LOCAL])),
    sport: 40000 + r.int(100),
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
    expect(rules.map((rule) => indexKey(rule) !== null)).to.deep.equal([true, true, false, false, false, false, false, false]);
  });

  it("builds segments only for long runs, split by barrier rules", () => {
    const rows = (n: number, from: number) => Array.from({ length: n }, (_, i) => `-A KUBE-SERVICES -d 10.96.0.${from + i}/32 -p tcp -m tcp --dport 80 -j ACCEPT`);
    const rs = parseIptablesSave(table("filter", [...rows(10, 1), "-A KUBE-SERVICES -m mark --mark 1 -j DROP", ...rows(3, 50)]));
    const index = buildChainIndex(rs.tables.get("filter")!.chains.get("KUBE-SERVICES")!.rules)!;
    expect(index.segmentAt.map((s) => s !== null)).to.deep.equal([...Array(10).fill(true), false, false, false, false]);
  });

  it("gives the same branches as the linear walk for random packets over random rulesets", () => {
    let compared = 0;
    let indexedChains = 0;
    for (let seed = 1; seed <= 25; seed++) {
      const rs = parseIptablesSave(generate(seed), `gen-${seed}.txt`);
      expect(rs.warnings).to.deep.equal([]);
      indexedChains += buildChainIndex(rs.tables.get("nat")!.chains.get("KUBE-SERVICES")!.rules) ? 1 : 0;
      const indexed = new NetfilterEngine(rs);
      const linear = new NetfilterEngine(rs, { indexed: false });
      const r = prng(seed * 7919);
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
});
