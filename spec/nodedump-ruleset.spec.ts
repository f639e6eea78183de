// A node dump's iptables-save is parsed once, when the dump is read, and kept parsed: the data plane
// and drift read that ruleset. What needs text again (emulate's iptables-restore) prints it back.
// A node's `nft list ruleset` is read under the name the issue gives it or the older one, never both.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { nodeRulesetText } from "../lib/kubeproxy/nftables/index.ts";
import type { Ruleset } from "../lib/model/ruleset.ts";
import { parseIptablesSave } from "../lib/netfilter/parser.ts";
import { printRuleset } from "../lib/netfilter/ruleset-text.ts";
import { pack, unpack } from "../lib/snapshot/pack.ts";
import { loadTopologySync } from "../lib/topology.ts";
import { runCli } from "./support/cli.ts";

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

describe("a node dump's nft list ruleset", () => {
  const NFT = "topologies/nftables.yaml";
  let dir: string;
  const listing = () => nodeRulesetText(loadTopologySync(NFT).cluster, "node-1");
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "kh-nft-dump-"));
    mkdirSync(join(dir, "node-1"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  for (const name of ["nft-list-ruleset.txt", "nft-ruleset.txt"]) {
    it(`is read from ${name}, beside an iptables-save.txt without dump-rules-both when it holds kube-proxy's table`, () => {
      writeFileSync(join(dir, "node-1", name), listing());
      writeFileSync(join(dir, "node-1", "iptables-save.txt"), "*nat\n:POSTROUTING ACCEPT [0:0]\nCOMMIT\n");
      const { cluster } = loadTopologySync(NFT, { dumps: dir });
      const dump = cluster.nodeDumps.get("node-1")!;
      expect(dump.nftRuleset?.file).to.equal(join(dir, "node-1", name));
      expect(dump.nftRuleset?.text).to.equal(listing());
      expect(cluster.diagnostics.map((d) => d.code)).to.not.include("dump-rules-both");
    });
  }

  it("without kube-proxy's table beside an iptables-save.txt: dump-rules-both names the nft file to leave out", () => {
    writeFileSync(join(dir, "node-1", "nft-list-ruleset.txt"), "table ip nat {\n}\n");
    writeFileSync(join(dir, "node-1", "iptables-save.txt"), "*nat\n:POSTROUTING ACCEPT [0:0]\nCOMMIT\n");
    const both = loadTopologySync(NFT, { dumps: dir }).cluster.diagnostics.find((d) => d.code === "dump-rules-both");
    expect(both?.hint).to.equal("on a node in kube-proxy's iptables mode, leave nft-list-ruleset.txt out");
  });

  it("given under both names is an error at the second naming both, exit 2", async () => {
    writeFileSync(join(dir, "node-1", "nft-list-ruleset.txt"), listing());
    writeFileSync(join(dir, "node-1", "nft-ruleset.txt"), listing());
    const r = await runCli(["validate", "-f", NFT, "--dumps", dir]);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.equal(
      `${join(dir, "node-1", "nft-ruleset.txt")}:1:1: error[duplicate]: "nft-ruleset.txt" and ` +
        `"nft-list-ruleset.txt" in ${join(dir, "node-1")} are both the node's nft list ruleset; keep one of them\n`,
    );
  });
});
