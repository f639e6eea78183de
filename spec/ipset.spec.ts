// ipsets: `ipset save` and `ipset list` read into sets, and `-m set --match-set` tested against them
// as xt_set does (one flag per dimension, fewer flags never match, the most specific element decides,
// nomatch carves exceptions); without a set the match is unknown: taken as empty, said on the branch
// and in a diagnostic. The corpus's ipset/k8s-54203 and iptables/k8s-89869 (expectations.yaml) are
// walked as their issue threads show the kernel did.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { parseIpv4 } from "../lib/model/address.ts";
import { formatDiagnostic } from "../lib/model/diagnostic.ts";
import type { Ipsets } from "../lib/model/ipset.ts";
import { engineFor, walkNode } from "../lib/netfilter/node-walk.ts";
import { parseIptablesSave } from "../lib/netfilter/parser.ts";
import { parseIpsets } from "../lib/nodedump/ipset.ts";
import { runCli } from "./support/cli.ts";

const REAL = "spec/fixtures/real";
const real = (f: string) => readFileSync(`${REAL}/${f}`, "utf8");

/** The branch a packet takes through `rules` (a user chain FOO, jumped to from OUTPUT). */
function through(
  rules: string,
  sets: Ipsets | undefined,
  packet: { proto?: string; src: string; dst: string; dport: number },
) {
  const text = `*filter\n:OUTPUT ACCEPT [0:0]\n:FOO - [0:0]\n-A OUTPUT -j FOO\n${rules}COMMIT\n`;
  const ruleset = parseIptablesSave(text, "r.txt");
  const branches = walkNode(
    engineFor(ruleset, true, sets),
    {
      proto: (packet.proto ?? "tcp") as "tcp",
      src: parseIpv4(packet.src)!,
      sport: 40000,
      dst: parseIpv4(packet.dst)!,
      dport: packet.dport,
      size: 60,
      ttl: 64,
      df: true,
      mark: 0,
    },
    { hook: "output", localIps: [parseIpv4(packet.src)!], outIface: "eth0" },
  );
  expect(branches).to.have.length(1);
  return { branch: branches[0]!, diagnostics: engineFor(ruleset, true, sets).diagnostics };
}

describe("ipsets: reading ipset list and ipset save", () => {
  it("reads the corpus's ipset list (kubernetes#54203): one hash:ip,port set with its two members", () => {
    const { ipsets, warnings } = parseIpsets(real("ipset/k8s-54203-ipset-list.txt"), "l.txt");
    const test = ipsets.sets.get("test")!;
    expect([test.type, test.dimensions, test.members.length]).to.deep.equal(["hash:ip,port", ["ip", "port"], 2]);
    expect(
      test.members.map((m) => m.parts.map((p) => ("prefix" in p ? p.prefix.text : JSON.stringify(p)))),
    ).to.deep.equal([
      ["8.8.8.8/32", '{"kind":"port","proto":"udp","port":100}'],
      ["8.8.8.8/32", '{"kind":"port","proto":"udp","port":53}'],
    ]);
    // The prompt (damage line 1 in expectations.yaml) is said and skipped; nothing else is.
    expect(warnings.map(formatDiagnostic)).to.deep.equal([
      'l.txt:1:1: info[dump-prompt]: "$ sudo ipset list" is a shell prompt or an echoed command; skipped',
    ]);
  });

  it("reads ipset save: every type kube-proxy's IPVS mode and Calico use, element options skipped, nomatch kept", () => {
    const save = [
      "create KUBE-CLUSTER-IP hash:ip,port family inet hashsize 1024 maxelem 65536",
      "add KUBE-CLUSTER-IP 10.96.0.10,udp:53",
      "add KUBE-CLUSTER-IP 10.96.0.1,tcp:443 timeout 300",
      "create KUBE-LOOP-BACK hash:ip,port,ip family inet hashsize 1024 maxelem 65536",
      "add KUBE-LOOP-BACK 10.244.1.5,tcp:8080,10.244.1.5",
      "create KUBE-NODE-PORT-TCP bitmap:port range 0-65535",
      "add KUBE-NODE-PORT-TCP 30080",
      "create cali40all-ipam-pools hash:net family inet hashsize 1024 maxelem 1048576",
      "add cali40all-ipam-pools 192.168.0.0/16",
      'add cali40all-ipam-pools 192.168.5.0/24 nomatch comment "carved out"',
      "create KUBE-6 hash:ip family inet6 hashsize 1024 maxelem 65536",
      "add KUBE-6 fd00::1",
      "create MACS hash:mac hashsize 1024 maxelem 65536",
    ].join("\n");
    const { ipsets, warnings } = parseIpsets(save, "s.txt");
    expect(
      [...ipsets.sets.values()].map((s) => `${s.name} ${s.dimensions.join(",")} ${s.members.length}`),
    ).to.deep.equal([
      "KUBE-CLUSTER-IP ip,port 2",
      "KUBE-LOOP-BACK ip,port,ip 1",
      "KUBE-NODE-PORT-TCP port 1",
      "cali40all-ipam-pools net 2",
      "KUBE-6 ip 0",
      "MACS  0",
    ]);
    expect(ipsets.sets.get("cali40all-ipam-pools")!.members.map((m) => m.nomatch)).to.deep.equal([false, true]);
    expect(warnings.map(formatDiagnostic)).to.deep.equal([
      "s.txt:11:1: warning[dump-skipped]: set KUBE-6 is of family inet6: its elements are skipped; an IPv4 packet never matches it",
      "s.txt:13:1: warning[ipset-unsupported]: set MACS: its type hash:mac is not one kubehop tests (hash: or bitmap: of ip, net, port, iface, mark, or list:set); taken as empty",
    ]);
  });

  it("a line it cannot read is a warning and the rest is read; a listing without members is untestable", () => {
    const text =
      "Name: A\nType: hash:ip\nNumber of entries: 3\nMembers:\n\nwibble\nadd B 1.2.3.4\ncreate C hash:ip\nadd C 1.2.3.400\nadd C 1.2.3.4\n";
    const { ipsets, warnings } = parseIpsets(text, "x.txt");
    expect(warnings.map(formatDiagnostic)).to.deep.equal([
      "x.txt:1:1: warning[ipset-unsupported]: set A: the listing gives 3 entries but not the members (ipset list -t?); run `ipset save`; taken as empty",
      "x.txt:6:1: warning[dump-syntax]: expected a line of `ipset save` (create NAME TYPE ..., add NAME ELEMENT) or `ipset list` (Name:, Type:, Header:, Members: and one element a line); skipped",
      'x.txt:7:5: warning[dump-syntax]: add to set "B", which no create line made; skipped',
      'x.txt:9:1: warning[ipset-unsupported]: element 1.2.3.400 of set C: "1.2.3.400" is not an IPv4 address or prefix; skipped',
    ]);
    expect(ipsets.sets.get("C")!.members).to.have.length(1);
  });
});

