// The iptables files of the real corpus (spec/fixtures/real/iptables/, cited in SOURCES.md): what the
// real system does with each, as spec/fixtures/real/expectations.yaml works it out by hand, and that
// kubehop agrees (tables, chains, rule counts, where a packet goes) or says why it cannot (a
// diagnostic with its code at the damaged line).
import { readFileSync } from "node:fs";
import { expect } from "chai";
import { parse } from "yaml";
import { type Diagnostic, formatDiagnostic } from "../lib/model/diagnostic.ts";
import type { Packet } from "../lib/model/packet.ts";
import type { Rule, Ruleset, Table, TableName } from "../lib/model/ruleset.ts";
import { NetfilterParseError } from "../lib/netfilter/errors.ts";
import { type NodeBranch, type NodeWalkOptions, walkNode } from "../lib/netfilter/node-walk.ts";
import { parseIptablesSave } from "../lib/netfilter/parser.ts";
import { parseRuleLine, ruleOf } from "../lib/netfilter/rule-parser.ts";
import { ip, pkt } from "./fixtures/netfilter/helpers.ts";

const DIR = "spec/fixtures/real/iptables/";

interface TableFacts {
  rules?: number;
  /** Where a paste repeats rules (a command run twice), the rules the node has. */
  distinct_rules?: number;
  chains?: string[];
  policies?: Record<string, string>;
}
interface FileFacts {
  format: string;
  damage?: { line?: number; lines?: string }[];
  tables?: Record<string, TableFacts>;
}
const EXPECTED = (
  parse(readFileSync("spec/fixtures/real/expectations.yaml", "utf8")) as { files: Record<string, FileFacts> }
).files;
const FILES = Object.keys(EXPECTED)
  .filter((f) => f.startsWith("iptables/"))
  .map((f) => f.slice("iptables/".length));
const LISTINGS = FILES.filter((f) => EXPECTED[`iptables/${f}`]!.format.includes("iptables -L"));

const read = (f: string, assumeKubeJumps = false) =>
  parseIptablesSave(readFileSync(DIR + f, "utf8"), DIR + f, { assumeKubeJumps });
const lineOf = (d: Diagnostic) => (d.source && "line" in d.source ? d.source.line : 0);

/** Damaged lines, each a number; `lines: "7-16"` and `"1,4,7"` expanded. */
function damaged(facts: FileFacts): number[] {
  return (facts.damage ?? []).flatMap((d) => {
    if (d.line !== undefined) return [d.line];
    return d.lines!.split(",").flatMap((part) => {
      const [a, b] = part.split("-").map(Number);
      return Array.from({ length: (b ?? a!) - a! + 1 }, (_, i) => a! + i);
    });
  });
}

/** Whether a diagnostic covers `line`: at it, or naming a range `lines A-B` that holds it. */
function covers(d: Diagnostic, line: number): boolean {
  if (lineOf(d) === line) return true;
  const m = /lines (\d+)-(\d+)/.exec(d.message);
  return m !== null && Number(m[1]) <= line && line <= Number(m[2]);
}

function ruleCount(t: Table): number {
  return [...t.chains.values()].reduce((n, c) => n + c.rules.length, 0);
}

/** A walk that starts in `chain`, entered from `builtin` of its table as the excerpt's only rule there. */
function enterAt(rs: Ruleset, table: TableName, builtin: string, chain: string): Ruleset {
  const jump: Rule = ruleOf(parseRuleLine(`-A ${builtin} -j ${chain}`, "spec", 0), table, 1, undefined);
  const t = rs.tables.get(table)!;
  const chains = new Map(t.chains);
  chains.set(builtin, { name: builtin, table, policy: "ACCEPT", line: 0, rules: [jump] });
  return { ...rs, tables: new Map([[table, { name: table, chains }]]) };
}

function walk(rs: Ruleset, p: Packet, opts: Partial<NodeWalkOptions> & { local?: string[] } = {}): NodeBranch {
  const { local = [], ...rest } = opts;
  const branches = walkNode(rs, p, { hook: "prerouting", localIps: local.map(ip), ...rest });
  expect(branches).to.have.length(1);
  return branches[0]!;
}

/** `CHAIN N` of the step that did `kind` (masquerade, dnat, drop, accept, return, jump, policy). */
function by(b: NodeBranch, kind: string): string[] {
  return b.steps.filter((s) => s.event.kind === kind).map((s) => `${s.event.rule.chain} ${s.event.rule.index}`);
}

