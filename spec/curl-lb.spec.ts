// kubehop curl, issue 4: the external load balancer's mode x the controller Service's
// externalTrafficPolicy. For each: the client IP ingress-nginx sees, which nodes carry traffic
// (LB choices and health checks), and that every reply gets back to the client.
// Fixture: one controller pod on node-1, one backend pod on node-2, LB address 192.168.10.5.
import { readFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { expect } from "chai";
import { loadTopologySync, type Topology } from "../lib/topology.ts";
import type { Branch, Step, Trace } from "../lib/trace/types.ts";

const FIXTURE = readFileSync("spec/fixtures/topologies/curl-lb.yaml", "utf8");
const URL_ = "http://echo.example.com/";
const CONTROLLER = /^pod\/ingress-nginx\/ingress-nginx-controller-[a-z0-9]+-[a-z0-9]+$/;

interface Variant {
  mode: "nodeport" | "passthrough";
  preserveClientIP: boolean;
  etp: "Cluster" | "Local";
  algorithm?: "round-robin" | "random" | "source-hash";
  replicas?: number;
}

function variant(v: Variant): Topology {
  const swap = (text: string, from: string, to: string) => {
    expect(text, `fixture holds "${from}"`).to.contain(from);
    return text.replace(from, to);
  };
  let y = swap(FIXTURE, "mode: nodeport", `mode: ${v.mode}`);
  y = swap(y, "preserveClientIP: false", `preserveClientIP: ${v.preserveClientIP}`);
  y = swap(y, "externalTrafficPolicy: Cluster", `externalTrafficPolicy: ${v.etp}`);
  y = swap(y, "algorithm: round-robin", `algorithm: ${v.algorithm ?? "round-robin"}`);
  if (v.replicas !== undefined)
    y = swap(
      y,
      "replicas: 1\n  selector: {matchLabels: {app.kubernetes.io/name",
      `replicas: ${v.replicas}\n  selector: {matchLabels: {app.kubernetes.io/name`,
    );
  return loadTopologySync(y);
}

type At = Step & { at: string; segment: number | undefined };
const steps = (b: { hops: Branch["hops"] }): At[] =>
  b.hops.flatMap((h) => h.steps.map((s) => ({ ...s, at: h.location, segment: h.segment })));
const sum = (t: Trace) => t.branches.reduce((a, b) => a + b.probability, 0);

/** The node the LB sent the branch to: the first node eth0 the request reaches. */
function entryNode(b: Branch): string {
  const rx = steps(b).find((s) => /^node-\d\/eth0$/.test(s.at) && s.action === "RECEIVED");
  return rx!.at.replace("/eth0", "");
}

/** What the controller pod's eth0 received: the source it sees. */
function controllerSource(b: Branch): string {
  const rx = steps(b).find((s) => CONTROLLER.test(s.at) && s.action === "RECEIVED" && s.segment === 1);
  expect(rx, "the controller receives the client's connection").to.not.equal(undefined);
  return rx!.before!.saddr;
}

const healthActions = (b: Branch) =>
  steps(b)
    .filter((s) => s.at === "lb/edge" && (s.action === "HEALTHY" || s.action === "UNHEALTHY"))
    .map((s) => `${s.action} ${s.reason}`);
const nodeChain = (b: Branch) => steps(b).find((s) => s.type === "dnat" && /^node-\d$/.test(s.at))!;
const masquerades = (b: Branch) =>
  steps(b)
    .filter((s) => s.type === "masquerade" && s.segment === 1)
    .map((s) => `${s.at} ${s.after!.src}`);

function expectAllServedAndReplied(t: Trace) {
  expect(sum(t)).to.be.closeTo(1, 1e-9);
  for (const b of t.branches) {
    expect(b.disposition).to.equal("HTTP_RESPONSE");
    expect(b.http!.status).to.equal(200);
    expect(b.http!.pod).to.match(/^app\/echo-/);
    expect(b.reply!.disposition).to.equal("DELIVERED");
    expect(b.reply!.reason).to.equal("reply delivered to client client");
    const last = steps(b.reply!).at(-1)!;
    expect(last.at).to.equal("client/client");
    expect(last.after ?? last.before).to.include({ src: "203.0.113.10:80", dst: "198.51.100.10:40000" });
  }
}

const ALL_HEALTHY = ["node-1", "node-2", "node-3"].map(
  (n) => `HEALTHY ${n}: in rotation (externalTrafficPolicy Cluster: every node forwards)`,
);
const LOCAL_HEALTH = [
  "HEALTHY node-1: health check http://192.168.10.11:32000/healthz -> 200 (1 local endpoint)",
  "UNHEALTHY node-2: health check http://192.168.10.12:32000/healthz -> 503 (no local endpoint): out of rotation",
  "UNHEALTHY node-3: health check http://192.168.10.13:32000/healthz -> 503 (no local endpoint): out of rotation",
];
const EXT = "KUBE-EXT-CG5I4G2RS3ZVWGLK";
const SVC = "KUBE-SVC-CG5I4G2RS3ZVWGLK";
const SVL = "KUBE-SVL-CG5I4G2RS3ZVWGLK";

describe("curl LB matrix: nodeport mode, preserveClientIP false", () => {
  it("eTP Cluster: every node carries traffic; the LB rewrites the source to its own address and the node masquerades again", () => {
    const t = variant({ mode: "nodeport", preserveClientIP: false, etp: "Cluster" }).curl(URL_);
    expectAllServedAndReplied(t);
    expect(t.branches.map(entryNode)).to.deep.equal(["node-1", "node-2", "node-3"]);
    expect(t.branches.map((b) => b.probability)).to.deep.equal(
      [1 / 3, 1 / 3, 1 / 3].map((p) => Math.round(p * 1e12) / 1e12),
    );
    for (const b of t.branches) expect(healthActions(b)).to.deep.equal(ALL_HEALTHY);
    const lb = steps(t.branches[1]!).find((s) => s.at === "lb/edge" && s.action === "NAT")!;
    expect(lb.type).to.equal("snat");
    expect(lb.reason).to.equal(
      "round-robin picks node-2 (2 of 3): to node-2's NodePort 192.168.10.12:30080, source rewritten to the LB's 192.168.10.5",
    );
    expect(lb.after).to.include({ src: "192.168.10.5:40000", dst: "192.168.10.12:30080" });
    expect(t.branches.map(masquerades)).to.deep.equal([
      ["node-1 10.244.0.1:40000"],
      ["node-2 192.168.10.12:40000"],
      ["node-3 192.168.10.13:40000"],
    ]);
    expect(t.branches.map((b) => b.http!.clientIP)).to.deep.equal(["10.244.0.1", "192.168.10.12", "192.168.10.13"]);
    expect(t.branches.map(controllerSource)).to.deep.equal(["10.244.0.1", "192.168.10.12", "192.168.10.13"]);
    expect(nodeChain(t.branches[1]!).reason).to.match(
      new RegExp(
        `^nat PREROUTING > KUBE-SERVICES > KUBE-NODEPORTS > ${EXT} > ${SVC} > KUBE-SEP-[A-Z0-9]{16}: DNAT to 10\\.244\\.0\\.2:80`,
      ),
    );
  });

  it("eTP Local: only node-1 (the controller's node) passes the health check; the controller sees the LB's address", () => {
    const t = variant({ mode: "nodeport", preserveClientIP: false, etp: "Local" }).curl(URL_);
    expectAllServedAndReplied(t);
    expect(t.branches).to.have.length(1);
    expect(t.branches[0]!.probability).to.equal(1);
    expect(t.branches.map(entryNode)).to.deep.equal(["node-1"]);
    expect(healthActions(t.branches[0]!)).to.deep.equal(LOCAL_HEALTH);
    expect(t.branches[0]!.choices[0]).to.equal("round-robin picks node-1 (1 of 1)");
    expect(masquerades(t.branches[0]!)).to.deep.equal([]);
    expect(t.branches[0]!.http!.clientIP).to.equal("192.168.10.5");
    expect(controllerSource(t.branches[0]!)).to.equal("192.168.10.5");
    expect(nodeChain(t.branches[0]!).reason).to.match(
      new RegExp(`^nat PREROUTING > KUBE-SERVICES > KUBE-NODEPORTS > ${EXT} > ${SVL} > KUBE-SEP-`),
    );
  });
});

describe("curl LB matrix: nodeport mode, preserveClientIP true", () => {
  it("eTP Cluster: the LB keeps the client IP, but kube-proxy masquerades it away on every node", () => {
    const t = variant({ mode: "nodeport", preserveClientIP: true, etp: "Cluster" }).curl(URL_);
    expectAllServedAndReplied(t);
    expect(t.branches.map(entryNode)).to.deep.equal(["node-1", "node-2", "node-3"]);
    const lb = steps(t.branches[0]!).find((s) => s.at === "lb/edge" && s.action === "NAT")!;
    expect(lb.type).to.equal("dnat");
    expect(lb.reason).to.equal(
      "round-robin picks node-1 (1 of 3): to node-1's NodePort 192.168.10.11:30080, client IP kept",
    );
    expect(lb.after).to.include({ src: "198.51.100.10:40000", dst: "192.168.10.11:30080" });
    expect(t.branches.map((b) => b.http!.clientIP)).to.deep.equal(["10.244.0.1", "192.168.10.12", "192.168.10.13"]);
    expect(t.branches.map(controllerSource)).to.not.include("198.51.100.10");
  });

  it("eTP Local: the client IP reaches the controller unchanged, through node-1 only", () => {
    const t = variant({ mode: "nodeport", preserveClientIP: true, etp: "Local" }).curl(URL_);
    expectAllServedAndReplied(t);
    expect(t.branches.map(entryNode)).to.deep.equal(["node-1"]);
    expect(healthActions(t.branches[0]!)).to.deep.equal(LOCAL_HEALTH);
    expect(masquerades(t.branches[0]!)).to.deep.equal([]);
    expect(t.branches[0]!.http!.clientIP).to.equal("198.51.100.10");
    expect(controllerSource(t.branches[0]!)).to.equal("198.51.100.10");
    // The reply is un-NATed first on node-1 (NodePort DNAT), then at the LB (VIP).
    const unNat = steps(t.branches[0]!.reply!)
      .filter((s) => s.type === "conntrack")
      .map((s) => `${s.at} ${s.after!.src}`);
    expect(unNat).to.deep.equal(["node-1 192.168.10.11:30080", "lb/edge 203.0.113.10:80"]);
  });
});

describe("curl LB matrix: passthrough mode", () => {
  it("eTP Cluster: the packet keeps the VIP and meets kube-proxy's LB-IP rule (no KUBE-NODEPORTS); masqueraded on every node", () => {
    const t = variant({ mode: "passthrough", preserveClientIP: false, etp: "Cluster" }).curl(URL_);
    expectAllServedAndReplied(t);
    expect(t.branches.map(entryNode)).to.deep.equal(["node-1", "node-2", "node-3"]);
    const lb = steps(t.branches[2]!).find((s) => s.at === "lb/edge" && s.action === "FORWARDED")!;
    expect(lb.type).to.equal("route");
    expect(lb.reason).to.equal(
      "round-robin picks node-3 (3 of 3): pass-through: the packet keeps the VIP 203.0.113.10:80 and goes to node-3",
    );
    expect(lb.changes ?? []).to.deep.equal([]);
    for (const b of t.branches) {
      expect(nodeChain(b).reason).to.match(new RegExp(`^nat PREROUTING > KUBE-SERVICES > ${EXT} > ${SVC} > KUBE-SEP-`));
      expect(nodeChain(b).before).to.include({ src: "198.51.100.10:40000", dst: "203.0.113.10:80" });
    }
    expect(t.branches.map((b) => b.http!.clientIP)).to.deep.equal(["10.244.0.1", "192.168.10.12", "192.168.10.13"]);
  });

  it("eTP Local: the client IP is kept end to end, through node-1 only; preserveClientIP makes no difference", () => {
    for (const preserveClientIP of [false, true]) {
      const t = variant({ mode: "passthrough", preserveClientIP, etp: "Local" }).curl(URL_);
      expectAllServedAndReplied(t);
      expect(t.branches.map(entryNode)).to.deep.equal(["node-1"]);
      expect(healthActions(t.branches[0]!)).to.deep.equal(LOCAL_HEALTH);
      expect(nodeChain(t.branches[0]!).reason).to.match(
        new RegExp(`^nat PREROUTING > KUBE-SERVICES > ${EXT} > ${SVL} > KUBE-SEP-`),
      );
      expect(t.branches[0]!.http!.clientIP).to.equal("198.51.100.10");
      expect(controllerSource(t.branches[0]!)).to.equal("198.51.100.10");
      // No NAT at the LB, so the reply is un-NATed on node-1 alone and goes straight back.
      const unNat = steps(t.branches[0]!.reply!)
        .filter((s) => s.type === "conntrack")
        .map((s) => `${s.at} ${s.after!.src}`);
      expect(unNat).to.deep.equal(["node-1 203.0.113.10:80"]);
    }
  });
});

describe("curl LB: health checks and algorithms", () => {
  it("a node failing its health check is never chosen, by any algorithm", () => {
    for (const algorithm of ["round-robin", "random", "source-hash"] as const) {
      for (const from of ["client/client", "client/client-b", "client/client-c"]) {
        const t = variant({ mode: "nodeport", preserveClientIP: true, etp: "Local", algorithm }).curl(URL_, { from });
        expect(t.branches.map(entryNode), `${algorithm} from ${from}`).to.deep.equal(["node-1"]);
        expect(steps(t.branches[0]!).filter((s) => /^node-[23]/.test(s.at) && s.segment === 1)).to.deep.equal([]);
      }
    }
  });

  it("no node passing the health check: the LB resets the connection (DROPPED, no reply)", () => {
    const t = variant({ mode: "nodeport", preserveClientIP: true, etp: "Local", replicas: 0 }).curl(URL_);
    expect(t.branches).to.have.length(1);
    const b = t.branches[0]!;
    expect(b.disposition).to.equal("DROPPED");
    expect(b.reason).to.equal("lb/edge has no healthy node");
    expect(b.reply).to.equal(undefined);
    expect(healthActions(b).every((h) => h.startsWith("UNHEALTHY"))).to.equal(true);
    expect(steps(b).at(-1)).to.include({ at: "lb/edge", action: "NO_BACKEND" });
  });

  it("source-hash picks exactly one node per client address, the same every time", () => {
    const expected = { "client/client": "node-1", "client/client-b": "node-3", "client/client-c": "node-2" } as const;
    for (const [from, node] of Object.entries(expected)) {
      const a = variant({ mode: "nodeport", preserveClientIP: false, etp: "Cluster", algorithm: "source-hash" }).curl(
        URL_,
        { from },
      );
      const again = variant({
        mode: "nodeport",
        preserveClientIP: false,
        etp: "Cluster",
        algorithm: "source-hash",
      }).curl(URL_, { from });
      expect(a.branches).to.have.length(1);
      expect(a.branches[0]!.probability).to.equal(1);
      expect(a.branches.map(entryNode)).to.deep.equal([node]);
      expect(JSON.stringify(again)).to.equal(JSON.stringify(a));
      const src = a.request.src;
      expect(a.branches[0]!.choices[0]).to.equal(`source-hash of ${src} picks ${node}`);
      // The documented rule: sha256 of the source address, first 32 bits, modulo the healthy nodes.
      const h = createHash("sha256").update(src).digest().readUInt32BE(0);
      expect(`node-${(h % 3) + 1}`).to.equal(node);
      expectAllServedAndRepliedTo(a, from.slice("client/".length));
    }
  });

  for (const algorithm of ["round-robin", "random"] as const) {
    it(`${algorithm} gives one branch per healthy node, of equal probability, summing to 1`, () => {
      const t = variant({ mode: "nodeport", preserveClientIP: false, etp: "Cluster", algorithm }).curl(URL_);
      expect(t.branches).to.have.length(3);
      expect(new Set(t.branches.map((b) => b.probability)).size).to.equal(1);
      expect(t.branches[0]!.probability).to.be.closeTo(1 / 3, 1e-9);
      expect(sum(t)).to.be.closeTo(1, 1e-9);
      expect(t.branches.map((b) => b.choices[0])).to.deep.equal(
        [1, 2, 3].map((i) => `${algorithm} picks node-${i} (${i} of 3)`),
      );
    });
  }

  it("eTP Local with two controller pods on one node: the LB has one healthy node, kube-proxy's SVL splits over both local pods", () => {
    const t = variant({
      mode: "nodeport",
      preserveClientIP: true,
      etp: "Local",
      algorithm: "random",
      replicas: 2,
    }).curl(URL_);
    // Both replicas are pinned to node-1 by nodeName: still one healthy node, two local endpoints.
    expect(healthActions(t.branches[0]!)).to.deep.equal([
      "HEALTHY node-1: health check http://192.168.10.11:32000/healthz -> 200 (2 local endpoints)",
      ...LOCAL_HEALTH.slice(1),
    ]);
    expect(t.branches.map(entryNode)).to.deep.equal(["node-1", "node-1"]);
    expect(t.branches.map((b) => b.probability)).to.deep.equal([0.5, 0.5]);
    expect(t.branches.map((b) => b.choices.slice(0, 2))).to.deep.equal([
      ["random picks node-1 (1 of 1)", `${SVL} #1 statistic random 0.50000000000 matched`],
      ["random picks node-1 (1 of 1)", `${SVL} #1 statistic random 0.50000000000 did not match`],
    ]);
    expect(new Set(t.branches.map((b) => steps(b).find((s) => CONTROLLER.test(s.at))!.at)).size).to.equal(2);
    expect(t.branches.map((b) => b.http!.clientIP)).to.deep.equal(["198.51.100.10", "198.51.100.10"]);
    expectAllServedAndReplied(t);
  });
});

function expectAllServedAndRepliedTo(t: Trace, client: string) {
  for (const b of t.branches) {
    expect(b.disposition).to.equal("HTTP_RESPONSE");
    expect(b.reply!.disposition).to.equal("DELIVERED");
    expect(b.reply!.reason).to.equal(`reply delivered to client ${client}`);
  }
}
