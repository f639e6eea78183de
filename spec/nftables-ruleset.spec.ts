// `kubehop ruleset`: the node's kube-proxy rules as its own tool prints them, in the node's mode;
// `kubehop iptables-save` stays iptables mode's and refuses a node in nftables mode. In nftables mode
// the text is checked against what real nft lists in a throwaway network namespace.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { kubeProxyNftTable, listingText, nodeRulesetText } from "../lib/kubeproxy/nftables/index.ts";
import { agentRestoreText } from "../lib/emulate/iptables.ts";
import { loadTopologySync, Topology } from "../lib/topology.ts";
import { runCli } from "./support/cli.ts";

const NFT = "topologies/nftables.yaml";
const IPT = "topologies/default.yaml";
/** As real nft 1.0.6 lists Kilo's rules after iptables-nft-restore (seen in a namespace): the comment
 * match prints as nothing, hence the two spaces and the leading one. */
const AGENT_KILO_NODE_1 = `table ip nat {
\tchain POSTROUTING {
\t\ttype nat hook postrouting priority srcnat; policy accept;
\t\tip saddr 10.244.0.0/24  counter packets 0 bytes 0 jump KILO-NAT
\t}

\tchain KILO-NAT {
\t\tip daddr 10.244.0.0/16  counter packets 0 bytes 0 return
\t\tip daddr 192.168.10.0/24  counter packets 0 bytes 0 return
\t\t counter packets 0 bytes 0 masquerade
\t}
}
`;
const SERVICE =
  "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  selector: {app: web}\n  ports: [{port: 80}]\n";

