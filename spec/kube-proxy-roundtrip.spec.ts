// Issue 3: kube-proxy's rules, generated, printed as iptables-save, parsed back and evaluated, give
// the outcomes the model says kube-proxy should give. Random small clusters from seeded PRNGs,
// written as YAML a user could write; the expectations below are computed from the model (pods,
// Services, nodes) with kube-proxy's documented semantics and never call lib/kubeproxy.
import { expect } from "chai";
import { formatIpv4, type Ipv4, parseIpv4, prefixContains } from "../lib/model/address.ts";
import type { Cluster, Node, Pod, Service, ServicePort } from "../lib/model/cluster.ts";
import type { Packet } from "../lib/dataplane/packet.ts";
import { type NodeBranch, walkNode } from "../lib/netfilter/node-walk.ts";
import { parseIptablesSave } from "../lib/netfilter/parser.ts";
import type { Ruleset } from "../lib/netfilter/ruleset.ts";
import { loadTopologySync } from "../lib/topology.ts";

// ---------------------------------------------------------------------------------------------
// Seeded randomness

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Rng {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)]!;
  }
}

// ---------------------------------------------------------------------------------------------
// Random clusters as YAML

const APPS = ["a", "b", "c", "d"];
const OUTSIDE = "100.64.7.9"; // never inside any loadBalancerSourceRanges written below
const RANGES = ["203.0.113.0/24", "198.51.100.0/25", "192.0.2.128/26"];
const IN_RANGE: Record<string, string> = { "203.0.113.0/24": "203.0.113.77", "198.51.100.0/25": "198.51.100.20", "192.0.2.128/26": "192.0.2.130" };

