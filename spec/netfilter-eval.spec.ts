import { expect } from "chai";
import type { Packet } from "../lib/model/packet.ts";
import { NetfilterEngine } from "../lib/netfilter/evaluator.ts";
import type { HookBranch, HookContext, HookName } from "../lib/netfilter/hooks.ts";
import { parseIptablesSave } from "../lib/netfilter/parser.ts";
import { hookCtx, ip, pkt, table } from "./fixtures/netfilter/helpers.ts";

function run(
  text: string,
  hook: HookName,
  p: Packet = pkt("10.0.0.5", "10.96.0.10", 80),
  ctx: HookContext = hookCtx(),
): HookBranch[] {
  return new NetfilterEngine(parseIptablesSave(text, "e.txt")).runHook(hook, p, ctx);
}

/** Verdict of a single-branch walk of `rules` in filter INPUT. */
function verdict(rules: string[], p?: Packet, ctx?: HookContext): string {
  const b = run(table("filter", rules), "INPUT", p, ctx);
  expect(b).to.have.length(1);
  return b[0]!.verdict;
}

const KUBE_3_ENDPOINTS = table("nat", [
  "-A PREROUTING -j KUBE-SERVICES",
  "-A KUBE-SERVICES -d 10.96.0.10/32 -p tcp -m tcp --dport 80 -j KUBE-SVC-A",
  '-A KUBE-SVC-A -m comment --comment "ns/a -> 10.244.0.5:80" -m statistic --mode random --probability 0.33333333349 -j KUBE-SEP-1',
  '-A KUBE-SVC-A -m comment --comment "ns/a -> 10.244.1.6:80" -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-2',
  '-A KUBE-SVC-A -m comment --comment "ns/a -> 10.244.2.7:80" -j KUBE-SEP-3',
  "-A KUBE-SEP-1 -p tcp -j DNAT --to-destination 10.244.0.5:80",
  "-A KUBE-SEP-2 -p tcp -j DNAT --to-destination 10.244.1.6:80",
  "-A KUBE-SEP-3 -p tcp -j DNAT --to-destination 10.244.2.7:80",
]);

