import { expect } from "chai";
import { readFileSync } from "node:fs";
import { NftEngine } from "../lib/netfilter/nft/engine.ts";
import { parseNftRuleset } from "../lib/netfilter/nft/reader.ts";
import type { HookBranch, HookContext, HookName } from "../lib/netfilter/hooks.ts";
import type { Packet } from "../lib/model/packet.ts";
import { hookCtx, ip, pkt } from "./fixtures/netfilter/helpers.ts";
import { isNftText } from "../lib/netfilter/nft/detect.ts";
import { runCli } from "./support/cli.ts";
import { expectSchemaValid } from "./support/schemas.ts";
import { flow } from "./fixtures/nft/flow.ts";
import { UPSTREAM_FLOWS } from "./fixtures/nft/upstream-packet-flows.ts";

const FIXTURES = "spec/fixtures/nft";
const engineOf = (text: string, file = "t.nft") => new NftEngine(parseNftRuleset(text, file));
const loaded = (name: string) => engineOf(readFileSync(`${FIXTURES}/${name}`, "utf8"), name);

function run(
  text: string,
  hook: HookName,
  p: Packet = pkt("10.0.0.5", "10.96.0.10", 80),
  ctx: HookContext = hookCtx(),
) {
  return engineOf(text).runHook(hook, p, ctx);
}
const trail = (b: HookBranch) => b.events.map((e) => `${e.kind} ${e.rule.chain}#${e.rule.index}`);

describe("nft engine: kube-proxy's rules as upstream's tests expect them", () => {
  // The same rules in both forms: kube-proxy's `nft -f` input and what nft 1.0.6 lists after loading it.
  for (const file of ["kube-proxy-overall.nft", "kube-proxy-overall.list.txt"]) {
    describe(file, () => {
      const nf = loaded(file);
      it("is read with no diagnostics", () => {
        expect(nf.diagnostics).to.deep.equal([]);
      });
      for (const c of UPSTREAM_FLOWS)
        it(`${c.from}${c.derived ? " (derived)" : ""}: ${c.name} (${c.source} -> ${c.dest}:${c.port})`, () => {
          const f = flow(nf, c.source, c.dest, c.port, c.protocol);
          expect(f.output).to.equal(c.output);
          if (c.masq !== undefined) expect(f.masq).to.deep.equal(f.masq.map(() => c.masq));
          // A hook's branch probability is given that the packet reached the hook: a path's is their product.
          const total = f.branches.reduce((s, path) => s + path.reduce((p, b) => p * b.probability, 1), 0);
          expect(total).to.be.closeTo(1, 1e-9);
        });
    });
  }

  it("reads both forms into the same tables, chains, rules and elements", () => {
    const shape = (file: string) =>
      parseNftRuleset(readFileSync(`${FIXTURES}/${file}`, "utf8")).tables.map((t) => ({
        table: `${t.family} ${t.name}`,
        chains: [...t.chains.values()]
          .map((c) => `${c.name} ${c.rules.length} ${JSON.stringify(c.base ?? null)}`)
          .sort(),
        sets: [...t.sets.values()].map((s) => `${s.name} ${s.kinds.join(".")} ${s.elements.length}`).sort(),
      }));
    expect(shape("kube-proxy-overall.nft")).to.deep.equal(shape("kube-proxy-overall.list.txt"));
  });

  it("splits numgen random mod 2 into two halves, each naming the element that decided", () => {
    const f = flow(loaded("kube-proxy-overall.list.txt"), "10.0.0.2", "172.30.0.44", 80);
    expect(f.branches.map((p) => p[0]!.probability)).to.deep.equal([0.5, 0.5]);
    expect(f.branches.map((p) => p[0]!.choices)).to.deep.equal([
      ["service-LAUZTJTB-ns4/svc4/tcp/p80 #2 numgen random mod 2 = 0"],
      ["service-LAUZTJTB-ns4/svc4/tcp/p80 #2 numgen random mod 2 = 1"],
    ]);
    const services = f.branches[0]![0]!.events.find((e) => e.rule.chain === "services")!;
    expect(services.detail).to.equal(
      "vmap @service-ips: 172.30.0.44 . tcp . 80 : goto service-LAUZTJTB-ns4/svc4/tcp/p80",
    );
    expect(services.rule).to.include({ table: "nat", index: 1 });
    expect(services.rule.nft).to.deep.equal({ family: "ip", table: "kube-proxy" });
  });

  it("remembers a ClientIP-affinity client in the dynamic set, and the next connection follows it", () => {
    const nf = loaded("kube-proxy-overall.nft");
    const first = flow(nf, "10.0.0.2", "172.30.0.45", 80);
    const recent = first.branches[0]![0]!.recent;
    expect([...recent.keys()]).to.deep.equal(["nft ip kube-proxy @affinity-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80"]);
    const again = flow(nf, "10.0.0.2", "172.30.0.45", 80, "tcp", recent);
    expect(again.output).to.equal("10.180.0.3:80");
    expect(trail(again.branches[0]![0]!)).to.include("goto service-HVFWP5L3-ns5/svc5/tcp/p80#2");
    expect(trail(first.branches[0]![0]!)).not.to.include("goto service-HVFWP5L3-ns5/svc5/tcp/p80#2");
  });
});

