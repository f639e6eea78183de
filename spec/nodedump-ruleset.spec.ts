// A node dump's iptables-save is parsed once, when the dump is read, and kept parsed: the data plane
// and drift read that ruleset. What needs text again (emulate's iptables-restore) prints it back.
import { readFileSync } from "node:fs";
import { expect } from "chai";
import type { Ruleset } from "../lib/model/ruleset.ts";
import { parseIptablesSave } from "../lib/netfilter/parser.ts";
import { printRuleset } from "../lib/netfilter/ruleset-text.ts";
import { pack, unpack } from "../lib/snapshot/pack.ts";
import { loadTopologySync } from "../lib/topology.ts";

const EXAMPLE = "topologies/dumps-example";
const FILE = `${EXAMPLE}/nodes/node-1/iptables-save.txt`;

/** The ruleset without the lines it came from, which printing renumbers. */
function shape(rs: Ruleset): unknown {
  return [...rs.tables].map(([name, table]) => [
    name,
    [...table.chains.values()].map((c) => ({
      name: c.name,
      policy: c.policy,
      rules: c.rules.map(({ ref: { line: _, ...ref }, ...rule }) => ({ ...rule, ref })),
    })),
  ]);
}

describe("a node dump's iptables-save, kept parsed", () => {
  let dumped: Ruleset;
  before(() => {
    dumped = loadTopologySync(EXAMPLE).cluster.nodeDumps.get("node-1")!.iptablesSave!;
  });

  it("is the parsed ruleset of the file, with each rule's line in it", () => {
    expect(shape(dumped)).to.deep.equal(shape(parseIptablesSave(readFileSync(FILE, "utf8"), FILE)));
    expect([...dumped.tables.keys()]).to.deep.equal(["filter", "nat"]);
    const sep = dumped.tables.get("nat")!.chains.get("KUBE-SEP-Q3AUE5ZJWGA7MNHD")!.rules[1]!;
    expect(sep.target).to.deep.include({ kind: "dnat", port: 9000 });
    expect(sep.ref.line).to.equal(68);
    expect(readFileSync(FILE, "utf8").split("\n")[sep.ref.line! - 1]).to.equal(sep.ref.text);
  });

  it("printed back for iptables-restore, parses to the same tables, chains, policies and rules", () => {
    const text = printRuleset(dumped);
    expect(text.split("\n").filter((l) => l.startsWith("*"))).to.deep.equal(["*filter", "*nat"]);
    expect(shape(parseIptablesSave(text, FILE))).to.deep.equal(shape(dumped));
  });

  it("is plain data the snapshot cache can hold: it packs and unpacks to the same ruleset", () => {
    expect(unpack(pack(dumped))).to.deep.equal(dumped);
  });
});
