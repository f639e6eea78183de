// Issue 13 item 2, for rules read alone (`kubehop netfilter`): addrtype LOCAL holds 127.0.0.0/8 as the
// kernel's local table does, and what the rules cannot tell (the node's other addresses, the
// interfaces, the address MASQUERADE writes) is an assumption the answer names, never a fact.
import { readFileSync } from "node:fs";
import { expect } from "chai";
import type { Ruleset } from "../lib/model/ruleset.ts";
import { walkNode } from "../lib/netfilter/node-walk.ts";
import { parseIptablesSave } from "../lib/netfilter/parser.ts";
import { runCli } from "./support/cli.ts";
import { ip, pkt } from "./fixtures/netfilter/helpers.ts";

// spec/fixtures/real/SOURCES.md: a Docker host's nat table, every rule printed twice by iptables-save.
const DOCKER = "spec/fixtures/real/iptables/docker-exadata-12-nat.txt";
const KUBE_PROXY = "spec/fixtures/netfilter/kube-proxy-node.txt";

describe("local addresses and interfaces in rules read alone", () => {
  let docker: Ruleset;
  let kubeProxy: Ruleset;
  before(() => {
    docker = parseIptablesSave(readFileSync(DOCKER, "utf8"), DOCKER);
    kubeProxy = parseIptablesSave(readFileSync(KUBE_PROXY, "utf8"), KUBE_PROXY);
  });

  describe(DOCKER, () => {
    // expectations.yaml: a container's packet to the internet is MASQUERADEd by POSTROUTING rule 1.
    it("MASQUERADEs a container's packet leaving by eth0, to an address it says it was not given", () => {
      const packet = pkt("172.17.0.2", "93.184.216.34", 443);
      const [b, ...more] = walkNode(docker, packet, { hook: "prerouting", localIps: [], inIface: "docker0" });
      expect(more).to.have.length(0);
      expect(b!.verdict).to.equal("ACCEPT");
      expect(b!.masquerade).to.equal(true);
      expect(b!.snat).to.equal(null);
      expect(b!.rules).to.deep.equal(["-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE"]);
      const kinds = b!.assumptions.map(
        (a) => `${a.kind}${"rule" in a && a.rule ? ` ${a.rule.chain}#${a.rule.index}` : ""}`,
      );
      expect(kinds).to.deep.equal([
        "not-local PREROUTING#1",
        "not-local PREROUTING#2",
        "not-local",
        "iface POSTROUTING#1",
        "masquerade-source POSTROUTING#1",
      ]);
    });

    it("MASQUERADEs to the node's only address when it is given, assuming nothing about it", () => {
      const packet = pkt("172.17.0.2", "93.184.216.34", 443);
      const [b] = walkNode(docker, packet, {
        hook: "prerouting",
        localIps: [ip("10.0.0.5")],
        inIface: "docker0",
        outIface: "eth0",
      });
      expect(b!.snat).to.equal("10.0.0.5:40000");
      expect(b!.assumptions).to.deep.equal([]);
    });

    it("with several addresses, takes the first as the out interface's and says so", () => {
      const packet = pkt("172.17.0.2", "93.184.216.34", 443);
      const [b] = walkNode(docker, packet, {
        hook: "prerouting",
        localIps: [ip("10.0.0.5"), ip("172.17.0.1")],
        inIface: "docker0",
        outIface: "eth0",
      });
      expect(b!.snat).to.equal("10.0.0.5:40000");
      expect(b!.assumptions.map((a) => a.kind)).to.deep.equal(["masquerade-source"]);
    });

    // expectations.yaml: to a local address from outside, PREROUTING jumps DOCKER (dst LOCAL), whose
    // -i docker0 rules do not match, twice (the rule is doubled): no DNAT, the policy accepts, INPUT.
    it("sends a packet for a node address from eth0 through DOCKER and on to INPUT, no DNAT", () => {
      const packet = pkt("192.0.2.50", "10.0.0.5", 8080);
      const [b] = walkNode(docker, packet, {
        hook: "prerouting",
        localIps: [ip("10.0.0.5"), ip("172.17.0.1")],
        inIface: "eth0",
      });
      expect([b!.verdict, b!.dnat, b!.route]).to.deep.equal(["ACCEPT", null, "local"]);
      expect(b!.steps.filter((s) => s.event.kind === "jump").map((s) => s.event.rule.index)).to.deep.equal([1, 2]);
      expect(b!.assumptions).to.deep.equal([]);
    });

    it("knows 127.0.0.0/8 is local: OUTPUT's `! -d 127.0.0.0/8` rule is what keeps 127.0.0.11 out of DOCKER", () => {
      const [b] = walkNode(docker, pkt("127.0.0.1", "127.0.0.11", 53, { proto: "udp" }), {
        hook: "output",
        localIps: [],
      });
      expect([b!.verdict, b!.route]).to.deep.equal(["ACCEPT", "local"]);
      expect(b!.hooks).to.deep.equal(["OUTPUT", "POSTROUTING", "INPUT"]);
      expect(b!.assumptions).to.deep.equal([]);
    });

    it("kubehop netfilter says what the answer depends on, and never that the kernel drops the packet", async () => {
      const argv = ["netfilter", "--rules", DOCKER, "--src", "172.17.0.2", "--dst", "93.184.216.34", "--dport", "443"];
      const { code, stdout } = await runCli([...argv, "--in-iface", "docker0"]);
      expect(code).to.equal(0);
      expect(stdout).to.not.include("drops");
      expect(stdout).to.include("masquerade to an address not given");
      expect(stdout).to.include(
        `${DOCKER}:12:1: warning[netfilter-assumed]: nat POSTROUTING rule 1 tests ! -o docker0 in POSTROUTING; the packet's outgoing interface is not given, so eth0 was assumed (hint: give it with --out-iface NAME)`,
      );
      expect(stdout).to.include(
        `${DOCKER}:12:1: warning[netfilter-assumed]: nat POSTROUTING rule 1 MASQUERADEs to the address of eth0, which is not given: the new source is unknown`,
      );
    });
  });

  describe("kube-proxy's NodePorts on localhost", () => {
    // KUBE-SERVICES' last rule sends dst-type LOCAL to KUBE-NODEPORTS; 127.0.0.1 is local on any node.
    it("DNATs 127.0.0.1:30080 from a node process with no address given, assuming nothing", () => {
      const branches = walkNode(kubeProxy, pkt("127.0.0.1", "127.0.0.1", 30080), { hook: "output", localIps: [] });
      expect(branches.length).to.be.greaterThan(0);
      for (const b of branches) {
        expect(b.dnat).to.match(/^10\.244\.\d+\.\d+:\d+$/);
        // Only the pod address the DNAT wrote is asked about (routing after OUTPUT), never 127.0.0.1.
        expect(b.assumptions.map((a) => (a.kind === "not-local" ? a.ip : 0))).to.not.include(ip("127.0.0.1"));
      }
    });

    it("without --local-ip, a ClusterIP's NodePort question is named, not answered as fact", () => {
      const [b] = walkNode(kubeProxy, pkt("10.0.0.1", "10.96.44.44", 80), { hook: "output", localIps: [] });
      const asked = b!.assumptions.filter((a) => a.kind === "not-local");
      expect(asked.map((a) => [a.ip, a.rule?.chain, a.rule?.index, a.hook])).to.deep.equal([
        [ip("10.96.44.44"), "KUBE-SERVICES", 7, "OUTPUT"],
      ]);
    });
  });
});