export function randomClusterYaml(seed: number): string {
  const r = new Rng(seed);
  const nodes = r.int(2, 4);
  const docs: string[] = [];
  // kube-proxy's own defaults, or a KubeProxyConfiguration that may leave clusterCIDR out (then
  // detect-local has no CIDR: no pod short-circuit, no "! -s clusterCIDR" masquerade).
  const config = r.chance(0.3) ? { masqueradeAll: r.chance(0.5), clusterCIDR: r.chance(0.5) } : undefined;
  docs.push(`apiVersion: kubehop.io/v1alpha1
kind: Topology
metadata: {name: roundtrip-${seed}}
spec:
  nodes:
${Array.from({ length: nodes }, (_, i) => `    - {name: node-${i + 1}, ip: 192.168.10.${11 + i}}`).join("\n")}
`);
  if (config) {
    docs.push(`apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nmasqueradeAll: ${config.masqueradeAll}\n${config.clusterCIDR ? "clusterCIDR: 10.244.0.0/16\n" : ""}`);
  }
  const podCount = r.int(1, 9);
  for (let i = 0; i < podCount; i++) {
    const app = r.pick(APPS);
    const tier = r.pick(["x", "y"]);
    const ports: string[] = [];
    // Named ports are declared on some pods only, so a named targetPort resolves on some of them.
    if (r.chance(0.7)) ports.push(`{name: http, containerPort: ${r.pick([8080, 8081])}}`);
    if (r.chance(0.5)) ports.push(`{name: dns, containerPort: 5353, protocol: UDP}`);
    if (r.chance(0.3)) ports.push(`{containerPort: 9000}`);
    if (ports.length === 0) ports.push(`{containerPort: 8080}`);
    const terminating = r.chance(0.15) ? `, deletionTimestamp: "2026-01-01T00:00:00Z"` : "";
    const notReady = r.chance(0.15) ? `\nstatus: {phase: Running, conditions: [{type: Ready, status: "False"}]}` : "";
    docs.push(`apiVersion: v1
kind: Pod
metadata: {name: p${i}, namespace: default, labels: {app: ${app}, tier: ${tier}}${terminating}}
spec:
  nodeName: node-${r.int(1, nodes)}
  containers: [{name: c, ports: [${ports.join(", ")}]}]${notReady}
`);
  }
  const serviceCount = r.int(1, 6);
  let lb = 10;
  for (let i = 0; i < serviceCount; i++) {
    const type = r.pick(["ClusterIP", "NodePort", "LoadBalancer"] as const);
    const selector = r.chance(0.15) ? `{app: nobody}` : r.chance(0.3) ? `{app: ${r.pick(APPS)}, tier: ${r.pick(["x", "y"])}}` : `{app: ${r.pick(APPS)}}`;
    const ports: string[] = [];
    const portCount = r.int(1, 2);
    const candidates = [
      `{name: web, port: 80, targetPort: http}`,
      `{name: web, port: 80, targetPort: 8080}`,
      `{name: alt, port: 8443, targetPort: 9000}`,
      `{name: dns, port: 53, protocol: UDP, targetPort: dns}`,
      `{name: raw, port: 9000}`,
    ];
    const names = new Set<string>();
    while (ports.length < portCount) {
      const c = r.pick(candidates);
      const name = /name: (\w+)/.exec(c)![1]!;
      if (names.has(name)) continue;
      names.add(name);
      ports.push(c);
    }
    const spec = [`  type: ${type}`, `  selector: ${selector}`, `  ports: [${ports.join(", ")}]`];
    if (type !== "ClusterIP" && r.chance(0.5)) spec.push(`  externalTrafficPolicy: Local`);
    if (r.chance(0.25)) spec.push(`  internalTrafficPolicy: Local`);
    if (r.chance(0.15)) spec.push(`  sessionAffinity: ClientIP`);
    let status = "";
    if (type === "LoadBalancer") {
      if (r.chance(0.5)) spec.push(`  loadBalancerSourceRanges: [${r.pick(RANGES)}${r.chance(0.3) ? `, ${r.pick(RANGES)}` : ""}]`);
      status = `status:\n  loadBalancer: {ingress: [{ip: 203.0.113.${lb++}}]}\n`;
    }
    docs.push(`apiVersion: v1
kind: Service
metadata: {name: s${i}, namespace: default}
spec:
${spec.join("\n")}
${status}`);
  }
  return docs.join("---\n");
}

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
  if (Object.keys(sel).length === 0) return [];
  const out: ModelEndpoint[] = [];
  for (const p of cluster.pods) {
    if (p.namespace !== svc.namespace || !Object.entries(sel).every(([k, v]) => p.labels[k] === v)) continue;
    const port = typeof sp.targetPort === "number" ? sp.targetPort : p.ports.find((c) => c.name === sp.targetPort && c.protocol === sp.protocol)?.containerPort;
    if (port === undefined) continue;
    out.push({ ip: p.ip, port, node: p.node, ready: p.ready && !p.terminating, serving: p.ready, terminating: p.terminating });
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

type Source = { kind: "pod"; ip: Ipv4 } | { kind: "node"; ip: Ipv4 } | { kind: "outside"; ip: Ipv4 };
type Target = "clusterIP" | "nodePort" | "loadBalancer";

interface Case {
  svc: Service;
  sp: ServicePort;
  node: Node;
  target: Target;
  source: Source;
  packet: Packet;
  hook: "prerouting" | "output";
  inIface: string;
}

function spread(targets: readonly ModelEndpoint[], masq: (e: ModelEndpoint) => boolean): Outcome[] {
  return targets.map((e) => ({ verdict: "ACCEPT", dnat: `${formatIpv4(e.ip)}:${e.port}`, masquerade: masq(e), probability: 1 / targets.length }));
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
    return spread(targets, (e) => masq || hairpin(e));
  }
  if (!anyEndpoints) return none("REJECT");
  if (c.target === "loadBalancer" && svc.loadBalancerSourceRanges.length > 0 && !svc.loadBalancerSourceRanges.some((p) => prefixContains(p, source.ip))) {
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

const ip = (s: string) => parseIpv4(s)!;

function packet(proto: "tcp" | "udp", src: Ipv4, dst: Ipv4, dport: number): Packet {
  return { proto, src, sport: 40000, dst, dport, size: 100, ttl: 64, df: true, mark: 0 };
}

function localIps(node: Node): Ipv4[] {
  const ips = [node.ip, node.bridgeIp];
  if (node.wireguard.address !== undefined) ips.push(node.wireguard.address);
  return [...new Set(ips)];
}

export function casesFor(cluster: Cluster, node: Node): Case[] {
  const out: Case[] = [];
  const podsHere = cluster.pods.filter((p: Pod) => p.node === node.name).slice(0, 2);
  for (const svc of cluster.services) {
    if (svc.clusterIPs.length === 0) continue;
    for (const sp of svc.ports) {
      const proto = sp.protocol === "UDP" ? "udp" : "tcp";
      const add = (target: Target, source: Source, dst: Ipv4, dport: number) => {
        const hook = source.kind === "node" ? "output" : "prerouting";
        const inIface = source.kind === "pod" ? "bridge0" : "eth0";
        out.push({ svc, sp, node, target, source, packet: packet(proto, source.ip, dst, dport), hook, inIface });
      };
      const sources: Source[] = [...podsHere.map((p): Source => ({ kind: "pod", ip: p.ip })), { kind: "node", ip: node.ip }];
      for (const s of sources) add("clusterIP", s, svc.clusterIPs[0]!, sp.port);
      if (sp.nodePort !== undefined) {
        add("nodePort", { kind: "outside", ip: ip(OUTSIDE) }, node.ip, sp.nodePort);
        for (const s of sources) add("nodePort", s, node.ip, sp.nodePort);
      }
      for (const lbIp of svc.loadBalancerIngress) {
        add("loadBalancer", { kind: "outside", ip: ip(OUTSIDE) }, lbIp, sp.port);
        for (const range of svc.loadBalancerSourceRanges) add("loadBalancer", { kind: "outside", ip: ip(IN_RANGE[range.text]!) }, lbIp, sp.port);
        for (const p of podsHere) add("loadBalancer", { kind: "pod", ip: p.ip }, lbIp, sp.port);
      }
    }
  }
  return out;
}

function walk(rs: Ruleset, c: Case, indexed: boolean): NodeBranch[] {
  return walkNode(rs, c.packet, { hook: c.hook, localIps: localIps(c.node), inIface: c.inIface, indexed });
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
export function compareOutcomes(want: readonly Outcome[], got: readonly Outcome[]): string[] {
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

/** The same branches, field for field, from two engines. */
function branchSummary(bs: readonly NodeBranch[]): unknown[] {
  return bs.map((b) => ({ p: b.probability, verdict: b.verdict, rejectWith: b.rejectWith, dnat: b.dnat, snat: b.snat, marks: b.marks, rules: b.rules, hooks: b.hooks, route: b.route, choices: b.choices }));
}

// ---------------------------------------------------------------------------------------------

const SEEDS = Array.from({ length: 80 }, (_, i) => 1000 + i * 7919);

describe("kube-proxy round trip: generated, printed, re-parsed and evaluated rules match the model", () => {
  const totals = { clusters: 0, nodes: 0, packets: 0, dnat: 0, drop: 0, reject: 0, masq: 0, hairpin: 0, lbDropped: 0, localOnly: 0, terminatingFallback: 0 };

  for (const seed of SEEDS) {
    it(`seed ${seed}`, () => {
      const topo = loadTopologySync(randomClusterYaml(seed));
      const cluster = topo.cluster;
      totals.clusters++;
      const failures: string[] = [];
      for (const node of cluster.nodes) {
        totals.nodes++;
        const rs = parseIptablesSave(topo.iptablesSave(node.name), `kube-proxy/${node.name}`);
        expect(rs.warnings, `seed ${seed} node ${node.name}: parser warnings`).to.deep.equal([]);
        for (const c of casesFor(cluster, node)) {
          totals.packets++;
          const indexed = walk(rs, c, true);
          const linear = walk(rs, c, false);
          const want = expected(cluster, c);
          const problems = compareOutcomes(want, outcomes(indexed));
          if (problems.length > 0) failures.push(`${describeCase(seed, c)}\n    ${problems.join("\n    ")}`);
          try {
            expect(branchSummary(linear)).to.deep.equal(branchSummary(indexed));
          } catch (e) {
            failures.push(`${describeCase(seed, c)}\n    indexed and linear engines differ: ${(e as Error).message}`);
          }
          for (const o of want) {
            if (o.verdict === "DROP") totals.drop++;
            else if (o.verdict === "REJECT") totals.reject++;
            else totals.dnat++;
            if (o.masquerade) totals.masq++;
            if (o.dnat && c.source.kind === "pod" && o.dnat.startsWith(`${formatIpv4(c.source.ip)}:`)) totals.hairpin++;
          }
          if (c.target === "loadBalancer" && want[0]!.verdict === "DROP") totals.lbDropped++;
          if (c.source.kind === "outside" && c.svc.externalTrafficPolicy === "Local" && want[0]!.verdict === "ACCEPT") totals.localOnly++;
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
    for (const k of ["dnat", "drop", "reject", "masq", "hairpin", "lbDropped", "localOnly", "terminatingFallback"] as const) {
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
          const problems = compareOutcomes(expected(topo.cluster, c), outcomes(walk(rs, c, true)));
          if (problems.length > 0) mismatches.push(`${describeCase(seed, c)}: ${problems.join("; ")}`);
        }
        return { changed: true, mismatches };
      }
    }
    return { changed: false, mismatches };
  }

  it("one DNAT port off by one", () => {
    const r = mismatchesAfter((t) => t.replace(/(-j DNAT --to-destination [\d.]+:)(\d+)/, (_, a: string, p: string) => `${a}${Number(p) + 1}`));
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
    const r = mismatchesAfter((t) => t.replace(/^-A KUBE-EXT-\S+ -m comment --comment "masquerade traffic for [^"]+" -j KUBE-MARK-MASQ\n/m, ""));
    expect(r.changed).to.equal(true);
    expect(r.mismatches.join("\n")).to.match(/missing ACCEPT [\d.]+:\d+ masquerade/);
  });

  it("a no-endpoints REJECT turned into ACCEPT", () => {
    const r = mismatchesAfter((t) => t.replace(/(has no endpoints" .*)-j REJECT --reject-with icmp-port-unreachable/, "$1-j ACCEPT"));
    expect(r.changed).to.equal(true);
    expect(r.mismatches.join("\n")).to.match(/missing REJECT -/);
  });

  it("the indexed/linear comparison is sensitive to a single differing field", () => {
    const topo = loadTopologySync(randomClusterYaml(SEEDS[0]!));
    const node = topo.cluster.nodes[0]!;
    const rs = parseIptablesSave(topo.iptablesSave(node.name));
    const c = casesFor(topo.cluster, node)[0]!;
    const a = branchSummary(walk(rs, c, true)) as Array<Record<string, unknown>>;
    const b = structuredClone(a);
    b[0]!.p = (b[0]!.p as number) + 1e-12;
    expect(() => expect(b).to.deep.equal(a)).to.throw();
  });
});
