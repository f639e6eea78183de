// Typed trace facts (issue 12): every step of a broad set of traces carries a detail whose kind fits
// its action, its reason is exactly what lib/output/reason.ts makes of that detail, every leg's
// reason is its end detail rendered, every hop's typed `at` names the place its label shows, every
// packet's typed endpoints and every step's typed header changes agree with the packets and the text,
// and the JSON round-trips. Assertions read hops by their typed `at`, not by their label.
import { expect } from "chai";
import { locationMatches } from "../lib/assert/conditions.ts";
import type { HopAt } from "../lib/model/hop-at.ts";
import { stepChangesText } from "../lib/output/header-change.ts";
import { endReason, stepReason } from "../lib/output/reason.ts";
import { loadTopologySync } from "../lib/topology.ts";
import { type HeaderChange, type Leg, type PacketJson, type Step, STEP_ACTIONS } from "../lib/trace/types.ts";
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

/** What a step did to the headers, worked out from its before and after packets alone. */
function changesBetween(s: Step): HeaderChange[] {
  const [b, a] = [s.before!, s.after!];
  if (JSON.stringify(b) === JSON.stringify(a)) return [];
  if (s.type === "proxy") return [{ field: "packet", change: "new-connection" }];
  if (!b.inner && JSON.stringify(a.inner) === JSON.stringify(b)) return [{ field: "packet", change: "encapsulated" }];
  if (b.inner && JSON.stringify(b.inner) === JSON.stringify(a)) return [{ field: "packet", change: "decapsulated" }];
  const fields = [
    ["src", b.saddr, a.saddr],
    ["sport", b.sport, a.sport],
    ["dst", b.daddr, a.daddr],
    ["dport", b.dport, a.dport],
    ["proto", b.proto, a.proto],
    ["size", b.size, a.size],
    ["mark", b.mark ?? "0x0", a.mark ?? "0x0"],
    ["ttl", b.ttl, a.ttl],
  ] as const;
  return fields.filter(([, x, y]) => x !== y).map(([field, from, to]) => ({ field, from, to }) as HeaderChange);
}

/** How the trace's braces spell a field change, written out here rather than by lib/output. */
function changeWords(c: HeaderChange): string {
  return c.field === "packet" ? "" : `${c.field}: ${c.from} -> ${c.to}`;
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

  it("every packet's typed endpoints are the ones its text shows", () => {
    const bad: string[] = [];
    const check = (request: string, p: PacketJson | undefined): void => {
      if (!p) return;
      const port = (n: number | undefined) => (n === undefined ? "" : `:${n}`);
      if (p.src !== `${p.saddr}${port(p.sport)}` || p.dst !== `${p.daddr}${port(p.dport)}`)
        bad.push(`${request}: ${JSON.stringify(p)}`);
      if ((p.proto === "icmp") !== (p.sport === undefined && p.dport === undefined)) bad.push(`${request}: ports`);
      check(request, p.inner);
    };
    for (const { c, leg } of legs()) for (const s of leg.hops.flatMap((h) => h.steps)) check(c.request, s.before);
    for (const { c, leg } of legs()) for (const s of leg.hops.flatMap((h) => h.steps)) check(c.request, s.after);
    expect(bad.slice(0, 5)).to.deep.equal([]);
  });

  it("every step's changes are the header fields its packets differ in, and the text shows them", () => {
    const bad: string[] = [];
    let rewrites = 0;
    for (const { c, leg } of legs())
      for (const s of leg.hops.flatMap((h) => h.steps)) {
        const expected = changesBetween(s);
        if (JSON.stringify(s.changes ?? []) !== JSON.stringify(expected)) bad.push(`${c.request}: ${s.action}`);
        if (expected.some((x) => x.field === "dst" || x.field === "src")) rewrites++;
        if (expected.length && !stepChangesText(s).includes(changeWords(expected[0]!))) bad.push(stepChangesText(s));
      }
    expect(bad.slice(0, 5)).to.deep.equal([]);
    expect(rewrites, "address rewrites in the corpus").to.be.greaterThan(100);
  });

  it("a NAT rule's changes say what its detail says", () => {
    let nats = 0;
    for (const { leg } of legs())
      for (const s of leg.hops.flatMap((h) => h.steps)) {
        if (s.detail.kind !== "netfilter" || !s.detail.nat) continue;
        const { field, from, to } = s.detail.nat;
        const port = field === "src" ? "sport" : "dport";
        const expected = [
          ...(from.ip === to.ip ? [] : [{ field, from: from.ip, to: to.ip }]),
          ...(from.port === to.port ? [] : [{ field: port, from: from.port, to: to.port }]),
        ];
        expect(s.changes?.filter((x) => x.field === field || x.field === port) ?? []).to.deep.equal(expected);
        nats++;
      }
    expect(nats).to.be.greaterThan(100);
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
