// The engine a Topology builds for a node (kube-proxy's chains compiled as walks enter them, line
// arrays shared between nodes) behaves exactly like the engine for the same node's iptables-save
// text parsed back: same branches, same rules with the same chain positions, same choices.
import { expect } from "chai";
import { makePrefix, parseIpv4 } from "../lib/model/address.ts";
import type { Cluster, Node } from "../lib/model/cluster.ts";
import { kubeProxyTables } from "../lib/kubeproxy/index.ts";
import { type ChainSource, chainLines, type SourceChain, whole } from "../lib/netfilter/chain-source.ts";
import { NetfilterEngine } from "../lib/netfilter/evaluator.ts";
import { type NodeBranch, walkNode } from "../lib/netfilter/node-walk.ts";
import { parseIptablesSave } from "../lib/netfilter/parser.ts";
import { loadTopologySync, type Topology } from "../lib/topology.ts";
import { hookCtx, pkt, table } from "./fixtures/netfilter/helpers.ts";
import { seeds } from "./support/random.ts";
import { casesFor, localIps, randomClusterYaml } from "./support/random-cluster.ts";
import { formatDiagnostic } from "../lib/model/diagnostic.ts";

/** Configurations that make more of the rules depend on the node. */
const CONFIGS = [
  "",
  "detectLocalMode: NodeCIDR\n",
  "clusterCIDR: 10.244.0.0/16\nnodePortAddresses: [primary]\n",
  "detectLocalMode: InterfaceNamePrefix\nnodePortAddresses: [127.0.0.0/8, 172.16.0.0/12]\niptables: {localhostNodePorts: false}\n",
];

function topology(seed: number, config: string): Topology {
  const yaml = randomClusterYaml(seed);
  const extra =
    config && !yaml.includes("kind: KubeProxyConfiguration")
      ? `---\napiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\n${config}`
      : "";
  return loadTopologySync(yaml + extra);
}

/** Everything a trace shows of a node's branches, with each step's rule position and text. */
function summary(bs: readonly NodeBranch[]): unknown[] {
  return bs.map((b) => ({
    p: b.probability,
    verdict: b.verdict,
    dnat: b.dnat,
    snat: b.snat,
    marks: b.marks,
    rules: b.rules,
    route: b.route,
    hooks: b.hooks,
    choices: b.choices,
    steps: b.steps.map(
      (s) =>
        `${s.hook} ${s.event.kind} ${s.event.rule.table} ${s.event.rule.chain}#${s.event.rule.index} ${s.event.rule.text} => ${s.event.detail}`,
    ),
  }));
}

function engineOf(topo: Topology, node: Node): NetfilterEngine {
  const nf = topo.network.netfilter(node);
  if (!(nf instanceof NetfilterEngine)) throw new Error("no engine");
  return nf;
}

describe("kube-proxy's rules as shared chains", () => {
  seeds(24, 5000).forEach((seed, k) => {
    const config = CONFIGS[k % CONFIGS.length]!;
    it(`seed ${seed}${config ? ` (${config.trim().replace(/\n/g, "; ")})` : ""}: every node walks as its printed, re-parsed text does`, () => {
      const topo = topology(seed, config);
      for (const node of topo.cluster.nodes) {
        const text = new NetfilterEngine(parseIptablesSave(topo.iptablesSave(node.name), `kube-proxy/${node.name}`));
        const shared = engineOf(topo, node);
        for (const c of casesFor(topo.cluster, node)) {
          const opts = { hook: c.hook, localIps: localIps(node), inIface: c.inIface };
          expect(summary(walkNode(shared, c.packet, opts)), `${node.name} ${JSON.stringify(c.packet)}`).to.deep.equal(
            summary(walkNode(text, c.packet, opts)),
          );
        }
        expect(shared.diagnostics.map(formatDiagnostic)).to.deep.equal([]);
      }
    });
  });

  it("looks up every chain it lists, with the same rules, and nothing else", () => {
    for (const [k, seed] of seeds(8, 9000, 104729).entries()) {
      const topo = topology(seed, CONFIGS[k % CONFIGS.length]!);
      for (const node of topo.cluster.nodes) {
        const tables = kubeProxyTables(topo.cluster, node.name);
        for (const table of tables.tables) {
          for (const chain of tables.chains(table)) {
            const found = tables.chain(table, chain.name)!;
            expect(found.policy).to.equal(chain.policy);
            expect(chainLines(found)).to.deep.equal(chainLines(chain));
          }
        }
        expect(tables.chain("nat", "KUBE-SVC-AAAAAAAAAAAAAAAA")).to.equal(undefined);
        expect(tables.chain("mangle", "PREROUTING")).to.equal(undefined);
      }
    }
  });

  it("nodes without local endpoints share KUBE-SERVICES and the Service chains (the same arrays, compiled once)", () => {
    const topo = topology(5000, "");
    const c: Cluster = topo.cluster;
    const [a, b] = c.nodes.map((n) => kubeProxyTables(c, n.name));
    const parts = (t: typeof a, name: string) => t!.chain("nat", name)!.parts.map((p) => p.lines);
    expect(parts(a, "KUBE-SERVICES")[0]).to.equal(parts(b, "KUBE-SERVICES")[0]);
    const svc = a!.chains("nat").find((ch) => ch.name.startsWith("KUBE-SEP-"))!;
    expect(parts(a, svc.name)).to.deep.equal(parts(b, svc.name));
    expect(parts(a, svc.name)[0]).to.equal(parts(b, svc.name)[0]);
  });
});