describe("real iptables files (spec/fixtures/real/iptables)", () => {
  describe("every file loads or is answered with what to run instead, and never throws otherwise", () => {
    for (const f of FILES) {
      const facts = EXPECTED[`iptables/${f}`]!;
      it(`${f}: ${facts.format}`, () => {
        if (LISTINGS.includes(f)) {
          expect(() => read(f)).to.throw(NetfilterParseError, /error\[iptables-listing\].*run `iptables-save -t /);
          return;
        }
        const rs = read(f);
        for (const [name, t] of Object.entries(facts.tables ?? {})) {
          const table = rs.tables.get(name as TableName);
          expect(table, `table ${name}`).to.not.equal(undefined);
          const rules = t.distinct_rules ?? t.rules;
          if (rules !== undefined) expect(ruleCount(table!), `${name} rules`).to.equal(rules);
          for (const c of t.chains ?? []) expect(table!.chains.has(c), `${name} chain ${c}`).to.equal(true);
          for (const [c, policy] of Object.entries(t.policies ?? {}))
            expect(table!.chains.get(c)!.policy, `${name} ${c} policy`).to.equal(policy);
        }
        expect([...rs.tables.keys()].sort()).to.deep.equal(Object.keys(facts.tables ?? {}).sort());
        for (const line of damaged(facts))
          expect(
            rs.diagnostics.some((d) => covers(d, line)),
            `a diagnostic for damaged line ${line}:\n${rs.diagnostics.map(formatDiagnostic).join("\n")}`,
          ).to.equal(true);
      });
    }
  });

  describe("what the real kernel does with their packets", () => {
    it("k8s-18259: the pod subnet is masqueraded leaving docker0; the 'MASQ' mark is; KUBE-SERVICES is empty here", () => {
      const rs = read("k8s-18259-master-iptables-save.txt");
      const out = walk(rs, pkt("172.20.14.5", "8.8.8.8", 53, { proto: "udp" }), { inIface: "docker0" });
      expect([out.masquerade, by(out, "masquerade")]).to.deep.equal([true, ["POSTROUTING 1"]]);
      const marked = walk(rs, pkt("10.0.0.9", "172.20.37.2", 80, { mark: 0x4d415351 }), { outIface: "docker0" });
      expect(by(marked, "masquerade")).to.deep.equal(["POSTROUTING 2"]);
      const svc = walk(rs, pkt("10.0.0.9", "10.0.0.80", 80), { local: ["10.0.0.80"] });
      expect([svc.verdict, svc.dnat]).to.deep.equal(["ACCEPT", null]);
    });

    it("k8s-36835: behind iptables-save's own error, POSTROUTING 2 masquerades the docker subnet", () => {
      const b = walk(read("k8s-36835-iptables-save-invalid-option.txt"), pkt("172.16.97.4", "8.8.8.8", 443), {
        inIface: "docker0",
      });
      expect(by(b, "masquerade")).to.deep.equal(["POSTROUTING 2"]);
    });

    it("k8s-61005: the 0x4000 mark is masqueraded; an endpoint's own address hairpins, marked then DNATed", () => {
      const rs = read("k8s-61005-iptables-save-nat.txt");
      const m = walk(rs, pkt("192.168.78.125", "10.0.0.5", 6443, { mark: 0x4000 }));
      expect(by(m, "masquerade")).to.deep.equal(["KUBE-POSTROUTING 1"]);
      const sep = enterAt(rs, "nat", "PREROUTING", "KUBE-SEP-43JXX3WIN2SOR6EG");
      const d = walk(sep, pkt("192.168.78.125", "10.96.0.10", 53, { proto: "udp" }));
      expect([d.dnat, d.marks]).to.deep.equal(["192.168.78.125:53", ["0x4000"]]);
    });

    it("k8s-78443: a rule cut by the iptables-legacy warning is kept unreadable, never joined with its rest", () => {
      const rs = read("k8s-78443-garbled-legacy-warning.txt");
      const [rule] = rs.tables.get("nat")!.chains.get("KUBE-SEP-UTOQBKGE7K7Y45HY")!.rules;
      expect(rule!.unsupported).to.match(/iptables-legacy tables present/);
      expect(rs.diagnostics.map((d) => [lineOf(d), d.code])).to.deep.include.members([
        [1, "iptables-unreadable-rule"],
        [2, "iptables-unreadable-line"],
      ]);
    });

    it("k8s-95409: a DNAT printed as [unsupported revision] is kept as unknown; the -s rules are read", () => {
      const [masq, dnat] = read("k8s-95409-unsupported-revision.txt")
        .tables.get("nat")!
        .chains.get("KUBE-SEP-AAAREDACTED1")!.rules;
      expect(masq!.unsupported).to.equal(undefined);
      expect(dnat!.unsupported).to.match(/^-j DNAT \[unsupported revision\]/);
    });

    it("k8s-114537: the DNAT with three --to-destination (:0, 0.0.0.0:0) is flagged, not read as one of them", () => {
      const rs = read("k8s-114537-dnat-persistent-garbage.txt");
      expect(rs.diagnostics.find((d) => lineOf(d) === 4)!.code).to.equal("iptables-unreadable-rule");
      expect(rs.tables.get("nat")!.chains.get("KUBE-SEP-DASZGVVO7T2FMT4N")!.rules[1]!.unsupported).to.match(/:0/);
    });

    it("kilo-19: KILO-NAT's rule 4 masquerades everything the first three rules let by", () => {
      const rs = enterAt(read("kilo-19-kilo-nat-rules.txt"), "nat", "POSTROUTING", "KILO-NAT");
      expect(by(walk(rs, pkt("172.30.12.5", "172.30.4.9", 80)), "masquerade")).to.deep.equal(["KILO-NAT 4"]);
      const kept = walk(rs, pkt("172.30.12.5", "172.28.128.7", 80));
      expect([kept.masquerade, by(kept, "return")]).to.deep.equal([false, ["KILO-NAT 2"]]);
    });

    it("kilo-135: two header-less tables apart; a pod's packet to a known subnet returns from KILO-NAT 6", () => {
      const rs = read("kilo-135-no-table-header.txt");
      expect(rs.tables.get("filter")!.chains.get("INPUT")!.rules[1]!.target).to.deep.equal({ kind: "drop" });
      const b = walk(rs, pkt("10.42.4.7", "10.42.10.3", 80), { inIface: "kilo0", outIface: "kilo0" });
      expect([b.masquerade, by(b, "return")]).to.deep.equal([false, ["KILO-NAT 6"]]);
    });

    it("kilo-128: with the rest of FORWARD past the excerpt, the FORWARD policy drops", () => {
      const b = walk(read("kilo-128-node1-iptables-save.txt"), pkt("10.4.0.1", "10.42.1.5", 80), {
        inIface: "kilo0",
        outIface: "kube-bridge",
      });
      expect([b.verdict, by(b, "policy").at(-1)]).to.deep.equal(["DROP", "FORWARD 0"]);
    });

    it("kilo-268: kube-proxy's restore excerpt, walked with --assume-kube-jumps, picks KUBE-SERVICES rule 3", () => {
      expect(read("kilo-268-k3s-kube-services.txt").diagnostics.map((d) => d.code)).to.include(
        "iptables-no-kube-jumps",
      );
      const rs = read("kilo-268-k3s-kube-services.txt", true);
      const b = walkNode(rs, pkt("10.42.0.5", "10.43.0.1", 443), { hook: "output", localIps: [] })[0]!;
      expect(by(b, "jump")).to.include("KUBE-SERVICES 3");
      const svc = enterAt(rs, "nat", "PREROUTING", "KUBE-SVC-3MN7Q5WEBLVAXORV");
      expect(by(walk(svc, pkt("192.168.1.10", "10.43.26.33", 53, { proto: "udp" })), "jump")).to.include(
        "KUBE-SVC-3MN7Q5WEBLVAXORV 1",
      );
    });

    it("kind-114470: KUBE-POSTROUTING returns unmarked packets, unmarks and masquerades marked ones", () => {
      const rs = read("kind-114470-kep3178-nat-rules.txt");
      const post = enterAt(rs, "nat", "POSTROUTING", "KUBE-POSTROUTING");
      const plain = walk(post, pkt("10.244.1.4", "10.244.0.3", 53));
      expect([plain.masquerade, by(plain, "return")]).to.deep.equal([false, ["KUBE-POSTROUTING 1"]]);
      const marked = walk(post, pkt("10.244.1.4", "10.244.0.3", 53, { mark: 0x4000 }));
      expect([by(marked, "masquerade"), marked.packet.mark]).to.deep.equal([["KUBE-POSTROUTING 3"], 0]);
      const sep = walk(
        enterAt(rs, "nat", "PREROUTING", "KUBE-SEP-6E7XQMQ4RAYOWTTM"),
        pkt("10.244.0.3", "10.96.0.10", 53),
      );
      expect(sep.dnat).to.equal(null); // the DNAT rule is -p udp
      const udp = enterAt(rs, "nat", "PREROUTING", "KUBE-SEP-6E7XQMQ4RAYOWTTM");
      const d = walk(udp, pkt("10.244.0.3", "10.96.0.10", 53, { proto: "udp" }));
      expect([d.dnat, d.marks]).to.deep.equal(["10.244.0.3:53", ["0x4000"]]);
    });

    it("calico-2720: with KUBE-POSTROUTING empty here, POSTROUTING 2 masquerades the docker subnet", () => {
      const b = walk(read("calico-2720-iptables-save.txt"), pkt("172.17.0.2", "8.8.8.8", 53, { proto: "udp" }), {
        inIface: "docker0",
      });
      expect(by(b, "masquerade")).to.deep.equal(["POSTROUTING 2"]);
    });

    it("submariner-1205 (-c counters): KUBE-SEP-EWDMSLOSUEG5PNZG jumps to KUBE-MARK-MASQ and DNATs to 10.131.0.4:53", () => {
      const parsed = read("submariner-1205-iptables-save-c.txt");
      const rs = enterAt(parsed, "nat", "PREROUTING", "KUBE-SEP-EWDMSLOSUEG5PNZG");
      const d = walk(rs, pkt("10.131.0.4", "100.67.0.10", 53, { proto: "udp" }));
      expect([d.dnat, by(d, "jump")]).to.deep.equal(["10.131.0.4:53", ["PREROUTING 1", "KUBE-SEP-EWDMSLOSUEG5PNZG 1"]]);
      // The mark is KUBE-MARK-MASQ's, a chain past the excerpt: kubehop says so rather than guess it.
      expect(parsed.diagnostics.map(formatDiagnostic)).to.include.members([
        `${DIR}submariner-1205-iptables-save-c.txt:2:1: warning[iptables-missing-chain]: chain KUBE-MARK-MASQ of table nat is not in the paste (it stops or leaves lines out before it); taken as an empty chain, from which the packet returns`,
      ]);
    });

    it("kube-router-1069: docker0 to elsewhere is accepted by FORWARD 5; KUBE-FIREWALL drops localnet and 0x8000", () => {
      const rs = read("kube-router-1069-xtables-save.txt");
      const fwd = walk(rs, pkt("172.17.0.2", "8.8.8.8", 443), { inIface: "docker0", outIface: "eth0" });
      expect([fwd.verdict, by(fwd, "accept")]).to.deep.equal(["ACCEPT", ["FORWARD 5"]]);
      const lo = walk(rs, pkt("192.168.1.5", "127.0.0.1", 10248), { local: ["192.168.1.2"] });
      expect([lo.verdict, by(lo, "drop")]).to.deep.equal(["DROP", ["KUBE-FIREWALL 2"]]);
      const marked = walk(rs, pkt("192.168.1.5", "192.168.1.2", 22, { mark: 0x8000 }), { local: ["192.168.1.2"] });
      expect(by(marked, "drop")).to.deep.equal(["KUBE-FIREWALL 1"]);
    });

    it("docker-exadata-12: every rule twice, as printed; the first MASQUERADE decides; no DNAT to a local port", () => {
      const rs = read("docker-exadata-12-nat.txt");
      const out = walk(rs, pkt("172.17.0.2", "93.184.216.34", 443), { inIface: "docker0" });
      expect(by(out, "masquerade")).to.deep.equal(["POSTROUTING 1"]);
      const local = walk(rs, pkt("192.0.2.50", "192.168.1.2", 8080), { local: ["192.168.1.2"] });
      expect([local.verdict, local.dnat]).to.deep.equal(["ACCEPT", null]);
    });

    it("moby-49518: docker0 out is accepted (FORWARD 5); docker_gwbridge to itself is dropped (FORWARD 18)", () => {
      const rs = read("moby-49518-docker-filter.txt");
      const out = walk(rs, pkt("172.17.0.2", "8.8.8.8", 443), { inIface: "docker0", outIface: "eth0" });
      expect(by(out, "accept")).to.deep.equal(["FORWARD 5"]);
      const gw = walk(rs, pkt("172.20.0.2", "172.20.0.3", 80), {
        inIface: "docker_gwbridge",
        outIface: "docker_gwbridge",
      });
      expect([gw.verdict, by(gw, "drop")]).to.deep.equal(["DROP", ["FORWARD 18"]]);
    });

    it("the -L listings name the table and what to run: flannel-799 filter, submariner-1205 nat by its chains", () => {
      const error = (f: string) => {
        try {
          read(f);
        } catch (e) {
          return (e as NetfilterParseError).message;
        }
        return "";
      };
      expect(error("flannel-799-iptables-nL.txt")).to.include("run `iptables-save -t filter`");
      expect(error("submariner-1205-iptables-L-line-numbers.txt")).to.include("of table nat, by its chains' names");
      expect(error("k3s-3117-iptables-L-legacy-warning.txt")).to.include("lines 11-14: iptables -L output");
    });
  });
});
