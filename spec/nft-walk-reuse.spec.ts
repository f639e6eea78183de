// The nft walk is made lean (issue 15's speed target): a hook's walk object is run again, a node's
// walk hands each branch's own event array to its answer, a node's walk records no accepting policy,
// and the ruleset is read in full before any packet runs. These specs hold what that must not change:
// answers are the same on every run, even after a walk stopped at its limits; no two answers share
// an array; and an unreadable rule in a chain no packet enters is still reported, at its line.
import { expect } from "chai";
import { NftEngine } from "../lib/netfilter/nft/engine.ts";
import { walkNftNode } from "../lib/netfilter/nft/node-walk.ts";
import { parseNftRuleset } from "../lib/netfilter/nft/reader.ts";
import { NetfilterWorkError, WALK_LIMITS } from "../lib/netfilter/work-limits.ts";
import { hookCtx, ip, pkt } from "./fixtures/netfilter/helpers.ts";

const engineOf = (text: string) => new NftEngine(parseNftRuleset(text, "t.nft"));

// A Service of three endpoints as kube-proxy writes it, with a filter chain that accepts by policy.
const SERVICE = `table ip kp {
  chain pre {
    type nat hook prerouting priority dstnat; policy accept;
    ip daddr 10.96.0.10 tcp dport 80 jump svc
  }
  chain fwd {
    type filter hook forward priority filter; policy accept;
    ct state new jump check
  }
  chain check {
    ip daddr 10.96.0.0/12 drop
  }
  chain svc {
    numgen random mod 3 vmap { 0 : goto ep0, 1 : goto ep1, 2 : goto ep2 }
  }
  chain ep0 {
    meta mark set meta mark | 0x4000
    dnat to 10.0.1.10:8080
  }
  chain ep1 {
    dnat to 10.0.2.10:8080
  }
  chain ep2 {
    dnat to 10.0.3.10:8080
  }
  chain unused {
    ip daddr 10.0.0.1 frobnicate 7 accept
  }
}
`;

const PACKET = pkt("10.0.9.5", "10.96.0.10", 80);
const nodeWalk = (nf: NftEngine) =>
  walkNftNode(nf, PACKET, { hook: "prerouting", inIface: "bridge0", localIps: [ip("172.16.0.2")] });

// Four ways out of PREROUTING: to the node itself (INPUT), on through FORWARD (where one way forks
// again), dropped in PREROUTING, and dropped in FORWARD. A node's walk takes the branches going the
// same way through their next hook together; its answers must still come in the order walking each
// branch on alone gives: numgen's value in PREROUTING first, then in FORWARD.
const PARTING = `table ip kp {
  chain pre {
    type nat hook prerouting priority dstnat; policy accept;
    ip daddr 10.96.0.10 numgen random mod 4 vmap { 0 : goto local, 1 : goto ep1, 2 : drop, 3 : goto ep3 }
  }
  chain local {
    dnat to 172.16.0.2:8080
  }
  chain ep1 {
    dnat to 10.0.2.10:8080
  }
  chain ep3 {
    dnat to 10.0.3.10:8080
  }
  chain fwd {
    type filter hook forward priority filter; policy accept;
    ip daddr 10.0.2.10 numgen random mod 2 vmap { 0 : accept, 1 : drop }
    ip daddr 10.0.3.10 drop
  }
}
`;

describe("nft walk: lean, and still the same answers", () => {
  it("branches that part ways after a hook are answered in the order each walked on alone gives", () => {
    const answers = nodeWalk(engineOf(PARTING)).map(
      (b) => `${b.probability} ${b.verdict} ${b.route ?? "-"} ${b.hooks.join(",")} ${b.dnat ?? "-"}`,
    );
    expect(answers).to.deep.equal([
      "0.25 ACCEPT local PREROUTING,INPUT 172.16.0.2:8080",
      "0.125 ACCEPT forward PREROUTING,FORWARD,POSTROUTING 10.0.2.10:8080",
      "0.125 DROP forward PREROUTING,FORWARD 10.0.2.10:8080",
      "0.25 DROP - PREROUTING -",
      "0.25 DROP forward PREROUTING,FORWARD 10.0.3.10:8080",
    ]);
  });

  it("an unreadable rule in a chain no packet enters is reported at its line, and the walk is unchanged", () => {
    const nf = engineOf(SERVICE);
    expect(nf.diagnostics.map((d) => `${d.code} ${(d.source as { line?: number } | undefined)?.line}`)).to.deep.equal([
      "nft-unsupported 27",
    ]);
    expect(nf.diagnostics[0]!.message).to.match(/chain "?unused"?: .*frobnicate.*the rule never matches/);
    expect(nodeWalk(nf).map((b) => b.dnat)).to.deep.equal(["10.0.1.10:8080", "10.0.2.10:8080", "10.0.3.10:8080"]);
  });

  it("a node's walk answers alike on every run, and lists no accepting policy", () => {
    const nf = engineOf(SERVICE);
    const first = nodeWalk(nf);
    for (let i = 0; i < 3; i++) expect(nodeWalk(nf)).to.deep.equal(first);
    expect(first).to.have.length(3);
    for (const b of first) {
      expect(b.hooks).to.deep.equal(["PREROUTING", "FORWARD", "POSTROUTING"]);
      expect(b.steps.some((s) => s.event.kind === "policy")).to.equal(false);
    }
    expect(first[0]!.marks).to.deep.equal(["0x4000"]);
    expect(first[1]!.marks).to.deep.equal([]);
  });

  it("runHook still records the accepting policy of each base chain it leaves by its end", () => {
    const nf = engineOf(SERVICE);
    const [b] = nf.runHook("FORWARD", pkt("10.0.9.5", "10.0.1.10", 8080), hookCtx());
    expect(b!.events.map((e) => `${e.kind} ${e.rule.chain}`)).to.deep.equal(["jump fwd", "policy fwd"]);
  });

  it("no two answers share a steps array: changing one leaves the others as they were", () => {
    const answers = nodeWalk(engineOf(SERVICE));
    const lengths = answers.map((b) => b.steps.length);
    answers[0]!.steps.push(answers[0]!.steps[0]!);
    expect(answers.map((b) => b.steps.length)).to.deep.equal([lengths[0]! + 1, ...lengths.slice(1)]);
    expect(new Set(answers.map((b) => b.steps)).size).to.equal(answers.length);
  });

  it("a walk stopped at the branch limit leaves the engine answering the next packet in full", () => {
    const nf = engineOf(SERVICE);
    const before = nodeWalk(nf);
    // The limit is fixed for users; lowered here for one walk so that three branches pass it.
    const limits = WALK_LIMITS as { branches: number };
    const saved = limits.branches;
    limits.branches = 2;
    try {
      expect(() => nodeWalk(nf)).to.throw(NetfilterWorkError);
    } finally {
      limits.branches = saved;
    }
    expect(nodeWalk(nf)).to.deep.equal(before);
  });
});
