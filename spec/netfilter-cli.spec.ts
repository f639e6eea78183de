import { readFileSync } from "node:fs";
import { expect } from "chai";
import { runCli } from "./support/cli.ts";

const FIXTURE = "spec/fixtures/netfilter/kube-proxy-node.txt";

/** kubehop netfilter ARGV, with `stdin` for --rules -. */
const cli = (argv: string[], stdin = "") => runCli(["netfilter", ...argv], { stdin });

const HOSTNAMES = [
  "--rules",
  FIXTURE,
  "--src",
  "203.0.113.7",
  "--dst",
  "10.96.1.175",
  "--dport",
  "80",
  "--local-ip",
  "192.168.1.11",
];

describe("kubehop netfilter", () => {
  it("--json prints branches with exactly the published fields first, and warnings", async () => {
    const { code, stdout, stderr } = await cli([...HOSTNAMES, "--json"]);
    expect(code).to.equal(0);
    expect(stderr).to.equal("");
    expect(stdout.endsWith("}\n")).to.equal(true);
    const out = JSON.parse(stdout);
    expect(Object.keys(out)).to.deep.equal(["branches", "diagnostics"]);
    expect(out.diagnostics).to.deep.equal([]);
    expect(out.branches).to.have.length(3);
    const b = out.branches[0];
    expect(Object.keys(b).slice(0, 6)).to.deep.equal([
      "probability",
      "verdict",
      "dnat",
      "masquerade",
      "marks",
      "rules",
    ]);
    expect(b).to.deep.include({
      probability: 715827883 / 2 ** 31,
      verdict: "ACCEPT",
      dnat: "10.244.0.5:9376",
      masquerade: true,
      marks: ["0x4000"],
    });
    expect(b.rules[0]).to.equal('-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES');
    expect(b.rules).to.include(
      '-A KUBE-SEP-SSAABTGROZSQSKZY -p tcp -m comment --comment "default/hostnames" -m tcp -j DNAT --to-destination 10.244.0.5:9376',
    );
    expect(
      out.branches.map((x: { probability: number }) => x.probability).reduce((s: number, p: number) => s + p, 0),
    ).to.be.closeTo(1, 1e-12);
  });

  it("prints a readable, deterministic text report", async () => {
    const a = await cli(HOSTNAMES);
    const b = await cli(HOSTNAMES);
    expect(a.code).to.equal(0);
    expect(a.stdout).to.equal(b.stdout);
    const lines = a.stdout.split("\n");
    expect(lines[0]).to.equal(
      "tcp 203.0.113.7:40000 -> 10.96.1.175:80 at prerouting, local IPs: 192.168.1.11; 3 branches",
    );
    expect(lines).to.include(
      "branch 1: probability 0.33333333349, verdict ACCEPT, dnat 10.244.0.5:9376, masquerade to 192.168.1.11:40000, marks 0x4000",
    );
    expect(lines).to.include("  choice: KUBE-SVC-YN5D6RYVEVZOH44Q #2 statistic random 0.33333333349 matched");
    expect(lines).to.include(
      '  PREROUTING nat KUBE-SEP-SSAABTGROZSQSKZY#2 line 112: -A KUBE-SEP-SSAABTGROZSQSKZY -p tcp -m comment --comment "default/hostnames" -m tcp -j DNAT --to-destination 10.244.0.5:9376  => DNAT to 10.244.0.5:9376',
    );
  });

  it("reads the rules from stdin with --rules - and prints warnings", async () => {
    const text = `${readFileSync(FIXTURE, "utf8")}*raw\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -m physdev --physdev-is-in -j NOTRACK\nCOMMIT\n`;
    const { code, stdout } = await cli(
      ["--rules", "-", "--src", "10.0.0.1", "--dst", "10.96.44.44", "--dport", "80", "--json", "--hook", "output"],
      text,
    );
    expect(code).to.equal(0);
    const out = JSON.parse(stdout);
    expect(out.diagnostics).to.deep.equal([
      {
        code: "iptables-unsupported-match",
        severity: "warning",
        source: { file: "<stdin>", line: 152, col: 1 },
        message:
          "cannot interpret -m physdev (bridge port matches are not simulated); the rule is treated as not matching",
      },
      {
        // No --local-ip: kube-proxy's NodePort jump asks whether the ClusterIP is a node address.
        code: "netfilter-assumed",
        severity: "warning",
        source: { file: "<stdin>", line: 127, col: 1 },
        message:
          "nat KUBE-SERVICES rule 7 asks whether 10.96.44.44 is one of the node's addresses (addrtype LOCAL); the node's addresses are not given, so it was taken as not local (only 127.0.0.0/8 is known to be)",
        hint: "give every address of the node with --local-ip (eth0's, docker0's, kube-ipvs0's, ...)",
      },
    ]);
    expect(out.branches.map((b: { verdict: string }) => b.verdict)).to.deep.equal(["REJECT"]);
  });

  it("reports a malformed rule at file:line:col, keeps it as never matching and answers with the rest", async () => {
    const { code, stdout, stderr } = await cli(
      ["--rules", "-", "--src", "10.0.0.1", "--dst", "10.0.0.2", "--dport", "80", "--local-ip", "10.0.0.2"],
      "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -s 10.0.0.300 -j DROP\n-A INPUT -s 10.0.0.1 -j REJECT\nCOMMIT\n",
    );
    expect(code).to.equal(0);
    expect(stderr).to.equal("");
    expect(stdout).to.include("verdict REJECT");
    expect(stdout).to.include(
      '<stdin>:3:13: warning[iptables-unreadable-rule]: "10.0.0.300" is not an IPv4 address or prefix; expected a.b.c.d or a.b.c.d/len; the rule is kept in chain INPUT and never matches\n',
    );
  });

  it("refuses a missing --rules file at FILE:1:1, exit 2", async () => {
    const { code, stdout, stderr } = await cli(["--rules", "no/such/file.txt", ...HOSTNAMES.slice(2)]);
    expect([code, stdout]).to.deep.equal([2, ""]);
    expect(stderr).to.equal("no/such/file.txt:1:1: error[input-file]: no such file or folder\n");
  });

  const usage: [string, string[], string][] = [
    ["a missing --dport", ["--rules", FIXTURE, "--src", "1.1.1.1", "--dst", "2.2.2.2"], "--dport is required"],
    ["an unknown flag", [...HOSTNAMES, "--bogus"], "unknown flag --bogus"],
    [
      "a bad address",
      ["--rules", FIXTURE, "--src", "1.1.1", "--dst", "2.2.2.2", "--dport", "80"],
      '--src "1.1.1" is not an IPv4 address; expected a.b.c.d',
    ],
    [
      "a bad port",
      ["--rules", FIXTURE, "--src", "1.1.1.1", "--dst", "2.2.2.2", "--dport", "http"],
      '--dport "http" is not a port; expected a number 1-65535',
    ],
    ["a bad protocol", [...HOSTNAMES, "--proto", "icmp"], '--proto "icmp" is not valid; expected tcp, udp or sctp'],
    ["a bad hook", [...HOSTNAMES, "--hook", "input"], '--hook "input" is not valid; expected prerouting or output'],
  ];
  for (const [name, argv, message] of usage) {
    it(`exits 2 with a usage message for ${name}`, async () => {
      const { code, stdout, stderr } = await cli(argv);
      expect(code).to.equal(2);
      expect(stdout).to.equal("");
      expect(stderr).to.contain(`kubehop netfilter: ${message}`);
      expect(stderr).to.contain("usage: kubehop netfilter --rules FILE|-");
      expect(stderr).not.to.match(/\n\s+at /);
    });
  }

  it("--help prints the usage and exits 0", async () => {
    const { code, stdout } = await cli(["--help"]);
    expect(code).to.equal(0);
    expect(stdout).to.match(/^kubehop netfilter: /);
    expect(stdout).to.contain("usage: kubehop netfilter --rules FILE|-");
  });
});
