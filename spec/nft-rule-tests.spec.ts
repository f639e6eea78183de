// A rule's leading tests made into one function (lib/netfilter/nft/rule-tests.ts) answer as the
// walk's expression loop does: every test shape kube-proxy, iptables-nft and hand-written rules use,
// each against packets and contexts chosen to sit on both sides of its ranges.
import { expect } from "chai";
import type { HookContext } from "../lib/netfilter/hooks.ts";
import { cmpHolds } from "../lib/netfilter/nft/compare.ts";
import type { ConnView, Expr, NftRule, NftTable } from "../lib/netfilter/nft/model.ts";
import { selectorValues } from "../lib/netfilter/nft/packet-fields.ts";
import { parseNftRuleset } from "../lib/netfilter/nft/reader.ts";
import { ruleTest } from "../lib/netfilter/nft/rule-tests.ts";
import { lookupOf } from "../lib/netfilter/nft/sets.ts";
import type { Packet } from "../lib/model/packet.ts";
import { hookCtx, pkt } from "./fixtures/netfilter/helpers.ts";

const RULES = [
  "ip daddr 10.96.0.0/12 drop",
  "ip saddr != 127.0.0.0/8 ip daddr 127.0.0.0/8 ct status dnat drop",
  "ip daddr @cluster-ips reject",
  "ip daddr != @cluster-ips accept",
  "ip daddr . meta l4proto . th dport @svc accept",
  "ip daddr { 10.96.0.10, 10.96.0.1 } tcp dport { 53, 443 } accept",
  "meta mark & 0x00004000 == 0x00000000 return",
  "meta mark & 0x00004000 != 0 accept",
  "meta mark | 0x00000001 == 0x00004001 accept",
  "ct state new jump firewall-check",
  "ct state established,related accept",
  "tcp dport 30000-32767 accept",
  "udp dport 53 accept",
  "th dport != 80 accept",
  "meta l4proto tcp accept",
  "meta l4proto { tcp, udp } accept",
  "ip saddr 10.0.0.0/24 counter packets 0 bytes 0 jump KILO-NAT",
  "th dport < 1024 accept",
];

const TEXT = `table ip t {
  set cluster-ips { type ipv4_addr; elements = { 10.96.0.1, 10.96.0.10 } }
  set svc { type ipv4_addr . inet_proto . inet_service; elements = { 10.96.0.10 . tcp . 53, 10.96.0.1 . tcp . 443 } }
  chain firewall-check { }
  chain KILO-NAT { }
  chain c {
${RULES.map((r) => `    ${r}`).join("\n")}
  }
}
`;

const PACKETS: Packet[] = [
  pkt("10.0.0.5", "10.96.0.10", 53),
  pkt("10.0.0.5", "10.96.0.1", 443),
  pkt("10.0.1.5", "10.96.0.1", 80),
  pkt("127.0.0.1", "127.0.0.1", 31000),
  pkt("10.0.0.5", "127.0.0.1", 30000, { mark: 0x4000 }),
  pkt("10.0.0.5", "10.112.0.1", 32767, { mark: 0x4001 }),
  pkt("10.0.0.5", "10.96.0.10", 53, { proto: "udp" }),
  pkt("10.0.0.5", "10.96.0.10", 0, { proto: "icmp" }),
  pkt("192.168.1.1", "10.95.255.255", 1023, { mark: 1 }),
];

const CONTEXTS: HookContext[] = [
  hookCtx(),
  hookCtx({ ctState: "ESTABLISHED", inIface: "bridge0" }),
  hookCtx({ ctState: "RELATED", inIface: "eth0" }),
];

/** The walk's own reading of one test expression (walk.ts's expr, for cmp and lookup). */
function exprHolds(e: Expr, c: ConnView, ctx: HookContext, table: NftTable): boolean {
  if (e.kind === "cmp") return cmpHolds(e, c, ctx);
  if (e.kind !== "lookup") throw new Error(`not a test: ${e.kind}`);
  const vals = selectorValues(e.sel, c, ctx);
  if (vals === undefined) return false;
  const elements = e.set.kind === "anonymous" ? e.set.elements : table.sets.get(e.set.name)?.elements;
  const held = elements !== undefined && lookupOf(elements).find(vals) !== undefined;
  return held !== e.neg;
}

function view(packet: Packet, ctDnat: boolean): ConnView {
  return { packet, untracked: false, ctDnat, ctSnat: false, drawn: undefined };
}

describe("nft rule tests made into one function", () => {
  const table = parseNftRuleset(TEXT, "tests.nft").tables[0]!;
  const rules: NftRule[] = table.chains.get("c")!.rules;

  it("reads every rule of the list", () => {
    expect(rules.map((r) => r.unreadable ?? "ok")).to.deep.equal(RULES.map(() => "ok"));
  });

  for (const [i, text] of RULES.entries()) {
    it(`answers as the expression loop does: ${text}`, () => {
      const rule = rules[i]!;
      const test = ruleTest(rule, table);
      expect(test, "a rule that starts with a test has one").to.not.equal(null);
      const count = test!.count;
      expect(rule.exprs.slice(0, count).every((e) => e.kind === "cmp" || e.kind === "lookup")).to.equal(true);
      let held = 0;
      for (const p of PACKETS)
        for (const ctx of CONTEXTS)
          for (const ctDnat of [false, true]) {
            const c = view(p, ctDnat);
            const loop = rule.exprs.slice(0, count).every((e) => exprHolds(e, c, ctx, table));
            expect(test!.holds(c, ctx), `${JSON.stringify(p)} ${ctx.ctState} dnat=${ctDnat}`).to.equal(loop);
            if (loop) held++;
          }
      // Each rule's tests hold for some of the cases and fail for others: the cases reach both sides.
      expect(held, "cases where the tests hold").to.be.greaterThan(0);
      expect(held, "cases where they fail").to.be.lessThan(PACKETS.length * CONTEXTS.length * 2);
    });
  }

  it("a lookup in a set the table lacks never holds, as in the loop", () => {
    const t = parseNftRuleset("table ip v {\n  chain c {\n    ip daddr @missing accept\n  }\n}\n", "v.nft").tables[0]!;
    const rule = t.chains.get("c")!.rules[0]!;
    const test = ruleTest(rule, t)!;
    for (const p of PACKETS) {
      expect(test.holds(view(p, false), hookCtx())).to.equal(false);
      expect(exprHolds(rule.exprs[0]!, view(p, false), hookCtx(), t)).to.equal(false);
    }
  });

  it("leaves numgen draws, statements first, dynamic sets and interface names to the walk", () => {
    const other = parseNftRuleset(
      `table ip u {
  set seen { type ipv4_addr; flags dynamic,timeout; timeout 3h; }
  chain a { }
  chain c {
    numgen random mod 2 vmap { 0 : jump a, 1 : jump a }
    counter accept
    ip saddr @seen accept
    iifname "bridge0" accept
  }
}
`,
      "other.nft",
    ).tables[0]!;
    expect(other.chains.get("c")!.rules.map((r) => ruleTest(r, other))).to.deep.equal([null, null, null, null]);
  });
});
