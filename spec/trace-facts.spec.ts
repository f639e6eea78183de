// Typed trace facts (issue 12): every step of a broad set of traces carries a detail whose kind fits
// its action, its reason is exactly what lib/output/reason.ts makes of that detail, every leg's
// reason is its end detail rendered, every hop's typed `at` names the place its label shows, and the
// JSON round-trips. Assertions read hops by their typed `at`, not by their label.
import { expect } from "chai";
import { locationMatches } from "../lib/assert/conditions.ts";
import type { HopAt } from "../lib/model/hop-at.ts";
import { endReason, stepReason } from "../lib/output/reason.ts";
import { loadTopologySync } from "../lib/topology.ts";
import { type Leg, STEP_ACTIONS } from "../lib/trace/types.ts";
import { type CorpusTrace, traceCorpus } from "./support/trace-corpus.ts";

/** The label the tracer prints for a place, as lib/dataplane/locations.ts spells it. */
function labelOf(at: HopAt): string {
  switch (at.kind) {
    case "pod":
      return `pod/${at.namespace}/${at.name}`;
    case "host":
      return at.node;
    case "underlay":
      return "underlay";
    case "client":
    case "lb":
      return `${at.kind}/${at.name}`;
    default:
      return `${at.node}/${at.iface}`;
  }
}

describe("typed trace facts", function () {
  // Some 1,600 traces over 11 topologies: the corpus takes a few seconds to trace.
  this.timeout(60_000);
  let corpus: CorpusTrace[];
  before(() => {
    corpus = traceCorpus();
  });

  const legs = function* (): Generator<{ c: CorpusTrace; leg: Leg }> {
    for (const c of corpus)
      for (const b of c.trace.branches) for (const leg of [b, ...(b.reply ? [b.reply] : [])]) yield { c, leg };
  };

  it("covers the topologies and most kinds of fact", () => {
    const kinds = new Set<string>();
    for (const { leg } of legs()) for (const h of leg.hops) for (const s of h.steps) kinds.add(s.detail.kind);
    expect(corpus.length).to.be.greaterThan(1000);
    expect(kinds.size).to.be.greaterThan(Object.keys(STEP_ACTIONS).length - 8);
  });

  it("every step's detail kind fits its action, and its reason is the detail rendered", () => {
    const bad: string[] = [];
    for (const { c, leg } of legs())
      for (const h of leg.hops)
        for (const s of h.steps) {
          const allowed: readonly string[] = STEP_ACTIONS[s.detail.kind];
          if (!allowed.includes(s.action)) bad.push(`${c.request}: ${s.action} with a ${s.detail.kind} detail`);
          if (s.reason !== stepReason(s.detail, s.action)) bad.push(`${c.request}: ${s.reason}`);
        }
    expect(bad.slice(0, 5)).to.deep.equal([]);
  });

  it("every leg's reason is its end detail rendered", () => {
    const bad: string[] = [];
    for (const { c, leg } of legs()) if (leg.reason !== endReason(leg.detail)) bad.push(`${c.request}: ${leg.reason}`);
    expect(bad.slice(0, 5)).to.deep.equal([]);
  });

  it("every hop's typed place is the one its label names", () => {
    const bad: string[] = [];
    for (const { c, leg } of legs())
      for (const h of leg.hops) if (labelOf(h.at) !== h.location) bad.push(`${c.request}: ${h.location}`);
    expect(bad.slice(0, 5)).to.deep.equal([]);
  });

  it("the JSON round-trips: details and places are plain data", () => {
    for (const c of corpus.slice(0, 200)) expect(JSON.parse(JSON.stringify(c.trace))).to.deep.equal(c.trace);
  });
});

describe("typed facts in a trace", () => {
  let cross: ReturnType<ReturnType<typeof loadTopologySync>["trace"]>;
  before(() => {
    cross = loadTopologySync("topologies/default.yaml").trace({ from: "pod/shop/db-1", to: "pod/shop/db-0:5432" });
  });

  it("a DNAT-free cross-node delivery names the socket, the peer, the WireGuard peer and every place", () => {
    const b = cross.branches[0]!;
    const last = b.hops.at(-1)!;
    expect(last.at).to.deep.equal({
      kind: "pod",
      namespace: "shop",
      name: "db-0",
      node: last.at.kind === "pod" ? last.at.node : "",
    });
    const socket = last.steps.find((s) => s.detail.kind === "socket")!.detail;
    expect(socket).to.include({ kind: "socket", proto: "TCP" });
    const encrypt = b.hops.flatMap((h) => h.steps).find((s) => s.action === "ENCRYPTED")!.detail;
    expect(encrypt.kind).to.equal("wg-peer");
    expect(b.detail).to.deep.include({ kind: "delivered", port: 5432, proto: "TCP" });
    expect(new Set(b.hops.map((h) => h.at.kind))).to.include.members(["pod", "veth", "bridge", "host", "wg", "nic"]);
  });

  it("hops are matched by their typed place: a node, one of its devices, a pod of a workload", () => {
    const at = (kind: string, rest: object) => ({ kind, ...rest }) as HopAt;
    expect(locationMatches("node-1", at("wg", { node: "node-1", iface: "wg0" }))).to.equal(true);
    expect(locationMatches("node/node-1", at("host", { node: "node-1" }))).to.equal(true);
    expect(locationMatches("node-1", at("wg", { node: "node-10", iface: "wg0" }))).to.equal(false);
    expect(locationMatches("node-1/wg0", at("nic", { node: "node-1", iface: "eth0" }))).to.equal(false);
    expect(locationMatches("node-1", at("pod", { namespace: "a", name: "b", node: "node-1" }))).to.equal(false);
    const pod = at("pod", { namespace: "shop", name: "api-7d9f-x2k", node: "node-2" });
    expect(locationMatches("pod/shop/api", pod)).to.equal(true);
    expect(locationMatches("pod/shop/ap", pod)).to.equal(false);
    expect(locationMatches("pod/web/api", pod)).to.equal(false);
    expect(locationMatches("lb/edge", at("lb", { name: "edge" }))).to.equal(true);
    expect(locationMatches("underlay", at("underlay", {}))).to.equal(true);
  });
});
