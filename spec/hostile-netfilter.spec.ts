// Bounded work on hostile rules and patterns (issue 14, item 4): rulesets that would overflow a
// recursive walker, double the branches at every rule or loop, and regexes that make a backtracking
// engine hang. Every fixture is generated here; each case answers right, or refuses with a
// positioned error, within a bounded time.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import fc from "fast-check";
import { formatDiagnostic } from "../lib/model/diagnostic.ts";
import type { Ingress } from "../lib/model/ingress.ts";
import { route } from "../lib/ingress/router.ts";
import { ingressRegexDiagnostics } from "../lib/ingress/user-regex.ts";
import { NetfilterEngine } from "../lib/netfilter/evaluator.ts";
import type { HookBranch } from "../lib/netfilter/hooks.ts";
import { parseIptablesSave } from "../lib/netfilter/parser.ts";
import { NetfilterWorkError, WALK_LIMITS } from "../lib/netfilter/work-limits.ts";
import { hookCtx, ip, pkt, table } from "./fixtures/netfilter/helpers.ts";
import { runCli } from "./support/cli.ts";

const PACKET = pkt("10.0.0.5", "10.96.0.10", 80);

function prerouting(rules: string[], merge = true): { branches: HookBranch[]; warnings: string[] } {
  const ruleset = parseIptablesSave(table("nat", rules), "r.txt");
  const branches = new NetfilterEngine(ruleset, { merge }).runHook("PREROUTING", PACKET, hookCtx());
  return { branches, warnings: ruleset.diagnostics.map(formatDiagnostic) };
}

const total = (bs: readonly HookBranch[]) => bs.reduce((s, b) => s + b.probability, 0);
const dnatOf = (b: HookBranch) => (b.dnat ? `${b.dnat.ip}:${b.dnat.port}` : "-");
const hex = (n: number) => `0x${n.toString(16)}`;

/** Kube-proxy's way: rule i of n matches with 1/(n-i), so each of the n rules is taken with 1/n. */
const share = (i: number, n: number) => (1 / (n - i)).toFixed(11);

/**
 * 12 rules setting 12 mark bits give 4,096 branches that stay apart, each then visiting 1,300 rules
 * that do not match: 5.3 million visits, past the limit.
 */
const TOO_MUCH_WORK = table("filter", [
  ...Array.from({ length: 12 }, (_, i) => {
    const bit = hex(1 << i);
    return `-A INPUT -m statistic --mode random --probability 0.5 -j MARK --set-xmark ${bit}/${bit}`;
  }),
  ...Array.from({ length: 1300 }, () => "-A INPUT -m mark --mark 0x80000000/0x80000000 -j DROP"),
]);

