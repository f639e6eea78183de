// Issue 3: kube-proxy's rules, generated, printed as iptables-save, parsed back and evaluated, give
// the outcomes the model says kube-proxy should give. Random small clusters from seeded PRNGs,
// written as YAML a user could write; the expectations below are computed from the model (pods,
// Services, nodes) with kube-proxy's documented semantics and never call lib/kubeproxy. (That the
// indexed walk gives what the linear one does is spec/netfilter-index.spec.ts's question.)
import { expect } from "chai";
import { formatIpv4, type Ipv4, prefixContains } from "../lib/model/address.ts";
import type { Cluster, Service, ServicePort } from "../lib/model/cluster.ts";
import { type NodeBranch, walkNode } from "../lib/netfilter/node-walk.ts";
import { parseIptablesSave } from "../lib/netfilter/parser.ts";
import type { Ruleset } from "../lib/model/ruleset.ts";
import { loadTopologySync } from "../lib/topology.ts";
import { seeds } from "./support/random.ts";
import { type Case, casesFor, localIps, randomClusterYaml } from "./support/random-cluster.ts";

// ---------------------------------------------------------------------------------------------
// What kube-proxy should do, from the model alone

interface ModelEndpoint {
  ip: Ipv4;
  port: number;
  node: string;
  ready: boolean;
  serving: boolean;
  terminating: boolean;
}

/** The EndpointSlice controller and kube-proxy's endpoint cache, recomputed from pods. */
function modelEndpoints(cluster: Cluster, svc: Service, sp: ServicePort): ModelEndpoint[] {
  const sel = svc.selector ?? {};
  // The API server writes its own endpoints: here the first node's address (none is labelled
  // control-plane) on 6443, with no node name, as kube-apiserver leaves it.
  if (svc.namespace === "default" && svc.name === "kubernetes")
    return [{ ip: cluster.nodes[0]!.ip, port: 6443, node: "", ready: true, serving: true, terminating: false }];
  if (Object.keys(sel).length === 0) return [];
  const out: ModelEndpoint[] = [];
  for (const p of cluster.pods) {
    if (p.namespace !== svc.namespace || !Object.entries(sel).every(([k, v]) => p.labels[k] === v)) continue;
    const port =
      typeof sp.targetPort === "number"
        ? sp.targetPort
        : p.ports.find((c) => c.name === sp.targetPort && c.protocol === sp.protocol)?.containerPort;
    if (port === undefined) continue;
    out.push({
      ip: p.ip,
      port,
      node: p.node,
      ready: p.ready && !p.terminating,
      serving: p.ready,
      terminating: p.terminating,
    });
  }
  return out;
}

/** Ready endpoints; with none, the serving-and-terminating ones (KEP-1669 fallback). */
function usable(eps: readonly ModelEndpoint[]): ModelEndpoint[] {
  const ready = eps.filter((e) => e.ready);
  return ready.length > 0 ? ready : eps.filter((e) => e.serving && e.terminating);
}

interface Outcome {
  verdict: "ACCEPT" | "DROP" | "REJECT";
  dnat: string | null;
  masquerade: boolean;
  probability: number;
}

function spread(targets: readonly ModelEndpoint[], masq: (e: ModelEndpoint) => boolean): Outcome[] {
  return targets.map((e) => ({
    verdict: "ACCEPT",
    dnat: `${formatIpv4(e.ip)}:${e.port}`,
    masquerade: masq(e),
    probability: 1 / targets.length,
  }));
}

function expected(cluster: Cluster, c: Case): Outcome[] {
  const { svc, sp, node, source } = c;
  const all = modelEndpoints(cluster, svc, sp);
  const clusterEps = usable(all);
  const localEps = usable(all.filter((e) => e.node === node.name));
  const anyEndpoints = clusterEps.length > 0;
  const none = (v: "DROP" | "REJECT"): Outcome[] => [{ verdict: v, dnat: null, masquerade: false, probability: 1 }];
  // detect-local-mode ClusterCIDR: "pod traffic" is traffic from kube-proxy's clusterCIDR, if it has one.
  const detector = cluster.kubeProxy.clusterCidr;
  const fromPod = detector !== undefined && prefixContains(detector, source.ip);
  const hairpin = (e: ModelEndpoint) => e.ip === source.ip;

  if (c.target === "clusterIP") {
    const targets = svc.internalTrafficPolicy === "Local" ? localEps : clusterEps;
    if (targets.length === 0) return none(anyEndpoints ? "DROP" : "REJECT");
    const masq = cluster.kubeProxy.masqueradeAll || (detector !== undefined && !fromPod);
    // DNATed to the node's own address (the API server), a packet that came in goes up to INPUT
    // and never passes POSTROUTING, where the masquerade would be.
    const toSelf = (e: ModelEndpoint) => c.hook === "prerouting" && e.ip === node.ip;
    return spread(targets, (e) => (masq || hairpin(e)) && !toSelf(e));
  }
  if (!anyEndpoints) return none("REJECT");
  if (
    c.target === "loadBalancer" &&
    svc.loadBalancerSourceRanges.length > 0 &&
    !svc.loadBalancerSourceRanges.some((p) => prefixContains(p, source.ip))
  ) {
    return none("DROP");
  }
  if (svc.externalTrafficPolicy === "Cluster") return spread(clusterEps, () => true);
  // externalTrafficPolicy Local: pods and the node itself still reach every endpoint...
  if (fromPod) return spread(clusterEps, hairpin);
  if (source.kind === "node") return spread(clusterEps, () => true);
  // ...and outside clients only this node's, keeping their address.
  if (localEps.length === 0) return none("DROP");
  return spread(localEps, hairpin);
}