describe("ipsets: -m set --match-set", () => {
  const save = parseIpsets(
    [
      "create CIP hash:ip,port family inet",
      "add CIP 10.96.0.10,udp:53",
      "create PORTS bitmap:port range 0-65535",
      "add PORTS 30080",
      "create POOLS hash:net family inet",
      "add POOLS 192.168.0.0/16",
      "add POOLS 192.168.5.0/24 nomatch",
      "create ALL list:set",
      "add ALL CIP",
      "add ALL POOLS",
    ].join("\n"),
    "s.txt",
  ).ipsets;
  const verdictOf = (rule: string, packet: Parameters<typeof through>[2]) =>
    through(`-A FOO ${rule} -j DROP\n`, save, packet).branch.verdict;

  it("tests the packet's fields the flags pick, one per dimension; fewer flags never match", () => {
    const dns = { proto: "udp", src: "10.244.1.5", dst: "10.96.0.10", dport: 53 };
    expect(verdictOf("-m set --match-set CIP dst,dst", dns)).to.equal("DROP");
    expect(verdictOf("-m set --match-set CIP dst", dns)).to.equal("ACCEPT");
    expect(verdictOf("-m set --match-set CIP dst,dst", { ...dns, proto: "tcp" })).to.equal("ACCEPT");
    expect(verdictOf("-m set --match-set CIP src,dst", dns)).to.equal("ACCEPT");
    expect(verdictOf("-m set ! --match-set CIP dst,dst", dns)).to.equal("ACCEPT");
    // bitmap:port holds port numbers whatever the protocol.
    expect(
      verdictOf("-m set --match-set PORTS dst", { proto: "udp", src: "1.1.1.1", dst: "2.2.2.2", dport: 30080 }),
    ).to.equal("DROP");
  });

  it("the most specific element decides: a nomatch element is no member, unless --return-nomatch", () => {
    const to = (dst: string) => ({ src: "10.0.0.1", dst, dport: 80 });
    expect(verdictOf("-m set --match-set POOLS dst", to("192.168.1.1"))).to.equal("DROP");
    expect(verdictOf("-m set --match-set POOLS dst", to("192.168.5.1"))).to.equal("ACCEPT");
    expect(verdictOf("-m set --match-set POOLS dst --return-nomatch", to("192.168.5.1"))).to.equal("DROP");
    expect(verdictOf("-m set --match-set ALL dst", to("192.168.1.1"))).to.equal("DROP");
    expect(verdictOf("-m set --match-set ALL dst", to("10.1.1.1"))).to.equal("ACCEPT");
  });

  it("without the set: taken as empty, the branch says so and a diagnostic names the set at its rule", () => {
    const { branch, diagnostics } = through("-A FOO -m set --match-set KUBE-CLUSTER-IP dst,dst -j DROP\n", undefined, {
      src: "10.0.0.1",
      dst: "10.96.0.1",
      dport: 443,
    });
    expect(branch.verdict).to.equal("ACCEPT");
    expect(branch.choices).to.deep.equal([
      "FOO #1 --match-set KUBE-CLUSTER-IP dst,dst: no ipsets given; taken as empty, so the rule did not match (uncertain)",
    ]);
    expect(diagnostics.map(formatDiagnostic)).to.deep.equal([
      "r.txt:5:1: warning[ipset-unknown]: --match-set KUBE-CLUSTER-IP: no ipsets were given; the rule testing it takes it as empty, so its answer is uncertain (hint: give the node's `ipset save` output: netfilter --ipsets FILE, or nodes/NAME/ipset.txt)",
    ]);
    const negated = through("-A FOO -m set ! --match-set NOPE src -j DROP\n", save, {
      src: "1.1.1.1",
      dst: "2.2.2.2",
      dport: 1,
    });
    expect(negated.branch.verdict).to.equal("DROP");
    expect(negated.branch.choices[0]).to.equal(
      "FOO #1 ! --match-set NOPE src: no set NOPE in s.txt; taken as empty, so the rule matched (uncertain)",
    );
  });
});