describe("nft engine: the corpus's iptables-nft paste (calico-8025)", () => {
  const file = "spec/fixtures/real/nft/calico-8025-nft-ruleset.txt";
  const nf = new NftEngine(parseNftRuleset(readFileSync(file, "utf8"), file));
  it("reports only what the cut paste, its redirect rule and the chains cut from it need", () => {
    const at = nf.diagnostics.map((d) => `${d.code} ${"line" in d.source! ? d.source.line : ""}`);
    expect(at).to.deep.equal([
      "nft-unreadable 1",
      "nft-unreadable 41",
      "nft-unsupported 47",
      "nft-unreadable 43",
      "nft-unreadable 42",
      "nft-missing 45",
      "nft-missing 46",
    ]);
    expect(nf.diagnostics[2]!.message).to.contain("redirect").and.contain('"iifname \\"eth0\\" udp dport 162');
  });
  it("runs the chains it could read: KUBE-FORWARD accepts a marked packet", () => {
    const tables = parseNftRuleset(readFileSync(file, "utf8")).tables;
    const forward = tables[0]!.chains.get("KUBE-FORWARD")!;
    expect(forward.rules.map((r) => r.unreadable ?? "ok")).to.deep.equal(["ok", "ok", "ok"]);
    const out = nf.runHook(
      "OUTPUT",
      pkt("10.42.0.5", "127.0.0.1", 80),
      hookCtx({ ctNat: { dnat: true, snat: false } }),
    );
    expect(out.map((b) => b.verdict)).to.deep.equal(["DROP"]);
    expect(trail(out[0]!)).to.deep.equal(["jump OUTPUT#1", "jump OUTPUT#2", "jump OUTPUT#3", "drop KUBE-FIREWALL#1"]);
  });
});

