// drift's iptables comparison: the derived side is read from kube-proxy's data (which Service ports it
// programs on a node, which endpoints get a KUBE-SEP chain there), never from its printed rules; the
// dumped side from the node dump's parsed ruleset. Both must say what kube-proxy's rules say.
import { expect } from "chai";
import { compareNode } from "../lib/drift/compare.ts";
import { kubeProxyRules, programmedServicePorts } from "../lib/kubeproxy/index.ts";
import { formatIpv4 } from "../lib/model/address.ts";
import type { Cluster, Node } from "../lib/model/cluster.ts";
import type { Rule, Ruleset } from "../lib/model/ruleset.ts";
import { parseIptablesSave } from "../lib/netfilter/parser.ts";
import { loadTopologySync } from "../lib/topology.ts";
import { randomClusterYaml } from "./support/random-cluster.ts";

const SEEDS = Array.from({ length: 40 }, (_, i) => 7000 + i);

/** What kube-proxy's printed rules say, read the way an operator reads them: by their comments. */
function byComments(rs: Ruleset): { services: string[]; dnats: string[] } {
  const comment = (r: Rule) => r.matches.find((m) => m.kind === "comment")?.text;
  const services = new Set<string>();
  for (const r of rs.tables.get("nat")?.chains.get("KUBE-SERVICES")?.rules ?? []) {
    const c = comment(r);
    if (c && !c.startsWith("kubernetes ") && r.target.kind === "jump") services.add(c.split(" ")[0]!);
  }
  for (const r of rs.tables.get("filter")?.chains.get("KUBE-SERVICES")?.rules ?? []) {
    const c = comment(r);
    if (c?.endsWith(" has no endpoints")) services.add(c.split(" ")[0]!);
  }
  // A port with no rules in KUBE-SERVICES may keep KUBE-SEP chains (Local policies elsewhere); drift
  // compares endpoints only of ports both sides program.
  const dnats = new Set<string>();
  for (const chain of rs.tables.get("nat")?.chains.values() ?? []) {
    if (!chain.name.startsWith("KUBE-SEP-")) continue;
    for (const r of chain.rules) {
      const port = comment(r)!;
      if (r.target.kind === "dnat" && services.has(port))
        dnats.add(`${port} ${formatIpv4(r.target.ip)}:${r.target.port}`);
    }
  }
  return { services: [...services].sort(), dnats: [...dnats].sort() };
}

function fromData(cluster: Cluster, node: Node): { services: string[]; dnats: string[] } {
  const ports = programmedServicePorts(cluster, node.name);
  return {
    services: [...new Set(ports.map((p) => p.name))].sort(),
    dnats: [...new Set(ports.flatMap((p) => p.endpoints.map((ep) => `${p.name} ${ep.hostPort}`)))].sort(),
  };
}

/** The cluster with every node's dump holding exactly kube-proxy's rules for it. */
function dumpedAsDerived(cluster: Cluster): Cluster {
  const dumps = cluster.nodes.map((n) => {
    const iptablesSave = parseIptablesSave(kubeProxyRules(cluster, n.name), `nodes/${n.name}/iptables-save.txt`);
    return [n.name, { node: n.name, iptablesSave }] as const;
  });
  return { ...cluster, nodeDumps: new Map(dumps) };
}

describe("drift's iptables comparison", () => {
  let random: { seed: number; cluster: Cluster }[];
  before(() => {
    random = SEEDS.map((seed) => ({ seed, cluster: loadTopologySync(randomClusterYaml(seed)).cluster }));
  });

  it("kube-proxy's data names the Service ports and DNAT targets its printed rules hold, on every node of 40 random clusters", () => {
    let services = 0;
    let dnats = 0;
    for (const { seed, cluster } of random) {
      for (const node of cluster.nodes) {
        const printed = byComments(parseIptablesSave(kubeProxyRules(cluster, node.name)));
        expect(fromData(cluster, node), `seed ${seed} ${node.name}`).to.deep.equal(printed);
        services += printed.services.length;
        dnats += printed.dnats.length;
      }
    }
    // The clusters must exercise both halves, not agree on nothing.
    expect(services).to.be.greaterThan(100);
    expect(dnats).to.be.greaterThan(100);
  });

  it("a dump holding exactly kube-proxy's rules is no drift, on every node of 40 random clusters", () => {
    for (const { seed, cluster: derived } of random) {
      const cluster = dumpedAsDerived(derived);
      for (const node of cluster.nodes) {
        const { differences } = compareNode(cluster, node, cluster.nodeDumps.get(node.name)!);
        expect(differences, `seed ${seed} ${node.name}`).to.deep.equal([]);
      }
    }
  });

  describe("above 1,000 endpoints, where kube-proxy leaves the comments off its KUBE-SEP rules", () => {
    let cluster: Cluster;
    before(() => {
      cluster = dumpedAsDerived(loadTopologySync(LARGE).cluster);
    });

    it("the dump's KUBE-SEP chains are told apart by the Service port whose rules jump to them: no drift", () => {
      const seps = [...cluster.nodeDumps.get("node-1")!.iptablesSave!.tables.get("nat")!.chains.values()].filter((c) =>
        c.name.startsWith("KUBE-SEP-"),
      );
      // 1,001 for the two Services' pods, and the API server's for default/kubernetes.
      expect(seps).to.have.length(1002);
      expect(seps.every((c) => c.rules.every((r) => r.matches.every((m) => m.kind !== "comment")))).to.equal(true);
      const { differences } = compareNode(cluster, cluster.nodes[0]!, cluster.nodeDumps.get("node-1")!);
      expect(differences).to.deep.equal([]);
    });

    it("a stale KUBE-SEP left in such a dump is still named, with its line", () => {
      const n1 = cluster.nodes[0]!;
      const text = kubeProxyRules(cluster, "node-1");
      const sep = /^-A (KUBE-SEP-\w+) -p tcp -m tcp -j DNAT --to-destination (\S+)$/m.exec(text)!;
      const stale = text.replace(sep[0], sep[0].replace(sep[2]!, "10.244.9.9:8080"));
      const dump = { node: "node-1", iptablesSave: parseIptablesSave(stale, "iptables-save.txt") };
      const { differences } = compareNode(cluster, n1, dump);
      const line = stale.split("\n").indexOf(sep[0].replace(sep[2]!, "10.244.9.9:8080")) + 1;
      expect(differences.map((d) => `${d.kind} ${d.at ?? ""}`)).to.deep.equal([
        `stale-endpoint iptables-save.txt:${line}`,
        "missing-endpoint ",
      ]);
      expect(differences[0]!.text).to.equal(
        "default/big:http DNATs to 10.244.9.9:8080 (KUBE-SEP), which is not an endpoint of it (no pod has that address): a stale kube-proxy",
      );
      expect(differences[1]!.text).to.match(/^default\/big:http does not DNAT to \S+ \(pod default\/big-/);
    });
  });
});

const LARGE = `apiVersion: kubehop.io/v1alpha1
kind: Topology
metadata: {name: large}
spec:
  nodeCIDRMaskSize: 20
  nodes: [{name: node-1, ip: 192.168.10.11}, {name: node-2, ip: 192.168.10.12}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: big, namespace: default}
spec:
  replicas: 1001
  selector: {matchLabels: {app: big}}
  template:
    metadata: {labels: {app: big}}
    spec:
      containers: [{name: c, ports: [{name: http, containerPort: 8080}]}]
---
apiVersion: v1
kind: Service
metadata: {name: big, namespace: default}
spec:
  selector: {app: big}
  ports: [{name: http, port: 80, targetPort: http}]
`;