// ---------------------------------------------------------------------------------------------
// Packets and comparison

function walk(rs: Ruleset, c: Case): NodeBranch[] {
  return walkNode(rs, c.packet, { hook: c.hook, localIps: localIps(c.node), inIface: c.inIface });
}

/** Actual branches folded into outcomes (same verdict, DNAT and masquerade: probabilities add up). */
function outcomes(branches: readonly NodeBranch[]): Outcome[] {
  const byKey = new Map<string, Outcome>();
  for (const b of branches) {
    const key = `${b.verdict} ${b.dnat} ${b.masquerade}`;
    const o = byKey.get(key);
    if (o) o.probability += b.probability;
    else byKey.set(key, { verdict: b.verdict, dnat: b.dnat, masquerade: b.masquerade, probability: b.probability });
  }
  return [...byKey.values()];
}

const keyOf = (o: Outcome) => `${o.verdict} ${o.dnat ?? "-"}${o.masquerade ? " masquerade" : ""}`;

/** Differences between expected and actual outcomes, as readable lines; empty when they agree. */
function compareOutcomes(want: readonly Outcome[], got: readonly Outcome[]): string[] {
  const problems: string[] = [];
  const w = new Map(want.map((o) => [keyOf(o), o.probability]));
  const g = new Map(got.map((o) => [keyOf(o), o.probability]));
  for (const [k, p] of w) {
    const q = g.get(k);
    if (q === undefined) problems.push(`missing ${k} (p=${p})`);
    else if (Math.abs(p - q) > 1e-9) problems.push(`${k}: probability ${q}, expected ${p}`);
  }
  for (const [k, q] of g) if (!w.has(k)) problems.push(`unexpected ${k} (p=${q})`);
  const total = got.reduce((a, o) => a + o.probability, 0);
  if (Math.abs(total - 1) > 1e-9) problems.push(`branch probabilities sum to ${total}`);
  return problems;
}

function describeCase(seed: number, c: Case): string {
  const p = c.packet;
  return (
    `seed ${seed}, Service ${c.svc.namespace}/${c.svc.name} (${c.svc.type}, eTP ${c.svc.externalTrafficPolicy}, iTP ${c.svc.internalTrafficPolicy}` +
    `${c.svc.loadBalancerSourceRanges.length ? `, ranges ${c.svc.loadBalancerSourceRanges.map((r) => r.text).join(",")}` : ""}) port ${c.sp.name || "-"}/${c.sp.protocol} ${c.sp.port}->${c.sp.targetPort}` +
    `, node ${c.node.name}, ${c.target} from ${c.source.kind}, ${c.hook} ${p.proto} ${formatIpv4(p.src)}:${p.sport} -> ${formatIpv4(p.dst)}:${p.dport}`
  );
}

// ---------------------------------------------------------------------------------------------

const SEEDS = seeds(80, 1000);