describe("nft engine: the language", () => {
  it("orders base chains by priority across tables, names and offsets included", () => {
    const text = `table ip nat {
  chain PREROUTING { type nat hook prerouting priority dstnat; policy accept; counter jump KUBE-SERVICES }
  chain KUBE-SERVICES { meta mark set 0x1 }
}
table inet early { chain pre { type filter hook prerouting priority dstnat - 10; meta mark set 0x2 } }
table ip late { chain pre { type filter hook prerouting priority filter + 5; meta mark set 0x3 } }
table ip first { chain pre { type filter hook prerouting priority raw; meta mark set 0x4 } }
`;
    const [b] = run(text, "PREROUTING");
    expect(b!.events.filter((e) => e.kind === "mark").map((e) => `${e.rule.nft!.table} ${e.rule.table}`)).to.deep.equal(
      ["first raw", "early filter", "nat nat", "late filter"],
    );
  });

  it("returns from a goto to the chain that jumped, and applies a drop policy", () => {
    const text = `table ip t {
  chain in { type filter hook input priority 0; policy drop;
    jump a
    tcp dport 80 accept
  }
  chain a { goto b }
  chain b { return }
}`;
    const [accepted] = run(text, "INPUT");
    expect(trail(accepted!)).to.deep.equal(["jump in#1", "goto a#1", "return b#1", "accept in#2"]);
    const [dropped] = run(text, "INPUT", pkt("10.0.0.5", "10.96.0.10", 81));
    expect(dropped!.verdict).to.equal("DROP");
    expect(trail(dropped!).at(-1)).to.equal("policy in#0");
  });

  it("matches sets: named intervals, anonymous ranges, concatenations, negation", () => {
    const text = `table ip t {
  set nets { type ipv4_addr; flags interval; elements = { 10.0.0.0/8, 192.168.0.0-192.168.0.255 } }
  set pairs { type ipv4_addr . inet_service; elements = { 10.96.0.10 . 53 } }
  chain in { type filter hook input priority 0;
    ip saddr != @nets drop
    ip daddr . tcp dport @pairs reject with tcp reset
    tcp dport { 22, 8000-8080 } reject with icmp type host-unreachable
    accept
  }
}`;
    const verdict = (p: Packet) => run(text, "INPUT", p).map((b) => `${b.verdict} ${b.rejectWith ?? ""}`.trim());
    expect(verdict(pkt("172.16.0.1", "10.96.0.10", 80))).to.deep.equal(["DROP"]);
    expect(verdict(pkt("192.168.0.77", "10.96.0.10", 53))).to.deep.equal(["REJECT tcp-reset"]);
    expect(verdict(pkt("10.1.2.3", "10.96.0.10", 8042))).to.deep.equal(["REJECT icmp-host-unreachable"]);
    expect(verdict(pkt("10.1.2.3", "10.96.0.10", 8081))).to.deep.equal(["ACCEPT"]);
  });

  it("sets and tests marks with masks", () => {
    const text = `table ip t { chain out { type filter hook output priority 0;
  meta mark set meta mark | 0x4000
  mark set mark and 0xfffff0ff
  meta mark & 0x4000 == 0x4000 meta mark set meta mark ^ 0x1 accept
  drop
} }`;
    const [b] = run(text, "OUTPUT", pkt("10.0.0.5", "10.96.0.10", 80, { mark: 0x1200 }));
    expect(b!.verdict).to.equal("ACCEPT");
    expect(b!.packet.mark).to.equal(0x5001);
  });

  it("forks numgen random mod 3 offset 1 into three thirds, values 1 to 3", () => {
    const text = `table ip t { chain pre { type nat hook prerouting priority dstnat;
  numgen random mod 3 offset 1 vmap { 1 : goto a, 2 : goto b, 3 : drop }
}
chain a { dnat to 10.244.0.1:8080 }
chain b { dnat to 10.244.0.2 } }`;
    const branches = run(text, "PREROUTING");
    expect(branches.map((b) => [b.probability, b.verdict, b.dnat])).to.deep.equal([
      [1 / 3, "ACCEPT", { ip: ip("10.244.0.1"), port: 8080 }],
      [1 / 3, "ACCEPT", { ip: ip("10.244.0.2"), port: 80 }],
      [1 / 3, "DROP", undefined],
    ]);
  });

  it("runs nat chains only for a new connection, and no later nat chain once one has mapped it", () => {
    const text = `table ip a { chain pre { type nat hook prerouting priority dstnat; dnat to 10.244.0.1 } }
table ip b { chain pre { type nat hook prerouting priority 10; dnat to 10.244.0.2 } }`;
    expect(run(text, "PREROUTING").map((b) => b.dnat)).to.deep.equal([{ ip: ip("10.244.0.1"), port: 80 }]);
    const est = run(text, "PREROUTING", undefined, hookCtx({ ctState: "ESTABLISHED" }));
    expect(est.map((b) => [b.dnat, b.events.length])).to.deep.equal([[undefined, 0]]);
  });

  it("tests ct state, fib daddr type local and interface names", () => {
    const text = `table inet f { chain in { type filter hook input priority 0;
  ct state established,related accept
  iifname "eth*" fib daddr type local tcp dport 22 accept
  ip6 saddr ::1 accept
  drop
} }`;
    const v = (ctx: HookContext) => run(text, "INPUT", pkt("10.0.0.5", "192.168.0.2", 22), ctx)[0]!.verdict;
    expect(v(hookCtx({ ctState: "ESTABLISHED" }))).to.equal("ACCEPT");
    expect(v(hookCtx({ inIface: "eth0", local: ["192.168.0.2"] }))).to.equal("ACCEPT");
    expect(v(hookCtx({ inIface: "wg0", local: ["192.168.0.2"] }))).to.equal("DROP");
    expect(v(hookCtx({ inIface: "eth0" }))).to.equal("DROP");
  });

  it("reports an expression it cannot read at its line and column; the rule never matches", () => {
    const text =
      "table ip t {\n  chain in { type filter hook input priority 0;\n    tcp flags syn drop\n    accept\n  }\n}\n";
    const nf = engineOf(text, "x.nft");
    expect(nf.diagnostics).to.have.length(1);
    expect(nf.diagnostics[0]).to.deep.include({ code: "nft-unsupported", source: { file: "x.nft", line: 3, col: 5 } });
    // The rule starts with what kubehop cannot read, so only those words are quoted (it may be no rule at all).
    expect(nf.diagnostics[0]!.message).to.equal(
      'chain in: "tcp" "flags": an expression kubehop does not simulate: the rule never matches',
    );
    expect(nf.runHook("INPUT", pkt("10.0.0.5", "10.0.0.6", 80), hookCtx())[0]!.verdict).to.equal("ACCEPT");
  });

  it("reads, but does not run, tables of families IPv4 packets never see", () => {
    const text = `table ip6 v6 { chain in { type filter hook input priority 0; policy drop; } }
table bridge br { chain fw { type filter hook forward priority 0; policy drop; } }
table arp a { chain x { } }`;
    const nf = engineOf(text);
    expect(nf.diagnostics.map((d) => [d.code, "line" in d.source! ? d.source.line : 0])).to.deep.equal([
      ["nft-family-not-run", 1],
      ["nft-family-not-run", 2],
    ]);
    expect(nf.runHook("INPUT", pkt("10.0.0.5", "10.0.0.6", 80), hookCtx())[0]!.verdict).to.equal("ACCEPT");
  });

  it("runs nft -f commands in order: insert, flush, delete; and reports a jump to a missing chain", () => {
    const text = `add table ip t
add chain ip t in { type filter hook input priority 0 ; policy accept ; }
add rule ip t in drop
insert rule ip t in tcp dport 80 accept
add table ip gone
delete table ip gone
add chain ip t other
add rule ip t other drop
flush chain ip t other
add rule ip t in jump nowhere
`;
    const nf = engineOf(text);
    expect(nf.diagnostics.map((d) => d.code)).to.deep.equal(["nft-missing"]);
    expect(nf.runHook("INPUT", pkt("10.0.0.5", "10.0.0.6", 80), hookCtx())[0]!.verdict).to.equal("ACCEPT");
    expect(nf.runHook("INPUT", pkt("10.0.0.5", "10.0.0.6", 81), hookCtx())[0]!.verdict).to.equal("DROP");
  });

  it("looks a packet up in a 10,000-Service map about as fast as in a 10-Service one", () => {
    const ruleset = (n: number) => {
      const els = Array.from({ length: n }, (_, i) => `172.30.${i >> 8}.${i & 255} . tcp . 80 : goto svc`).join(", ");
      return `table ip kp { map service-ips { type ipv4_addr . inet_proto . inet_service : verdict; elements = { ${els} } }
chain pre { type nat hook prerouting priority dstnat; ip daddr . meta l4proto . th dport vmap @service-ips }
chain svc { dnat to 10.180.0.1:80 } }`;
    };
    const time = (n: number) => {
      const nf = engineOf(ruleset(n));
      const p = pkt("10.0.0.2", `172.30.${(n - 1) >> 8}.${(n - 1) & 255}`, 80);
      const ctx = hookCtx();
      expect(nf.runHook("PREROUTING", p, ctx)[0]!.dnat).to.deep.equal({ ip: ip("10.180.0.1"), port: 80 });
      for (let i = 0; i < 2000; i++) nf.runHook("PREROUTING", p, ctx);
      const t = process.hrtime.bigint();
      for (let i = 0; i < 5000; i++) nf.runHook("PREROUTING", p, ctx);
      return Number(process.hrtime.bigint() - t) / 5000;
    };
    const small = time(10);
    const big = time(10000);
    expect(big).to.be.below(Math.max(small * 3, 20000));
  });
});

