// kube-proxy's nftables mode against upstream's own expectation: the rules kubehop generates for
// TestOverallNFTablesRules' Services equal the test's expected ruleset, compared as upstream's
// helper compares them (spec/fixtures/upstream-nftables/SOURCES.md).
import { readFileSync } from "node:fs";
import { expect } from "chai";
import { kubeProxyNftTable, transactionText } from "../lib/kubeproxy/nftables/index.ts";
import type { Cluster } from "../lib/model/cluster.ts";
import { loadTopologySync } from "../lib/topology.ts";

const FIXTURES = new URL("./fixtures/upstream-nftables/", import.meta.url);

const OBJECT_ORDER: Readonly<Record<string, number>> = { table: 10, chain: 9, rule: 8, set: 7, map: 6, element: 5 };

/** helpers_test.go sortNFTablesTransaction, line for line. */
function sortTransaction(text: string): string[] {
  const lines = text.split("\n").filter((l) => l !== "" && !l.startsWith("#"));
  const keyed = lines.map((line, i) => ({ line, words: line.split(" "), i }));
  keyed.sort((a, b) => {
    const [wa, wb] = [a.words, b.words];
    if (wa.length < 5 || wb.length < 5) return a.i - b.i;
    if (wa[1] !== wb[1]) return (OBJECT_ORDER[wb[1]!] ?? 0) - (OBJECT_ORDER[wa[1]!] ?? 0);
    if (wa[4] !== wb[4]) return wa[4]! < wb[4]! ? -1 : 1;
    if (wa[1] === "rule") return a.i - b.i;
    return a.line < b.line ? -1 : a.line > b.line ? 1 : a.i - b.i;
  });
  return keyed.map((k) => k.line);
}

/** The fixture's cluster without the default/kubernetes Service, which upstream's fake proxier lacks. */
function overall(): Cluster {
  const { cluster } = loadTopologySync(new URL("overall.yaml", FIXTURES).pathname);
  return {
    ...cluster,
    services: cluster.services.filter((s) => !(s.namespace === "default" && s.name === "kubernetes")),
  };
}

describe("kube-proxy nftables mode: upstream's TestOverallNFTablesRules", () => {
  it("reads the fixture as nftables mode, with the mode warning", () => {
    const { cluster } = loadTopologySync(new URL("overall.yaml", FIXTURES).pathname);
    expect(cluster.kubeProxy.mode).to.equal("nftables");
    expect(cluster.diagnostics.map((d) => d.code)).to.include("kube-proxy-mode");
  });

  it("generates exactly upstream's expected ruleset", () => {
    const expected = sortTransaction(readFileSync(new URL("overall.nft", FIXTURES), "utf8"));
    const actual = sortTransaction(transactionText(kubeProxyNftTable(overall(), "test-node")));
    expect(actual.join("\n")).to.equal(expected.join("\n"));
    expect(actual).to.have.length(122);
  });

  it("compares as upstream's helper does: a changed rule order within a chain is a difference", () => {
    const text = transactionText(kubeProxyNftTable(overall(), "test-node"));
    const lines = text.split("\n");
    const a = lines.findIndex((l) => l.includes("masquerading mark and"));
    [lines[a], lines[a + 1]] = [lines[a + 1]!, lines[a]!];
    expect(sortTransaction(lines.join("\n"))).not.to.deep.equal(sortTransaction(text));
  });
});