describe("ipsets: the corpus's packets (expectations.yaml)", () => {
  it("kubernetes#54203: 8.8.8.8,udp:53 is a member; rule 1 (dst alone) does not match a hash:ip,port set, rule 2 (dst,dst) does", () => {
    const sets = parseIpsets(real("ipset/k8s-54203-ipset-list.txt"), "l.txt").ipsets;
    // The paste holds FOO's two rules with counters and no table; OUTPUT's jump into FOO is added here.
    const { branch } = through(real("iptables/k8s-54203-counter-rules.txt").replace(/^\[\d+:\d+\] /gm, ""), sets, {
      proto: "udp",
      src: "10.0.0.2",
      dst: "8.8.8.8",
      dport: 53,
    });
    expect(branch.rules).to.deep.equal(["-A OUTPUT -j FOO", "-A FOO -m set --match-set test dst,dst -j LOG"]);
  });

  it("kubernetes#89869: the LB address and port in KUBE-LOAD-BALANCER-LOCAL RETURNs (client address kept); another port is marked for masquerade", async () => {
    const file = `${REAL}/iptables/k8s-89869-ipvs-S-and-ipset.txt`;
    const lines = readFileSync(file, "utf8").split("\n");
    // The paste's two rules of KUBE-LOAD-BALANCER (lines 3-4), reached from PREROUTING here.
    const rules = `*nat\n:PREROUTING ACCEPT [0:0]\n:KUBE-LOAD-BALANCER - [0:0]\n:KUBE-MARK-MASQ - [0:0]\n-A PREROUTING -j KUBE-LOAD-BALANCER\n${lines[2]}\n${lines[3]}\n-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000\nCOMMIT\n`;
    const dir = mkdtempSync(join(tmpdir(), "kubehop-ipset-"));
    const rulesFile = join(dir, "rules.txt");
    writeFileSync(rulesFile, rules);
    const run = (dport: number) =>
      runCli([
        "netfilter",
        "--rules",
        rulesFile,
        "--ipsets",
        file,
        "--src",
        "203.0.113.7",
        "--dst",
        "172.23.133.0",
        "--dport",
        String(dport),
        "--local-ip",
        "172.23.133.10",
        "--json",
      ]);
    const kept = JSON.parse((await run(80)).stdout);
    expect(kept.branches.map((b: { marks: string[]; rules: string[] }) => [b.marks, b.rules.at(-1)])).to.deep.equal([
      [[], lines[2]],
    ]);
    expect(kept.diagnostics.map((d: { code: string }) => d.code)).to.not.include("ipset-unknown");
    const masqueraded = JSON.parse((await run(8080)).stdout);
    expect(masqueraded.branches[0].marks).to.deep.equal(["0x4000"]);
    rmSync(dir, { recursive: true, force: true });
  });
});