describe("kubehop ruleset", () => {
  it("prints nft list ruleset in nftables mode: the agent's iptables-nft table, then kube-proxy's unchanged", async () => {
    const r = await runCli(["ruleset", "-f", NFT, "--node", "node-1"]);
    expect(r.code).to.equal(0);
    const kubeProxy = listingText(kubeProxyNftTable(loadTopologySync(NFT).cluster, "node-1"));
    expect(r.stdout).to.equal(nodeRulesetText(loadTopologySync(NFT).cluster, "node-1"));
    expect(r.stdout.startsWith(AGENT_KILO_NODE_1)).to.equal(true);
    expect(r.stdout.slice(AGENT_KILO_NODE_1.length)).to.equal(kubeProxy);
    expect(kubeProxy).to.match(/^table ip kube-proxy \{\n\tcomment "rules for kube-proxy"\n/);
    expect(r.stdout).to.contain("\t\tnumgen random mod 3 vmap { 0 : goto endpoint-");
    expect(r.stderr).to.contain('warning[kube-proxy-mode]: kube-proxy mode "nftables"');
  });

  it("gives each node its own table: a Local policy's endpoints differ", async () => {
    const [one, two] = await Promise.all(["node-1", "node-2"].map((n) => runCli(["ruleset", "-f", NFT, "--node", n])));
    expect(one!.stdout).not.to.equal(two!.stdout);
    expect(one!.stdout).to.contain("chain local-");
  });

  it("shares a service port's objects between nodes without one node's leaking into another's", () => {
    const fresh = (node: string) => listingText(kubeProxyNftTable(loadTopologySync(NFT).cluster, node));
    const { cluster } = loadTopologySync(NFT);
    const two = kubeProxyNftTable(cluster, "node-2");
    const one = kubeProxyNftTable(cluster, "node-1");
    expect(listingText(one)).to.equal(fresh("node-1"));
    expect(listingText(two)).to.equal(fresh("node-2"));
    const shared = one.chains.filter((c) => two.chains.includes(c));
    expect(shared.length).to.be.greaterThan(10).and.below(one.chains.length);
  });

  it("prints what iptables-save prints in iptables mode", async () => {
    const ruleset = await runCli(["ruleset", "-f", IPT, "--node", "node-2"]);
    const save = await runCli(["iptables-save", "-f", IPT, "--node", "node-2"]);
    expect(ruleset.code).to.equal(0);
    expect(ruleset.stdout).to.equal(save.stdout).and.to.contain("*nat\n");
  });

  it("names the valid nodes for an unknown one, exit 2", async () => {
    const r = await runCli(["ruleset", "-f", NFT, "--node", "node-9"]);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.contain('unknown node "node-9"; valid nodes: node-1, node-2');
  });

  it("iptables-save refuses a node in nftables mode and points to ruleset, exit 2", async () => {
    const r = await runCli(["iptables-save", "-f", NFT, "--node", "node-1"]);
    expect(r.code).to.equal(2);
    expect(r.stdout).to.equal("");
    expect(r.stderr).to.contain("node node-1 runs kube-proxy in nftables mode").and.to.contain("kubehop ruleset");
  });

  it("reads the mode from kubeadm's kube-proxy ConfigMap too", async () => {
    const configMap = readFileSync("spec/fixtures/kubectl/kube-proxy-configmap.yaml", "utf8");
    expect(configMap).to.contain('    mode: ""\n');
    const dir = mkdtempSync(join(tmpdir(), "kubehop-nft-"));
    const file = join(dir, "cluster.yaml");
    writeFileSync(file, `${configMap.replace('    mode: ""\n', "    mode: nftables\n")}\n---\n${SERVICE}`);
    const r = await runCli(["ruleset", "-f", file, "--node", "node-1"]);
    rmSync(dir, { recursive: true });
    expect(r.code).to.equal(0);
    expect(r.stdout).to.match(/^table ip nat \{\n(.*\n)*\}\ntable ip kube-proxy \{/);
    expect(r.stderr).to.contain('kube-proxy mode "nftables"');
  });

  it("refuses IPVS mode, whose rules come only from a node dump, exit 2", async () => {
    const yaml = `apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nmode: ipvs\n---\n${SERVICE}`;
    const dir = mkdtempSync(join(tmpdir(), "kubehop-ipvs-"));
    writeFileSync(join(dir, "ipvs.yaml"), yaml);
    const r = await runCli(["ruleset", "-f", join(dir, "ipvs.yaml"), "--node", "node-1"]);
    rmSync(dir, { recursive: true });
    expect(r.code).to.equal(2);
    expect(r.stderr).to.contain("runs kube-proxy in IPVS mode, whose rules kubehop does not generate");
    expect(r.stderr).to.contain('kube-proxy mode "ipvs": kubehop models IPVS only from a node dump');
  });
});

describe("kubehop ruleset in nftables mode against the real nft (network namespace)", function () {
  // Each case runs iptables-nft-restore and nft twice in a namespace, each a process.
  this.timeout(30000);
  // Not kh-: emulate's sweep removes every kh-RUN namespace whose run has no owner.
  const netns = `khspec-ruleset-${process.pid}`;
  let created = false;
  const inNetns = (args: string[], input?: string) =>
    execFileSync("ip", ["netns", "exec", netns, ...args], { input, encoding: "utf8", stdio: ["pipe", "pipe", "pipe"] });

  before(function () {
    const tools = "command -v nft && command -v iptables-nft-restore && command -v ip";
    if (process.getuid?.() !== 0 || spawnSync("sh", ["-c", tools]).status !== 0) {
      console.log("      nft ruleset specs skipped: needs root, nft, iptables-nft-restore and ip");
      this.skip();
    }
  });

  beforeEach(() => {
    execFileSync("ip", ["netns", "add", netns]);
    created = true;
  });

  afterEach(() => {
    if (created) execFileSync("ip", ["netns", "del", netns]);
    created = false;
  });

  for (const style of ["kilo", "flannel"] as const) {
    it(`prints what nft list ruleset prints after the agent's iptables-nft-restore and kube-proxy's nft -f: ${style}`, () => {
      const base = loadTopologySync(NFT);
      const topo = new Topology({ ...base.cluster, overlay: { ...base.cluster.overlay, style } });
      // Loaded as the node loads them, and as emulate does: the agent's rules, then kube-proxy's table.
      inNetns(["iptables-nft-restore", "-w", "5"], agentRestoreText(topo, topo.network.node("node-2")));
      inNetns(["nft", "-f", "-"], listingText(kubeProxyNftTable(topo.cluster, "node-2")));
      expect(inNetns(["nft", "list", "ruleset"])).to.equal(nodeRulesetText(topo.cluster, "node-2"));
    });
  }
});