describe("kube-proxy round trip: generated, printed, re-parsed and evaluated rules match the model", () => {
  const totals = {
    clusters: 0,
    nodes: 0,
    packets: 0,
    dnat: 0,
    drop: 0,
    reject: 0,
    masq: 0,
    hairpin: 0,
    lbDropped: 0,
    localOnly: 0,
    terminatingFallback: 0,
  };

  for (const seed of SEEDS) {
    it(`seed ${seed}`, () => {
      const topo = loadTopologySync(randomClusterYaml(seed));
      const cluster = topo.cluster;
      totals.clusters++;
      const failures: string[] = [];
      for (const node of cluster.nodes) {
        totals.nodes++;
        const rs = parseIptablesSave(topo.iptablesSave(node.name), `kube-proxy/${node.name}`);
        expect(rs.diagnostics, `seed ${seed} node ${node.name}: parser warnings`).to.deep.equal([]);
        for (const c of casesFor(cluster, node)) {
          totals.packets++;
          const want = expected(cluster, c);
          const problems = compareOutcomes(want, outcomes(walk(rs, c)));
          if (problems.length > 0) failures.push(`${describeCase(seed, c)}\n    ${problems.join("\n    ")}`);
          for (const o of want) {
            if (o.verdict === "DROP") totals.drop++;
            else if (o.verdict === "REJECT") totals.reject++;
            else totals.dnat++;
            if (o.masquerade) totals.masq++;
            if (o.dnat && c.source.kind === "pod" && o.dnat.startsWith(`${formatIpv4(c.source.ip)}:`)) totals.hairpin++;
          }
          if (c.target === "loadBalancer" && want[0]!.verdict === "DROP") totals.lbDropped++;
          if (c.source.kind === "outside" && c.svc.externalTrafficPolicy === "Local" && want[0]!.verdict === "ACCEPT")
            totals.localOnly++;
          const eps = modelEndpoints(cluster, c.svc, c.sp);
          if (!eps.some((e) => e.ready) && eps.some((e) => e.serving && e.terminating)) totals.terminatingFallback++;
        }
      }
      expect(failures, `${failures.length} mismatches:\n${failures.slice(0, 10).join("\n")}`).to.deep.equal([]);
    });
  }

  after(() => {
    // Not an assertion: a record of what was covered, printed once.
    if (process.env.ROUNDTRIP_STATS) console.log(`      round trip coverage: ${JSON.stringify(totals)}`);
  });

  it("covers every kind of outcome across the seeds (so the comparisons above are not vacuous)", () => {
    expect(totals.clusters).to.equal(SEEDS.length);
    expect(totals.packets).to.be.greaterThan(2000);
    for (const k of [
      "dnat",
      "drop",
      "reject",
      "masq",
      "hairpin",
      "lbDropped",
      "localOnly",
      "terminatingFallback",
    ] as const) {
      expect(totals[k], k).to.be.greaterThan(0);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// The comparison itself must be able to fail: corrupt the printed rules and it must notice.

describe("kube-proxy round trip: the comparison catches corrupted rules", () => {
  /** Every case of the first node whose rules `mutate` changes, evaluated against the changed text. */
  function mismatchesAfter(mutate: (text: string) => string): { changed: boolean; mismatches: string[] } {
    const mismatches: string[] = [];
    for (const seed of SEEDS) {
      const topo = loadTopologySync(randomClusterYaml(seed));
      for (const node of topo.cluster.nodes) {
        const text = topo.iptablesSave(node.name);
        const bad = mutate(text);
        if (bad === text) continue;
        const rs = parseIptablesSave(bad, "corrupted");
        for (const c of casesFor(topo.cluster, node)) {
          const problems = compareOutcomes(expected(topo.cluster, c), outcomes(walk(rs, c)));
          if (problems.length > 0) mismatches.push(`${describeCase(seed, c)}: ${problems.join("; ")}`);
        }
        return { changed: true, mismatches };
      }
    }
    return { changed: false, mismatches };
  }

  it("one DNAT port off by one", () => {
    const r = mismatchesAfter((t) =>
      t.replace(/(-j DNAT --to-destination [\d.]+:)(\d+)/, (_, a: string, p: string) => `${a}${Number(p) + 1}`),
    );
    expect(r.changed).to.equal(true);
    expect(r.mismatches.join("\n")).to.match(/missing ACCEPT [\d.]+:\d+/);
    expect(r.mismatches.join("\n")).to.match(/unexpected ACCEPT [\d.]+:\d+/);
  });

  it("a statistic probability of 1/2 where 1/3 was due", () => {
    const r = mismatchesAfter((t) => t.replace("--probability 0.33333333349", "--probability 0.50000000000"));
    expect(r.changed).to.equal(true);
    expect(r.mismatches.join("\n"), r.mismatches.join("\n")).to.match(/: probability 0\.[0-9]+, expected 0\.[0-9]+/);
  });

  it("the masquerade mark left out of an external chain", () => {
    const r = mismatchesAfter((t) =>
      t.replace(/^-A KUBE-EXT-\S+ -m comment --comment "masquerade traffic for [^"]+" -j KUBE-MARK-MASQ\n/m, ""),
    );
    expect(r.changed).to.equal(true);
    expect(r.mismatches.join("\n")).to.match(/missing ACCEPT [\d.]+:\d+ masquerade/);
  });

  it("a no-endpoints REJECT turned into ACCEPT", () => {
    const r = mismatchesAfter((t) =>
      t.replace(/(has no endpoints" .*)-j REJECT --reject-with icmp-port-unreachable/, "$1-j ACCEPT"),
    );
    expect(r.changed).to.equal(true);
    expect(r.mismatches.join("\n")).to.match(/missing REJECT -/);
  });
});