describe("netfilter evaluator", () => {
  describe("hooks and tables", () => {
    const everywhere = (["raw", "mangle", "nat", "filter"] as const)
      .map((t) => {
        const chains = {
          raw: ["PREROUTING", "OUTPUT"],
          mangle: ["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"],
          nat: ["PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"],
          filter: ["INPUT", "FORWARD", "OUTPUT"],
        }[t];
        return table(
          t,
          chains.map((c) => `-A ${c} -j LOG --log-prefix "${t}"`),
        );
      })
      .join("");
    const order = (hook: HookName) =>
      run(everywhere, hook)[0]!
        .events.filter((e) => e.kind === "log")
        .map((e) => e.rule.table);
    it("walks the tables of each hook in kernel priority order", () => {
      expect(order("PREROUTING")).to.deep.equal(["raw", "mangle", "nat"]);
      expect(order("INPUT")).to.deep.equal(["mangle", "filter", "nat"]);
      expect(order("FORWARD")).to.deep.equal(["mangle", "filter"]);
      expect(order("OUTPUT")).to.deep.equal(["raw", "mangle", "nat", "filter"]);
      expect(order("POSTROUTING")).to.deep.equal(["mangle", "nat"]);
    });

    it("consults nat only for a connection's first packet", () => {
      const established = run(KUBE_3_ENDPOINTS, "PREROUTING", undefined, hookCtx({ ctState: "ESTABLISHED" }));
      expect(established).to.have.length(1);
      expect(established[0]!.events).to.deep.equal([]);
      expect(established[0]!.dnat).to.equal(undefined);
    });

    it("accepts through a missing table or chain", () => {
      const b = run(table("filter", ["-A OUTPUT -j DROP"]), "PREROUTING");
      expect(b.map((x) => x.verdict)).to.deep.equal(["ACCEPT"]);
    });

    it("applies a built-in chain's policy and records it", () => {
      const b = run(table("filter", [], { INPUT: "DROP" }), "INPUT");
      expect(b[0]!.verdict).to.equal("DROP");
      expect(b[0]!.events.map((e) => [e.kind, e.rule.text, e.rule.index])).to.deep.equal([
        ["policy", ":INPUT DROP", 0],
      ]);
    });
  });

  describe("jump, goto, RETURN", () => {
    it("returns from a user chain to the rule after the jump", () => {
      const b = run(
        table("filter", ["-A INPUT -j X-A", "-A INPUT -j DROP", "-A X-A -j RETURN", "-A X-A -j ACCEPT"]),
        "INPUT",
      );
      expect(b[0]!.verdict).to.equal("DROP");
      expect(b[0]!.events.map((e) => e.kind)).to.deep.equal(["jump", "return", "drop"]);
    });

    it("falls off the end of a user chain back to the caller", () => {
      expect(verdict(["-A INPUT -j X-A", "-A INPUT -j REJECT", "-A X-A -s 1.1.1.1 -j ACCEPT"])).to.equal("REJECT");
    });

    it("a goto does not come back: the end of the goto'd chain returns to the caller's caller", () => {
      const rules = ["-A INPUT -j X-A", "-A INPUT -j ACCEPT", "-A X-A -g X-B", "-A X-A -j DROP", "-A X-B -j LOG"];
      const b = run(table("filter", rules), "INPUT");
      expect(b[0]!.verdict).to.equal("ACCEPT");
      expect(b[0]!.events.map((e) => `${e.kind} ${e.rule.chain}#${e.rule.index}`)).to.deep.equal([
        "jump INPUT#1",
        "goto X-A#1",
        "log X-B#1",
        "accept INPUT#2",
      ]);
    });

    it("a goto from a built-in chain ends in that chain's policy", () => {
      expect(
        verdict(
          ["-A INPUT -g X-B", "-A INPUT -j ACCEPT", "-A X-B -j LOG"].map((r) => r),
          undefined,
        ),
      ).to.equal("ACCEPT");
      const b = run(
        table("filter", ["-A INPUT -g X-B", "-A INPUT -j ACCEPT", "-A X-B -j LOG"], { INPUT: "DROP" }),
        "INPUT",
      );
      expect(b[0]!.verdict).to.equal("DROP");
    });

    it("RETURN in a built-in chain applies its policy", () => {
      const b = run(table("filter", ["-A INPUT -j RETURN", "-A INPUT -j ACCEPT"], { INPUT: "DROP" }), "INPUT");
      expect(b[0]!.verdict).to.equal("DROP");
    });
  });

  describe("statistic branching", () => {
    it("splits kube-proxy's 3-endpoint chain into exact kernel probabilities, matched first", () => {
      const b = run(KUBE_3_ENDPOINTS, "PREROUTING");
      const p1 = 715827883 / 2 ** 31;
      expect(b.map((x) => x.probability)).to.deep.equal([p1, (1 - p1) * 0.5, (1 - p1) * 0.5]);
      expect(b[0]!.probability.toFixed(11)).to.equal("0.33333333349");
      expect(b.reduce((s, x) => s + x.probability, 0)).to.be.closeTo(1, 1e-15);
      expect(b.map((x) => x.dnat)).to.deep.equal([
        { ip: ip("10.244.0.5"), port: 80 },
        { ip: ip("10.244.1.6"), port: 80 },
        { ip: ip("10.244.2.7"), port: 80 },
      ]);
      expect(b[2]!.choices).to.deep.equal([
        "KUBE-SVC-A #1 statistic random 0.33333333349 did not match",
        "KUBE-SVC-A #2 statistic random 0.50000000000 did not match",
      ]);
    });

    it("names the chain path of each branch through its jump events", () => {
      const b = run(KUBE_3_ENDPOINTS, "PREROUTING");
      const path = b[1]!.events.filter((e) => e.kind === "jump").map((e) => e.detail);
      expect(path).to.deep.equal(["jump to KUBE-SERVICES", "jump to KUBE-SVC-A", "jump to KUBE-SEP-2"]);
      expect(b[1]!.events.at(-1)).to.deep.include({ kind: "dnat", detail: "DNAT to 10.244.1.6:80" });
      expect(b[1]!.packet.dst).to.equal(ip("10.244.1.6"));
    });

    const NESTED = table("filter", [
      "-A INPUT -m statistic --mode random --probability 0.5 -j X-A",
      "-A INPUT -j DROP",
      "-A X-A -m statistic --mode random --probability 0.25 -j REJECT",
    ]);
    it("multiplies nested splits", () => {
      const engine = new NetfilterEngine(parseIptablesSave(NESTED, "e.txt"), { merge: false });
      const b = engine.runHook("INPUT", pkt("10.0.0.5", "10.96.0.10", 80), hookCtx());
      expect(b.map((x) => [x.verdict, x.probability])).to.deep.equal([
        ["REJECT", 0.125],
        ["DROP", 0.375],
        ["DROP", 0.5],
      ]);
    });

    it("merges branches that meet again in the same state, and says so", () => {
      // Back from X-A, the branch that did not REJECT stands at INPUT #2 like the one that never
      // jumped: same packet, no deciding rule yet, so one DROP branch with both probabilities.
      const b = run(NESTED, "INPUT");
      expect(b.map((x) => [x.verdict, x.probability])).to.deep.equal([
        ["REJECT", 0.125],
        ["DROP", 0.875],
      ]);
      expect(b[1]!.events.map((e) => `${e.kind} ${e.rule.chain} #${e.rule.index}`)).to.deep.equal([
        "jump INPUT #1",
        "drop INPUT #2",
      ]);
      expect(b[1]!.choices.at(-1)).to.match(/^and 1 other way through the statistic rules before, which end alike/);
    });

    it("does not split on probability 1 or 0", () => {
      expect(
        run(table("filter", ["-A INPUT -m statistic --mode random --probability 1 -j DROP"]), "INPUT").map(
          (x) => x.verdict,
        ),
      ).to.deep.equal(["DROP"]);
      expect(
        run(table("filter", ["-A INPUT -m statistic --mode random --probability 0 -j DROP"]), "INPUT").map(
          (x) => x.verdict,
        ),
      ).to.deep.equal(["ACCEPT"]);
    });

    it("does not split when the rule's other matches fail", () => {
      expect(
        run(table("filter", ["-A INPUT -s 9.9.9.9 -m statistic --mode random --probability 0.5 -j DROP"]), "INPUT"),
      ).to.have.length(1);
    });
  });

  describe("matches", () => {
    const p = pkt("10.244.1.5", "192.168.1.11", 30080);
    const cases: [string, string, boolean][] = [
      ["source prefix", "-s 10.244.0.0/16", true],
      ["negated source", "! -s 10.244.0.0/16", false],
      ["destination host", "-d 192.168.1.11", true],
      ["protocol", "-p udp", false],
      ["negated protocol", "! -p udp", true],
      ["port range", "-p tcp -m tcp --dport 30000:32767", true],
      ["negated port", "-p tcp ! --dport 30080", false],
      ["tcp module on a udp rule", "-p udp -m udp --dport 30080", false],
      ["multiport", "-p tcp -m multiport --dports 80,30000:30100", true],
      ["multiport --ports (either side)", "-p tcp -m multiport --ports 40000", true],
      ["in-interface wildcard", "-i eth+", true],
      ["negated in-interface", "! -i eth0", false],
      ["out-interface with none set", "-o eth0", false],
      ["addrtype dst LOCAL", "-m addrtype --dst-type LOCAL", true],
      ["addrtype src LOCAL", "-m addrtype --src-type LOCAL", false],
      ["negated addrtype", "-m addrtype ! --src-type LOCAL", true],
      ["addrtype UNICAST", "-m addrtype --src-type UNICAST", true],
      ["ctstate NEW", "-m conntrack --ctstate NEW", true],
      ["ctstate RELATED,ESTABLISHED", "-m conntrack --ctstate RELATED,ESTABLISHED", false],
      ["negated ctstate", "-m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT", true],
      ["state module", "-m state --state NEW", true],
      ["syn on a NEW tcp packet", "-p tcp --syn", true],
      ["fragment", "-f", false],
      ["not a fragment", "! -f", true],
      ["comment and nfacct always match", '-m comment --comment "x y" -m nfacct --nfacct-name n', true],
      ["mark with mask on an unmarked packet", "-m mark --mark 0x4000/0x4000", false],
    ];
    for (const [name, match, expected] of cases) {
      it(`${name}: ${match}`, () => {
        expect(
          verdict([`-A INPUT ${match} -j DROP`], p, hookCtx({ local: ["192.168.1.11"], inIface: "eth0" })),
        ).to.equal(expected ? "DROP" : "ACCEPT");
      });
    }

    it("mark compares only the masked bits", () => {
      const marked = pkt("1.1.1.1", "2.2.2.2", 80, { mark: 0x4001 });
      expect(verdict(["-A INPUT -m mark --mark 0x4000/0x4000 -j DROP"], marked)).to.equal("DROP");
      expect(verdict(["-A INPUT -m mark --mark 0x4000 -j DROP"], marked)).to.equal("ACCEPT");
      expect(verdict(["-A INPUT -m mark ! --mark 0x4000/0x4000 -j DROP"], marked)).to.equal("ACCEPT");
    });

    it("ctstate DNAT sees a DNAT done earlier in the same hook or by an earlier hook", () => {
      const text =
        table("nat", ["-A OUTPUT -j DNAT --to-destination 10.1.1.1:80"]) +
        table("filter", ["-A OUTPUT -m conntrack --ctstate DNAT -j REJECT"]);
      expect(run(text, "OUTPUT")[0]!.verdict).to.equal("REJECT");
      const filterOnly = table("filter", ["-A INPUT -m conntrack --ctstate DNAT -j REJECT"]);
      expect(run(filterOnly, "INPUT")[0]!.verdict).to.equal("ACCEPT");
      expect(run(filterOnly, "INPUT", undefined, hookCtx({ ctNat: { dnat: true, snat: false } }))[0]!.verdict).to.equal(
        "REJECT",
      );
    });

    it("a rule kubehop cannot interpret never matches", () => {
      expect(verdict(["-A INPUT -m physdev --physdev-is-bridged -j DROP"])).to.equal("ACCEPT");
    });
  });

  describe("targets", () => {
    it("DNAT keeps the port when none is given and is terminating in nat", () => {
      const b = run(
        table("nat", [
          "-A PREROUTING -j DNAT --to-destination 10.1.1.1",
          "-A PREROUTING -j DNAT --to-destination 10.2.2.2:1",
        ]),
        "PREROUTING",
      );
      expect(b[0]!.dnat).to.deep.equal({ ip: ip("10.1.1.1"), port: 80 });
      expect(b[0]!.events).to.have.length(1);
    });

    it("SNAT rewrites the source", () => {
      const b = run(table("nat", ["-A POSTROUTING -j SNAT --to-source 5.5.5.5"]), "POSTROUTING");
      expect(b[0]!.snat).to.deep.equal({ ip: ip("5.5.5.5"), port: 40000, masquerade: false });
      expect(b[0]!.packet.src).to.equal(ip("5.5.5.5"));
    });

    it("MASQUERADE takes the out interface's address and keeps the source port", () => {
      const text = table("nat", ["-A POSTROUTING -o eth0 -j MASQUERADE --random-fully"]);
      const b = run(text, "POSTROUTING", undefined, hookCtx({ outIface: "eth0", outIfaceAddress: ip("192.168.1.11") }));
      expect(b[0]!.snat).to.deep.equal({ ip: ip("192.168.1.11"), port: 40000, masquerade: true });
      expect(b[0]!.events[0]!.detail).to.equal(
        "MASQUERADE to 192.168.1.11:40000 (--random-fully may pick another port)",
      );
    });

    it("MASQUERADE with no address on the out interface drops, as the kernel does", () => {
      const b = run(table("nat", ["-A POSTROUTING -j MASQUERADE"]), "POSTROUTING");
      expect(b[0]!.verdict).to.equal("DROP");
    });

    it("MARK is not terminating and applies (mark & ~mask) ^ value", () => {
      const b = run(
        table("mangle", [
          "-A OUTPUT -j MARK --set-mark 0xf0",
          "-A OUTPUT -j MARK --or-mark 0x4000",
          "-A OUTPUT -j MARK --and-mark 0x40f0",
          "-A OUTPUT -j MARK --xor-mark 0x10",
        ]),
        "OUTPUT",
      );
      expect(b[0]!.events.filter((e) => e.kind === "mark").map((e) => e.after.mark)).to.deep.equal([
        0xf0, 0x40f0, 0x40f0, 0x40e0,
      ]);
      expect(b[0]!.packet.mark).to.equal(0x40e0);
    });

    it("REJECT carries --reject-with; LOG changes nothing", () => {
      const b = run(table("filter", ["-A INPUT -j LOG", "-A INPUT -j REJECT --reject-with tcp-reset"]), "INPUT");
      expect(b[0]).to.deep.include({ verdict: "REJECT", rejectWith: "tcp-reset" });
      expect(b[0]!.events.map((e) => e.kind)).to.deep.equal(["log", "reject"]);
    });

    it("CT --notrack in raw makes nat skip the packet and ctstate see UNTRACKED", () => {
      const text =
        table("raw", ["-A OUTPUT -j CT --notrack"]) +
        table("nat", ["-A OUTPUT -j DNAT --to-destination 1.1.1.1"]) +
        table("filter", ["-A OUTPUT -m conntrack --ctstate UNTRACKED -j DROP"]);
      const b = run(text, "OUTPUT");
      expect(b[0]!.dnat).to.equal(undefined);
      expect(b[0]!.verdict).to.equal("DROP");
      expect(b[0]!.events.map((e) => e.kind)).to.deep.equal(["notrack", "policy", "drop"]);
    });
  });

  describe("recent (ClientIP affinity)", () => {
    const AFFINITY = table("nat", [
      "-A PREROUTING -j KUBE-SVC-A",
      "-A KUBE-SVC-A -m recent --rcheck --seconds 10800 --reap --name KUBE-SEP-1 --mask 255.255.255.255 --rsource -j KUBE-SEP-1",
      "-A KUBE-SVC-A -m recent --rcheck --seconds 10800 --reap --name KUBE-SEP-2 --mask 255.255.255.255 --rsource -j KUBE-SEP-2",
      "-A KUBE-SVC-A -m statistic --mode random --probability 0.5 -j KUBE-SEP-1",
      "-A KUBE-SVC-A -j KUBE-SEP-2",
      "-A KUBE-SEP-1 -p tcp -m recent --set --name KUBE-SEP-1 --mask 255.255.255.255 --rsource -m tcp -j DNAT --to-destination 10.244.0.1:80",
      "-A KUBE-SEP-2 -p tcp -m recent --set --name KUBE-SEP-2 --mask 255.255.255.255 --rsource -m tcp -j DNAT --to-destination 10.244.0.2:80",
    ]);

    it("a first connection splits and each branch remembers its client, copy-on-write", () => {
      const ctx = hookCtx();
      const b = run(AFFINITY, "PREROUTING", undefined, ctx);
      expect(b.map((x) => x.probability)).to.deep.equal([0.5, 0.5]);
      expect(b[0]!.recent.get("KUBE-SEP-1")).to.deep.equal(new Set([ip("10.0.0.5")]));
      expect(b[1]!.recent.get("KUBE-SEP-2")).to.deep.equal(new Set([ip("10.0.0.5")]));
      expect(b[1]!.recent.has("KUBE-SEP-1")).to.equal(false);
      expect(ctx.recent.size).to.equal(0);
      expect(b[0]!.events.map((e) => e.kind)).to.deep.equal(["jump", "jump", "affinity", "dnat"]);
    });

    it("a later connection from the same client sticks to the remembered endpoint", () => {
      const first = run(AFFINITY, "PREROUTING")[1]!;
      const again = run(AFFINITY, "PREROUTING", undefined, hookCtx({ recent: first.recent }));
      expect(again.map((x) => [x.probability, x.dnat?.ip])).to.deep.equal([[1, ip("10.244.0.2")]]);
      const other = run(AFFINITY, "PREROUTING", pkt("10.0.0.6", "10.96.0.10", 80), hookCtx({ recent: first.recent }));
      expect(other).to.have.length(2);
    });

    it("--rdest keys by destination, --mask by network, --remove forgets", () => {
      const base = new Map([["L", new Set([ip("10.96.0.0")])]]);
      const rd = ["-A INPUT -m recent --rcheck --name L --rdest --mask 255.255.0.0 -j DROP"];
      expect(verdict(rd, undefined, hookCtx({ recent: base }))).to.equal("DROP");
      const b = run(
        table("filter", [
          "-A INPUT -m recent --remove --name L --rdest --mask 255.255.0.0",
          "-A INPUT -m recent --rcheck --name L --rdest --mask 255.255.0.0 -j DROP",
        ]),
        "INPUT",
        undefined,
        hookCtx({ recent: base }),
      );
      expect(b[0]!.verdict).to.equal("ACCEPT");
      expect(b[0]!.recent.get("L")!.size).to.equal(0);
      expect(base.get("L")!.size).to.equal(1);
    });
  });
});