describe("kubehop netfilter --rules with nft text", () => {
  const rules = `${FIXTURES}/kube-proxy-overall.list.txt`;
  const args = (extra: string[]) => ["netfilter", "--rules", rules, "--local-ip", "192.168.0.2", ...extra];

  it("tells nft text from iptables-save text by content", () => {
    expect(isNftText(readFileSync(rules, "utf8"))).to.equal(true);
    expect(isNftText(readFileSync(`${FIXTURES}/kube-proxy-overall.nft`, "utf8"))).to.equal(true);
    expect(isNftText(readFileSync("spec/fixtures/real/nft/calico-8025-nft-ruleset.txt", "utf8"))).to.equal(true);
    expect(isNftText("*nat\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -j KUBE-SERVICES\nCOMMIT\n")).to.equal(false);
  });

  it("answers in the JSON shape it gives for iptables rules", async () => {
    const nft = await runCli(args(["--src", "203.0.113.2", "--dst", "192.168.0.2", "--dport", "3003", "--json"]));
    expect(nft.code).to.equal(0);
    const out = JSON.parse(nft.stdout);
    const iptables = await runCli(
      ["netfilter", "--rules", "-", "--src", "10.0.0.1", "--dst", "10.0.0.2", "--dport", "80", "--json"],
      { stdin: "*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n" },
    );
    const shape = (o: { branches: object[] }) => Object.keys(o.branches[0]!).sort();
    expect(shape(out)).to.deep.equal(shape(JSON.parse(iptables.stdout)));
    expect(
      out.branches.map((b: { dnat: string; masquerade: boolean; hooks: string[] }) => [b.dnat, b.masquerade, b.hooks]),
    ).to.deep.equal([["10.180.0.3:80", true, ["PREROUTING", "FORWARD", "POSTROUTING"]]]);
    expect(out.diagnostics).to.deep.equal([]);
    expectSchemaValid("netfilter", out, "netfilter --json on nft rules");
  });

  it("names the nft table in its text report, and what it assumed without the node's addresses", async () => {
    const text = await runCli(args(["--src", "10.0.0.2", "--dst", "172.30.0.46", "--dport", "80"]));
    expect(text.stdout).to.contain("verdict REJECT (icmp-port-unreachable)");
    expect(text.stdout).to.contain("FORWARD ip kube-proxy reject-chain#1 line 134: reject");
    const alone = await runCli([
      "netfilter",
      "--rules",
      rules,
      "--src",
      "10.0.0.2",
      "--dst",
      "172.30.0.41",
      "--dport",
      "80",
    ]);
    expect(alone.stdout).to.contain("warning[netfilter-assumed]: routing forwards the packet for 10.180.0.1");
  });

  it("an assumed address names the test as nft writes it (fib saddr type), not iptables' addrtype LOCAL", async () => {
    const r = await runCli([
      "netfilter",
      "--rules",
      rules,
      "--src",
      "203.0.113.2",
      "--dst",
      "192.168.0.2",
      "--dport",
      "3001",
    ]);
    const assumed = r.stdout.split("\n").filter((l) => l.includes("is one of the node's addresses"));
    expect(assumed).to.have.length(2);
    for (const line of assumed) expect(line).to.contain("(fib saddr type)").and.not.contain("addrtype");
  });

  it("refuses --ipsets with nft rules and, with --strict, rules it cannot fully read", async () => {
    const withSets = await runCli(
      args(["--src", "10.0.0.2", "--dst", "172.30.0.41", "--dport", "80", "--ipsets", rules]),
    );
    expect(withSets.code).to.equal(2);
    const strict = await runCli([
      "netfilter",
      "--rules",
      "spec/fixtures/real/nft/calico-8025-nft-ruleset.txt",
      "--src",
      "10.0.0.2",
      "--dst",
      "10.0.0.3",
      "--dport",
      "80",
      "--strict",
    ]);
    expect(strict.code).to.equal(2);
    expect(strict.stderr).to.contain("nft-unreadable");
  });
});
