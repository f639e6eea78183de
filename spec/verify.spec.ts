// kubehop verify: the statistics and the judging of attempts (always), and the real thing on the
// hard-case topologies (root with network namespaces and wireguard-go; skipped with the reason otherwise).
import { expect } from "chai";
import { readdirSync } from "node:fs";
import { loadTopologySync } from "../lib/topology.ts";
import { chiSquare, upperGammaQ } from "../lib/verify/stats.ts";
import { groupsOf } from "../lib/verify/expect.ts";
import { judge, verify, type Row } from "../lib/verify/verify.ts";
import { reportText } from "../lib/verify/report.ts";
import { checkPrerequisites } from "../lib/emulate/prerequisites.ts";
import { defaultRequests } from "../lib/verify/requests.ts";
import type { Attempt } from "../lib/verify/probe.ts";

const HARD = new URL("../topologies/hard-cases/", import.meta.url).pathname;

describe("verify: chi-square", () => {
  it("matches the chi-square table (p of 3.841 with 1 dof, 5.991 with 2, 16.27 with 3)", () => {
    expect(upperGammaQ(0.5, 3.841 / 2)).to.be.closeTo(0.05, 1e-3);
    expect(upperGammaQ(1, 5.991 / 2)).to.be.closeTo(0.05, 1e-3);
    expect(upperGammaQ(1.5, 16.27 / 2)).to.be.closeTo(0.001, 1e-4);
  });

  it("a fair spread passes, a lopsided one fails at p < 0.001", () => {
    expect(chiSquare([10, 11, 9], [1 / 3, 1 / 3, 1 / 3]).p).to.be.greaterThan(0.5);
    const bad = chiSquare([30, 0, 0], [1 / 3, 1 / 3, 1 / 3]);
    expect(bad.statistic).to.be.closeTo(60, 1e-9);
    expect(bad.p).to.be.lessThan(0.001);
  });
});

describe("verify: judging attempts against the predicted branches", () => {
  let g: Exclude<ReturnType<typeof groupsOf>, { unverifiable: string }>;
  before(() => {
    const trace = loadTopologySync(`${HARD}hairpin.yaml`).trace({
      from: "pod/default/echo-a",
      to: "svc/default/echo:80",
    });
    const groups = groupsOf(trace);
    if ("unverifiable" in groups) throw new Error(groups.unverifiable);
    g = groups;
  });
  const row = (): Row => ({
    request: { from: "pod/default/echo-a", to: "svc/default/echo:80", proto: "tcp", kind: "given" },
    verdict: "agree",
    groups: g.groups.map((x) => ({
      key: x.key,
      probability: x.probability,
      dispositions: [...x.dispositions],
      observed: 0,
    })),
    unexpected: [],
    attempts: 0,
    traceMs: 0,
  });
  const ans = (server: string, seen: string): Attempt => ({ outcome: "answer", server, seen: `${seen}:40000`, ms: 1 });

  it("predicts the hairpin: echo-a sees bridge0's .1, echo-b sees echo-a's own address", () => {
    expect(g.groups.map((x) => x.key).sort()).to.deep.equal([
      "default/echo-a saw 10.244.0.1",
      "default/echo-b saw 10.244.0.2",
    ]);
  });

  it("agrees on an even spread of the predicted answers", () => {
    const r = row();
    judge(
      r,
      g.groups,
      [...Array(10)].flatMap(() => [ans("default/echo-a", "10.244.0.1"), ans("default/echo-b", "10.244.0.2")]),
      0.001,
    );
    expect(r.verdict).to.equal("agree");
    expect(r.chi!.p).to.equal(1);
  });

  it("disagrees when the answering pod saw another source (the hairpin masquerade missing)", () => {
    const r = row();
    judge(r, g.groups, [ans("default/echo-a", "10.244.0.2"), ans("default/echo-b", "10.244.0.2")], 0.001);
    expect(r.verdict).to.equal("disagree");
    expect(r.why).to.contain("default/echo-a saw 10.244.0.2 x1");
  });

  it("disagrees on a refused or timed-out connection where an answer was predicted, and on a lopsided spread", () => {
    const r = row();
    judge(r, g.groups, [{ outcome: "timeout", ms: 1000 }], 0.001);
    expect(r.verdict).to.equal("disagree");
    const s = row();
    judge(
      s,
      g.groups,
      [...Array(30)].map(() => ans("default/echo-b", "10.244.0.2")),
      0.001,
    );
    expect(s.verdict).to.equal("disagree");
    expect(s.why).to.contain("chi-square");
  });

  it("the request set covers Service ports, pod pairs, NodePorts, LB VIPs and the wg0 MTU", () => {
    const kinds = new Set(defaultRequests(loadTopologySync(`${HARD}local-policy.yaml`).cluster).map((r) => r.kind));
    expect([...kinds].sort()).to.deep.equal(["lb", "mtu", "nodeport", "pod", "service"]);
    const shop = defaultRequests(
      loadTopologySync(new URL("../topologies/default.yaml", import.meta.url).pathname).cluster,
    );
    expect(shop.filter((r) => r.kind === "ingress").map((r) => r.to)).to.include("https://shop.example.com/api");
  });

  it("says plainly when it skipped", () => {
    const text = reportText(
      {
        skipped: "not root: creating network namespaces needs root",
        rows: [],
        notes: [],
        alpha: 0.001,
        repeat: 30,
        seconds: { build: 0, probes: 0, traces: 0, total: 0 },
      },
      "t.yaml",
    );
    expect(text).to.match(/^kubehop verify t\.yaml: skipped: not root/);
  });
});

describe("verify: the simulator against the real kernel on the hard cases", function () {
  // Each hard case is built in real network namespaces and every request sent 20 times through the
  // kernel (4-10 s a case).
  this.timeout(60_000);
  const missing = checkPrerequisites();
  before(function () {
    if (missing) {
      console.log(`      skipped: ${missing}`);
      this.skip();
    }
  });

  for (const file of readdirSync(HARD)
    .filter((f) => f.endsWith(".yaml"))
    .sort()) {
    it(`agrees on ${file}`, async () => {
      const rep = await verify(loadTopologySync(`${HARD}${file}`), { repeat: 20, timeoutMs: 800 });
      const bad = rep.rows.filter((r) => r.verdict === "disagree");
      expect(
        bad.map((r) => `${r.request.from} -> ${r.dst}: ${r.why}`),
        reportText(rep, file),
      ).to.deep.equal([]);
      expect(rep.rows.filter((r) => r.verdict === "agree").length).to.be.greaterThan(3);
    });
  }
});
