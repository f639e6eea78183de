// The nft engine's work is bounded as the iptables engine's is (issue 14, item 4): numgen forks whose
// branches come back together are merged, a deep chain of jumps is refused as nft refuses it, and a
// ruleset that would split a packet into more branches than WALK_LIMITS allows is bad input (exit 2).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { formatDiagnostic } from "../lib/model/diagnostic.ts";
import { NftEngine } from "../lib/netfilter/nft/engine.ts";
import { parseNftRuleset } from "../lib/netfilter/nft/reader.ts";
import { NetfilterWorkError, WALK_LIMITS } from "../lib/netfilter/work-limits.ts";
import { hookCtx, pkt } from "./fixtures/netfilter/helpers.ts";
import { runCli } from "./support/cli.ts";

const engineOf = (text: string, file = "t.nft") => new NftEngine(parseNftRuleset(text, file));
const PACKET = pkt("10.0.0.5", "10.96.0.10", 80);

/** A prerouting base chain of `rules`, then the other chains. */
function table(rules: string[], chains: Record<string, string[]>): string {
  const block = (name: string, lines: string[]) => [`\tchain ${name} {`, ...lines.map((l) => `\t\t${l}`), "\t}"];
  const head = "type filter hook prerouting priority 0; policy accept;";
  const others = Object.entries(chains).flatMap(([name, lines]) => block(name, lines));
  return ["table ip t {", ...block("pre", [head, ...rules]), ...others, "}", ""].join("\n");
}

const coin = "numgen random mod 2 vmap { 0 : jump a, 1 : jump b }";

describe("nft engine: bounded work (issue 14, item 4)", () => {
  it("22 sequential numgen rules whose choices set one mark merge into its two outcomes, fast", () => {
    const nf = engineOf(table(Array(22).fill(coin), { a: ["return"], b: ["meta mark set 0x00000001"] }));
    const started = Date.now();
    const out = nf.runHook("PREROUTING", PACKET, hookCtx());
    expect(Date.now() - started).to.be.below(2000);
    expect(out.map((b) => b.packet.mark)).to.have.members([0, 1]);
    expect(out).to.have.length(2);
    const unmarked = out.find((b) => b.packet.mark === 0)!;
    expect(unmarked.probability).to.equal(2 ** -22);
    expect(out.reduce((s, b) => s + b.probability, 0)).to.be.closeTo(1, 1e-12);
    // The first way to each outcome is named: its draws, then how many other ways were added to it.
    expect(unmarked.choices).to.have.length(22);
    const marked = out.find((b) => b.packet.mark === 1)!;
    expect(marked.choices.at(-1)).to.match(/^and \d+ other ways through the numgen rules before, which end alike/);
  });

  it("branches merged or not, the outcomes and their probabilities are the same (4 rules, against the 16 ways)", () => {
    const nf = engineOf(table(Array(4).fill(coin), { a: ["return"], b: ["meta mark set 0x00000001"] }));
    const out = nf.runHook("PREROUTING", PACKET, hookCtx());
    expect(out.map((b) => [b.packet.mark, b.probability])).to.deep.equal([
      // The all-zeros draw comes first (as the unmerged walk answers it), the other 15 ways are added to mark 1.
      [0, 1 / 16],
      [1, 15 / 16],
    ]);
  });

  it("2,000 sequential numgen rules finish, one outcome with probability 1", function () {
    this.timeout(20_000);
    const nf = engineOf(table(Array(2000).fill(coin), { a: ["return"], b: ["return"] }));
    const out = nf.runHook("PREROUTING", PACKET, hookCtx());
    expect(out).to.have.length(1);
    expect(out[0]!.probability).to.be.closeTo(1, 1e-9);
    expect(out[0]!.verdict).to.equal("ACCEPT");
  });

  it("a 5,000-chain deep jump chain is refused at the 16th level as nft refuses it, not a RangeError", () => {
    const chains: Record<string, string[]> = {};
    for (let i = 1; i < 5000; i++) chains[`c${i}`] = [`jump c${i + 1}`];
    chains.c5000 = ["drop"];
    const nf = engineOf(table(["jump c1"], chains), "deep.nft");
    const deep = nf.diagnostics.map(formatDiagnostic).filter((d) => d.includes("levels below a base chain"));
    expect(deep).to.deep.equal([
      "deep.nft:49:1: warning[nft-unreadable]: a jump to c16 16 levels below a base chain of table ip t, which nft " +
        'refuses (NFT_JUMP_STACK_SIZE, "Too many links"): the rule is kept and never matches',
    ]);
    const out = nf.runHook("PREROUTING", PACKET, hookCtx());
    expect(out.map((b) => b.verdict)).to.deep.equal(["ACCEPT"]);
    expect(out[0]!.events.filter((e) => e.kind === "jump")).to.have.length(15);
  });

  it("15 levels of jumps are walked to the bottom, as nft loads them", () => {
    const chains: Record<string, string[]> = {};
    for (let i = 1; i < 15; i++) chains[`c${i}`] = [`jump c${i + 1}`];
    chains.c15 = ["drop"];
    const nf = engineOf(table(["jump c1"], chains));
    expect(nf.diagnostics).to.deep.equal([]);
    expect(nf.runHook("PREROUTING", PACKET, hookCtx()).map((b) => b.verdict)).to.deep.equal(["DROP"]);
  });

  // Each of 18 rules sets its own mark bit on one of its two choices: 2^18 distinct branches.
  const bits = Array.from({ length: 18 }, (_, i) => i);
  const TOO_MANY = table(
    bits.map((i) => `numgen random mod 2 vmap { 0 : jump z, 1 : jump s${i} }`),
    Object.fromEntries([
      ["z", ["return"]],
      ...bits.map((i) => [`s${i}`, [`meta mark set meta mark | 0x${(1 << i).toString(16).padStart(8, "0")}`]]),
    ]),
  );

  it("a walk past the branch limit is refused with a positioned error", function () {
    this.timeout(30_000);
    const nf = engineOf(TOO_MANY, "many.nft");
    expect(nf.diagnostics).to.deep.equal([]);
    expect(() => nf.runHook("PREROUTING", PACKET, hookCtx()))
      .to.throw(NetfilterWorkError)
      .with.property("message")
      .that.matches(/^many\.nft:\d+:1: error\[netfilter-work\]: .* splits into more than 200,000 distinct branches/);
    expect(WALK_LIMITS.branches).to.equal(200_000);
  });

  it("kubehop netfilter --rules exits 2 with that one line, no stack trace", async function () {
    this.timeout(60_000);
    const dir = mkdtempSync(join(tmpdir(), "kh-nft-limits-"));
    try {
      const file = join(dir, "many.nft");
      writeFileSync(file, TOO_MANY);
      const r = await runCli([
        "netfilter",
        "--rules",
        file,
        "--src",
        "10.0.0.5",
        "--dst",
        "10.96.0.10",
        "--dport",
        "80",
      ]);
      expect(r.code).to.equal(2);
      expect(r.stderr.trimEnd().split("\n")).to.have.length(1);
      expect(r.stderr).to.match(
        /many\.nft:\d+:1: error\[netfilter-work\]: a packet's walk through the PREROUTING hook/,
      );
      expect(r.stderr).not.to.include("    at ");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