describe("addresses in rules: the quick reading of canonical a.b.c.d[/len] agrees with the general one", () => {
  const cases = [
    "10.0.0.1",
    "0.0.0.0/0",
    "10.0.0.0/8",
    "10.1.2.3/8",
    "255.255.255.255/32",
    "192.168.1.0/24",
    "10.0.0.0/255.0.0.0",
    "10.0.0.0/08",
  ];
  for (const text of cases) {
    it(text, () => {
      const rule = parseIptablesSave(`*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -s ${text} -j ACCEPT\nCOMMIT\n`)
        .tables.get("filter")!
        .chains.get("INPUT")!.rules[0]!;
      const [ip, len] = text.split("/");
      const length = len === undefined ? 32 : len.includes(".") ? 8 : Number(len);
      expect(rule.header.src!.prefix).to.deep.equal(makePrefix(parseIpv4(ip!)!, length));
    });
  }
  for (const bad of ["10.0.0.256", "10.0.0", "10.0.0.1/33", "1.2.3.4.5", "1.2.3.4/032"]) {
    it(`${bad} makes the rule unreadable`, () => {
      const rs = parseIptablesSave(`*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -s ${bad} -j ACCEPT\nCOMMIT\n`);
      expect(rs.tables.get("filter")!.chains.get("INPUT")!.rules[0]!.unsupported).to.match(
        /is not an IPv4 address or prefix/,
      );
      expect(rs.diagnostics.map((d) => d.code)).to.deep.equal(["iptables-unreadable-rule"]);
    });
  }
});

describe("a ChainSource of shared parts", () => {
  const head = ["-A KUBE-SERVICES -d 10.96.0.1/32 -p tcp -m tcp --dport 80 -j KUBE-SVC-A"];
  const sharedRules = [
    "-A KUBE-SERVICES -d 10.96.0.2/32 -p tcp -m tcp --dport 80 -j KUBE-SVC-B",
    "-A KUBE-SERVICES -d 10.96.0.3/32 -p tcp -m tcp --dport 80 -j KUBE-NOWHERE",
  ];
  const svcB = [
    "-A KUBE-SVC-B -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-1",
    "-A KUBE-SVC-B -j KUBE-SEP-2",
  ];
  const seps = (n: number) => [`-A KUBE-SEP-${n} -p tcp -m tcp -j DNAT --to-destination 10.244.0.${n}:8080`];
  const chains: Record<string, SourceChain> = {
    PREROUTING: { name: "PREROUTING", policy: "ACCEPT", parts: whole(["-A PREROUTING -j KUBE-SERVICES"]) },
    // The shared array's rules sit one further down this chain than in the array.
    "KUBE-SERVICES": { name: "KUBE-SERVICES", policy: null, parts: [...whole(head), ...whole(sharedRules)] },
    // A part that starts inside an array: the statistic rule is rule 1 of this chain, not 2.
    "KUBE-SVC-B": {
      name: "KUBE-SVC-B",
      policy: null,
      parts: [{ lines: ["-A KUBE-SVC-B -j RETURN", ...svcB], start: 1, end: 3 }],
    },
    "KUBE-SEP-1": { name: "KUBE-SEP-1", policy: null, parts: whole(seps(1)) },
    "KUBE-SEP-2": { name: "KUBE-SEP-2", policy: null, parts: whole(seps(2)) },
  };
  const source: ChainSource = {
    file: "shared",
    tables: ["nat"],
    chain: (table, name) => (table === "nat" ? chains[name] : undefined),
  };
  const text = table("nat", [
    ...head,
    ...sharedRules,
    ...svcB,
    ...seps(1),
    ...seps(2),
    "-A PREROUTING -j KUBE-SERVICES",
  ]);
  const run = (nf: NetfilterEngine, dst: string) => nf.runHook("PREROUTING", pkt("10.244.9.9", dst, 80), hookCtx());
  const steps = (bs: ReturnType<typeof run>) =>
    bs.map((b) => ({
      p: b.probability,
      choices: b.choices,
      events: b.events.map((e) => `${e.rule.chain}#${e.rule.index} ${e.rule.text}`),
    }));

  it("numbers rules by their place in the chain, in events and in statistic choices, as the same text parsed does", () => {
    const shared = new NetfilterEngine(source);
    const parsed = new NetfilterEngine(parseIptablesSave(text));
    expect(steps(run(shared, "10.96.0.2"))).to.deep.equal(steps(run(parsed, "10.96.0.2")));
    expect(steps(run(shared, "10.96.0.2"))[0]!.events[1]).to.equal(
      "KUBE-SERVICES#2 -A KUBE-SERVICES -d 10.96.0.2/32 -p tcp -m tcp --dport 80 -j KUBE-SVC-B",
    );
    expect(steps(run(shared, "10.96.0.2"))[0]!.choices[0]).to.match(/^KUBE-SVC-B #1 statistic /);
  });

  it("a jump to a chain the source does not have never matches, with a warning", () => {
    const shared = new NetfilterEngine(source);
    const bs = run(shared, "10.96.0.3");
    expect(bs.map((b) => b.verdict)).to.deep.equal(["ACCEPT"]);
    expect(bs[0]!.events.map((e) => e.kind)).to.deep.equal(["jump", "policy"]);
    expect(shared.diagnostics.map(formatDiagnostic)).to.deep.equal([
      "shared: nat KUBE-SERVICES rule 3: warning[iptables-missing-chain]: cannot interpret -j KUBE-NOWHERE (no chain KUBE-NOWHERE in table nat); the rule is treated as not matching",
    ]);
  });
});