describe("hostile netfilter input: bounded work", () => {
  describe("jumps", () => {
    it("a 5,000-deep chain of jumps parses and walks to the DNAT at its end, warning that iptables-nft refuses it", function () {
      this.timeout(20_000);
      const n = 5000;
      const rules = ["-A PREROUTING -j C-0"];
      for (let i = 0; i < n - 1; i++) rules.push(`-A C-${i} -j C-${i + 1}`);
      rules.push(`-A C-${n - 1} -p tcp -j DNAT --to-destination 10.244.0.5:8080`);
      const { branches, warnings } = prerouting(rules);
      expect(branches).to.have.length(1);
      expect(branches[0]!.probability).to.equal(1);
      expect(branches[0]!.packet.dst).to.equal(ip("10.244.0.5"));
      expect(branches[0]!.events.filter((e) => e.kind === "jump")).to.have.length(n);
      expect(warnings).to.have.length(1);
      expect(warnings[0]).to.match(/warning\[iptables-deep-jumps\]: jumps from nat PREROUTING nest 5000 chains deep/);
    });

    it("15 nested jumps, which nf_tables also loads, give no warning; 16 do", () => {
      const chain = (n: number) => [
        "-A PREROUTING -j C-0",
        ...Array.from({ length: n - 1 }, (_, i) => `-A C-${i} -j C-${i + 1}`),
        `-A C-${n - 1} -j ACCEPT`,
      ];
      expect(prerouting(chain(15)).warnings).to.deep.equal([]);
      expect(prerouting(chain(16)).warnings.join("\n")).to.include("nest 16 chains deep");
    });

    it("a jump loop is refused as iptables-restore refuses it: the closing rule never matches, and the walk ends", () => {
      const { branches, warnings } = prerouting([
        "-A PREROUTING -j C-A",
        "-A C-A -j C-B",
        "-A C-B -j C-A",
        "-A C-B -p tcp -j DNAT --to-destination 10.244.0.9:80",
      ]);
      expect(warnings.join("\n")).to.include(
        "jump loop C-A -> C-B -> C-A in table nat, which iptables-restore refuses",
      );
      expect(branches.map(dnatOf)).to.deep.equal([`${ip("10.244.0.9")}:80`]);
    });
  });

  describe("statistic rules", () => {
    it("100,000 statistic rules in one chain walk: 100,000 branches of 1/100,000 each, summing to 1", function () {
      this.timeout(120_000);
      const n = 100_000;
      const rules = ["-A PREROUTING -j KUBE-SVC-X"];
      for (let i = 0; i < n; i++)
        rules.push(`-A KUBE-SVC-X -m statistic --mode random --probability ${share(i, n)} -j KUBE-SEP-${i % 3}`);
      for (let k = 0; k < 3; k++) rules.push(`-A KUBE-SEP-${k} -p tcp -j DNAT --to-destination 10.244.0.${k + 1}:80`);
      const { branches } = prerouting(rules);
      expect(branches).to.have.length(n);
      expect(total(branches)).to.be.closeTo(1, 1e-9);
      for (const b of branches) expect(b.probability).to.be.closeTo(1 / n, 1e-9);
      const perEndpoint = new Map<string, number>();
      for (const b of branches) perEndpoint.set(dnatOf(b), (perEndpoint.get(dnatOf(b)) ?? 0) + b.probability);
      expect([...perEndpoint.values()].map((p) => p.toFixed(4))).to.deep.equal(["0.3333", "0.3333", "0.3333"]);
      // The last branch's choices name the 99,999 rules before it as one range, not one by one.
      expect(branches.at(-1)!.choices).to.deep.equal(["KUBE-SVC-X #1 to #99999: 99999 statistic rules did not match"]);
    });

    it("20 statistic rules that mark and fall through give the 2 distinct outcomes, not 2^20 branches", () => {
      const rules = ["-A PREROUTING -j KUBE-SVC-X"];
      for (let i = 0; i < 20; i++)
        rules.push("-A KUBE-SVC-X -m statistic --mode random --probability 0.5 -j MARK --set-xmark 0x4000/0x4000");
      rules.push("-A KUBE-SVC-X -p tcp -j DNAT --to-destination 10.244.0.5:80");
      const { branches } = prerouting(rules);
      expect(branches.map((b) => [hex(b.packet.mark), b.probability])).to.deep.equal([
        ["0x4000", 1 - 2 ** -20],
        ["0x0", 2 ** -20],
      ]);
      expect(total(branches)).to.equal(1);
      // Each branch ends at the same DNAT by the same rule; the marked one stands for 2^20 - 1 ways and says so.
      for (const b of branches) expect(b.events.at(-1)!.rule.index).to.equal(21);
      expect(branches[0]!.choices.at(-1)).to.match(/^and \d+ other ways through the statistic rules before/);
    });

    it("20 statistic rules jumping to a chain that marks and returns merge the same way", () => {
      const rules = ["-A PREROUTING -j KUBE-SVC-X"];
      for (let i = 0; i < 20; i++)
        rules.push("-A KUBE-SVC-X -m statistic --mode random --probability 0.5 -j KUBE-MARK-MASQ");
      rules.push("-A KUBE-SVC-X -p tcp -j DNAT --to-destination 10.244.0.5:80");
      rules.push("-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000");
      const { branches } = prerouting(rules);
      expect(branches.map((b) => hex(b.packet.mark))).to.deep.equal(["0x4000", "0x0"]);
      expect(total(branches)).to.equal(1);
    });

    it("rules whose outcomes all differ keep every outcome: 10 rules setting 10 mark bits, 1,024 branches", () => {
      const rules = ["-A PREROUTING -j KUBE-SVC-X"];
      for (let i = 0; i < 10; i++)
        rules.push(
          `-A KUBE-SVC-X -m statistic --mode random --probability 0.5 -j MARK --set-xmark ${hex(1 << i)}/${hex(1 << i)}`,
        );
      const { branches } = prerouting(rules);
      expect(new Set(branches.map((b) => b.packet.mark)).size).to.equal(1024);
      for (const b of branches) expect(b.probability).to.equal(2 ** -10);
    });

    it("merging changes no outcome's probability: the same rules with and without it, grouped by outcome", () => {
      const rules = ["-A PREROUTING -j KUBE-SVC-X"];
      for (let i = 0; i < 8; i++) {
        const target = i % 3 === 0 ? "KUBE-MARK-MASQ" : i % 3 === 1 ? "RETURN" : "MARK --set-xmark 0x1/0x1";
        rules.push(`-A KUBE-SVC-X -m statistic --mode random --probability 0.${i + 2} -j ${target}`);
      }
      rules.push("-A KUBE-SVC-X -m statistic --mode random --probability 0.5 -j KUBE-SEP-A");
      rules.push("-A KUBE-SVC-X -p tcp -j DNAT --to-destination 10.244.0.9:80");
      rules.push("-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000");
      rules.push("-A KUBE-SEP-A -p tcp -j DNAT --to-destination 10.244.0.5:80");
      const outcomes = (bs: HookBranch[]) => {
        const m = new Map<string, number>();
        for (const b of bs) {
          const key = `${b.verdict} ${dnatOf(b)} ${hex(b.packet.mark)} ${b.events.at(-1)?.rule.chain}`;
          m.set(key, (m.get(key) ?? 0) + b.probability);
        }
        return [...m].sort().map(([k, p]) => `${k} ${p.toFixed(12)}`);
      };
      const merged = prerouting(rules).branches;
      const every = prerouting(rules, false).branches;
      expect(merged.length).to.be.below(every.length);
      expect(outcomes(merged)).to.deep.equal(outcomes(every));
      expect(total(merged)).to.be.closeTo(1, 1e-12);
    });

    it("merging changes no outcome's probability on random chains of statistic rules (property)", () => {
      const targets = [
        "MARK --set-xmark 0x1/0x1",
        "MARK --set-xmark 0x2/0x2",
        "RETURN",
        "KUBE-SUB-A",
        "KUBE-SUB-B",
        "DNAT --to-destination 10.0.0.1:80",
        "DNAT --to-destination 10.0.0.2:80",
        "ACCEPT",
        "LOG",
      ];
      const rule = fc.record({
        chain: fc.constantFrom("KUBE-SVC-X", "KUBE-SUB-A", "KUBE-SUB-B"),
        p: fc.constantFrom("0.25", "0.5", "0.75", null),
        target: fc.constantFrom(...targets),
        mark: fc.constantFrom(null, "0x1/0x1", "0x2/0x2"),
      });
      const outcomes = (bs: HookBranch[]) => {
        const m = new Map<string, number>();
        for (const b of bs) {
          const deciding = b.events.filter((e) => ["dnat", "accept", "policy"].includes(e.kind));
          const key = `${b.verdict} ${dnatOf(b)} ${b.packet.mark} ${deciding.map((e) => `${e.rule.chain}#${e.rule.index}`)}`;
          m.set(key, (m.get(key) ?? 0) + b.probability);
        }
        return [...m].sort().map(([k, p]) => `${k} ${p.toFixed(10)}`);
      };
      fc.assert(
        fc.property(fc.array(rule, { minLength: 1, maxLength: 14 }), (rs) => {
          const lines = ["-A PREROUTING -j KUBE-SVC-X", "-A KUBE-SUB-A -j RETURN", "-A KUBE-SUB-B -j RETURN"];
          for (const r of rs) {
            // No loops: KUBE-SVC-X jumps to both, KUBE-SUB-A to KUBE-SUB-B only, KUBE-SUB-B nowhere.
            let t = r.target;
            if (r.chain === "KUBE-SUB-B" && t.startsWith("KUBE-SUB")) t = "RETURN";
            if (r.chain === "KUBE-SUB-A" && t === "KUBE-SUB-A") t = "KUBE-SUB-B";
            const mark = r.mark ? ` -m mark --mark ${r.mark}` : "";
            const stat = r.p ? ` -m statistic --mode random --probability ${r.p}` : "";
            lines.splice(-2, 0, `-A ${r.chain}${mark}${stat} -j ${t}`);
          }
          const merged = prerouting(lines).branches;
          const every = prerouting(lines, false).branches;
          expect(total(merged)).to.be.closeTo(1, 1e-9);
          expect(outcomes(merged)).to.deep.equal(outcomes(every));
        }),
        { numRuns: 300, seed: 14 },
      );
    });

    it("a walk past the work limit is refused with a positioned error, in bounded time", function () {
      this.timeout(30_000);
      const engine = new NetfilterEngine(parseIptablesSave(TOO_MUCH_WORK, "r.txt"));
      const started = Date.now();
      expect(() => engine.runHook("INPUT", PACKET, hookCtx()))
        .to.throw(NetfilterWorkError)
        .with.property("message")
        .that.matches(/^r\.txt:\d+:1: error\[netfilter-work\]: .* visits more than 5,000,000 rules/);
      expect(Date.now() - started).to.be.below(20_000);
      expect(WALK_LIMITS.visits).to.equal(5_000_000);
    });

    it("kubehop netfilter exits 2 with that one line, no stack trace", async function () {
      this.timeout(30_000);
      const dir = mkdtempSync(join(tmpdir(), "kh-hostile-nf-"));
      try {
        writeFileSync(join(dir, "rules.txt"), TOO_MUCH_WORK);
        const r = await runCli([
          "netfilter",
          "--rules",
          join(dir, "rules.txt"),
          "--src",
          "10.0.0.5",
          "--dst",
          "10.0.0.1",
          "--dport",
          "80",
          "--local-ip",
          "10.0.0.1",
        ]);
        expect(r.code).to.equal(2);
        expect(r.stderr.trimEnd().split("\n")).to.have.length(1);
        expect(r.stderr).to.include("error[netfilter-work]");
        expect(r.stderr).not.to.include("    at ");
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe("user regexes", () => {
    const regexIngress = (path: string): Ingress => ({
      namespace: "shop",
      name: "web",
      annotations: { "nginx.ingress.kubernetes.io/use-regex": "true" },
      rules: [
        {
          host: "shop.example.com",
          paths: [{ path, pathType: "ImplementationSpecific", backend: { kind: "service", service: "web", port: 80 } }],
        },
      ],
      tls: [],
    });

    it("(a+)+$ on a 50,000-character path answers within a second, with the right result", () => {
      const ing = regexIngress("/(a+)+$");
      const started = Date.now();
      const miss = route([ing], { host: "shop.example.com", path: `/${"a".repeat(50_000)}!`, scheme: "http" });
      const hit = route([ing], { host: "shop.example.com", path: `/${"a".repeat(50_000)}`, scheme: "http" });
      expect(Date.now() - started).to.be.below(1000);
      expect(miss.kind).to.equal("default-backend");
      expect(hit.kind).to.equal("backend");
    });

    it("a PCRE feature RE2 lacks is a regex-unsupported warning and matches nothing, saying why", () => {
      const ing = regexIngress("/api/(?!internal)");
      const at = { file: "i.yaml", line: 1, col: 1 };
      const warnings = ingressRegexDiagnostics(
        ing,
        () => at,
        () => at,
      ).map(formatDiagnostic);
      expect(warnings).to.deep.equal([
        'i.yaml:1:1: warning[regex-unsupported]: path "/api/(?!internal)" uses a lookahead, which nginx\'s PCRE has ' +
          "and kubehop's RE2 engine does not; in a trace it matches no request (hint: write the path without it " +
          "(RE2 syntax), or check this route by hand)",
      ]);
      const r = route([ing], { host: "shop.example.com", path: "/api/cart", scheme: "http" });
      expect(r.kind).to.equal("default-backend");
      expect(r.considered.join("\n")).to.include("does not match: its regex uses a lookahead");
    });

    it("a backreference in canary-by-header-pattern is flagged too", () => {
      const ing: Ingress = {
        ...regexIngress("/"),
        annotations: {
          "nginx.ingress.kubernetes.io/canary": "true",
          "nginx.ingress.kubernetes.io/canary-by-header": "x-canary",
          "nginx.ingress.kubernetes.io/canary-by-header-pattern": "^(a)\\1$",
        },
      };
      const at = { file: "i.yaml", line: 1, col: 1 };
      const [w] = ingressRegexDiagnostics(
        ing,
        () => at,
        () => at,
      ).map(formatDiagnostic);
      expect(w).to.include("canary-by-header-pattern");
      expect(w).to.include("uses a backreference");
    });
  });
});
