// Traces through nodes whose kube-proxy runs in nftables mode walk its nft table (with the overlay
// agent's nat table), and each netfilter step names the table, chain, rule as listed and the
// verdict-map element that led to it. `kubehop verify` checks the same topologies against real nft.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { compareNode } from "../lib/drift/compare.ts";
import { nftNodeText } from "../lib/dataplane/nft-ruleset.ts";
import { listedIptablesRule, nodeRulesetText } from "../lib/kubeproxy/nftables/index.ts";
import type { NftRuleFact, StepDetail } from "../lib/model/step-detail.ts";
import { loadTopologySync, Topology } from "../lib/topology.ts";
import type { Branch } from "../lib/trace/types.ts";

const NFT = "topologies/nftables.yaml";
const HAIRPIN = "topologies/hard-cases/hairpin-nftables.yaml";
const LOCAL = "topologies/hard-cases/local-policy-nftables.yaml";
const RANGES = "topologies/hard-cases/lb-source-ranges-nftables.yaml";

type NetfilterDetail = Extract<StepDetail, { kind: "netfilter" }>;

function netfilterSteps(b: Branch): NetfilterDetail[] {
  return b.hops
    .flatMap((h) => h.steps.map((s) => s.detail))
    .filter((d): d is NetfilterDetail => d.kind === "netfilter");
}

function verdictNft(b: Branch): NftRuleFact {
  expect(b.detail.kind).to.equal("verdict");
  const nft = b.detail.kind === "verdict" ? b.detail.nft : undefined;
  expect(nft, "the verdict names its nft rule").to.not.equal(undefined);
  return nft!;
}

function withMode(path: string, mode: "iptables" | "nftables"): Topology {
  const topo = loadTopologySync(path);
  return new Topology({ ...topo.cluster, kubeProxy: { ...topo.cluster.kubeProxy, mode } });
}

describe("traces in kube-proxy's nftables mode", () => {
  const topo = loadTopologySync(NFT);

  it("DNATs a ClusterIP by the service-ips element and an endpoint chain's rule, named in the step", () => {
    const t = topo.trace({ from: "deploy/shop/web", to: "svc/shop/api" });
    expect(t.branches).to.have.length(6);
    for (const b of t.branches) {
      expect(b.disposition).to.equal("DELIVERED");
      const dnat = netfilterSteps(b).find((d) => d.target === "dnat")!;
      expect(dnat.nft).to.include({ family: "ip", table: "kube-proxy" });
      expect(dnat.nft!.rule).to.match(/^meta l4proto tcp dnat to 10\.244\.\d+\.\d+:9000$/);
      expect(dnat.chain).to.match(/^endpoint-[A-Z0-9]{8}-shop\/api\/tcp\/http__/);
      expect(dnat.path[0]).to.equal("nat-prerouting");
      expect(dnat.nft!.element).to.deep.equal({
        map: "@service-ips",
        text: "10.96.0.12 . tcp . 80 : goto service-WEZGB4Y6-shop/api/tcp/http",
      });
    }
    const step = t.branches[0]!.hops.flatMap((h) => h.steps).find(
      (s) => s.detail.kind === "netfilter" && s.type === "dnat",
    )!;
    expect(step.reason).to.match(
      /^table ip kube-proxy nat-prerouting > endpoint-.*: DNAT to .* \(rule 3\), from @service-ips/,
    );
  });

  it("rejects a Service without endpoints through no-endpoint-services and reject-chain: NO_ENDPOINTS", () => {
    const b = topo.trace({ from: "deploy/shop/web", to: "svc/shop/legacy" }).branches[0]!;
    expect(b.disposition).to.equal("NO_ENDPOINTS");
    const nft = verdictNft(b);
    expect(nft.rule).to.equal("reject");
    expect(nft.element).to.deep.equal({
      map: "@no-endpoint-services",
      text: '10.96.0.16 . tcp . 80 comment "shop/legacy:http" : goto reject-chain',
    });
    expect(b.reason).to.contain("by table ip kube-proxy reject-chain rule 1 (reject), from @no-endpoint-services");
  });

  it("rejects a ClusterIP's unused port (cluster-ips-check), which iptables mode leaves unanswered", () => {
    const b = topo.trace({ from: "deploy/shop/web", to: "10.96.0.12:81" }).branches[0]!;
    expect(b.disposition).to.equal("REJECTED");
    expect(verdictNft(b).rule).to.equal(
      'ip daddr @cluster-ips reject comment "Reject traffic to invalid ports of ClusterIPs"',
    );
    const ipt = withMode(NFT, "iptables").trace({ from: "deploy/shop/web", to: "10.96.0.12:81" }).branches[0]!;
    expect(ipt.disposition).to.not.equal("REJECTED");
  });

  it("refuses a NodePort on 127.0.0.1 in nftables mode and forwards it in iptables mode", () => {
    const nft = topo.trace({ from: "node/node-1", to: "127.0.0.1:30090" });
    expect(nft.branches.map((b) => b.disposition)).to.deep.equal(["CONNECTION_REFUSED"]);
    expect(nft.branches[0]!.hops.flatMap((h) => h.steps).some((s) => s.type === "dnat")).to.equal(false);
    const ipt = withMode(NFT, "iptables").trace({ from: "node/node-1", to: "127.0.0.1:30090" });
    expect(ipt.branches.every((b) => b.disposition === "DELIVERED")).to.equal(true);
    expect(ipt.branches.length).to.be.greaterThan(0);
  });

  it("drops a client outside loadBalancerSourceRanges in its firewall chain, from the firewall-ips element", () => {
    const t = loadTopologySync(RANGES);
    const out = t.trace({ from: "client/outsider", to: "203.0.113.10:80" });
    for (const b of out.branches) {
      expect(b.disposition).to.equal("DROPPED");
      const nft = verdictNft(b);
      expect(nft.rule).to.equal("ip saddr != 198.51.100.0/24 drop");
      expect(nft.element?.map).to.equal("@firewall-ips");
      expect(nft.element?.text).to.match(
        /^203\.0\.113\.10 \. tcp \. 80 : goto firewall-[A-Z0-9]{8}-default\/web\/tcp\/http$/,
      );
    }
    const allowed = t.trace({ from: "client/allowed", to: "203.0.113.10:80" });
    expect(allowed.branches.every((b) => b.disposition === "DELIVERED")).to.equal(true);
  });

  it("drops a NodePort on a node without local endpoints (Local policy): NO_LOCAL_ENDPOINTS by the nodeport map", () => {
    const t = loadTopologySync(LOCAL);
    const b = t.trace({ from: "client/client", to: "192.168.10.13:30080" }).branches[0]!;
    expect(b.disposition).to.equal("NO_LOCAL_ENDPOINTS");
    const nft = verdictNft(b);
    expect(nft.element?.map).to.equal("@no-endpoint-nodeports");
    expect(nft.element?.text).to.match(/^tcp \. 30080 comment "default\/web:http" : drop$/);
    const kept = t.trace({ from: "client/client", to: "192.168.10.11:30080" }).branches;
    expect(kept.map((x) => x.disposition)).to.deep.equal(["DELIVERED"]);
    const dnat = netfilterSteps(kept[0]!).find((d) => d.target === "dnat")!;
    expect(dnat.nft!.element?.map).to.equal("@service-nodeports");
  });

  it("masquerades a hairpin connection by kube-proxy's masquerading chain, before the agent's nat table", () => {
    const t = loadTopologySync(HAIRPIN);
    const b = t.trace({ from: "pod/default/echo-a", to: "svc/default/echo" }).branches;
    const masq = b.flatMap(netfilterSteps).filter((d) => d.target === "masquerade");
    expect(masq.length).to.be.greaterThan(0);
    for (const d of masq) {
      expect(d.nft).to.include({ table: "kube-proxy", rule: "masquerade fully-random" });
      expect(d.chain).to.equal("masquerading");
    }
  });

  it("walks the overlay agent's rules as nft lists what iptables-nft made of them (kubehop ruleset's text)", () => {
    expect(
      listedIptablesRule(
        '-A FLANNEL-POSTRTG -m mark --mark 0x4000/0x4000 -m comment --comment "flanneld masq" -j RETURN',
      ),
    ).to.equal("meta mark & 0x00004000 == 0x00004000  counter packets 0 bytes 0 return");
    expect(listedIptablesRule("-A F ! -s 10.244.0.0/16 -d 10.244.0.0/16 -j MASQUERADE --random-fully")).to.equal(
      "ip saddr != 10.244.0.0/16 ip daddr 10.244.0.0/16 counter packets 0 bytes 0 masquerade fully-random",
    );
    const node = topo.cluster.nodes[0]!;
    const text = nftNodeText(topo.cluster, node);
    expect(text).to.equal(nodeRulesetText(topo.cluster, node.name));
    expect(text).to.match(/^table ip nat \{\n\tchain POSTROUTING \{\n\t\ttype nat hook postrouting priority srcnat;/);
    expect(text).to.contain("\tchain KILO-NAT {\n\t\tip daddr 10.244.0.0/16  counter packets 0 bytes 0 return");
  });

  it("no longer lists iptables mode's differences in the kube-proxy-mode warning", () => {
    const w = topo.cluster.diagnostics.find((d) => d.code === "kube-proxy-mode")!;
    expect(w.message).to.contain("traces walk the nft table kube-proxy writes");
    expect(w.message).to.not.contain("differ");
  });

  it("takes a node's rules from its nft-ruleset.txt dump, even in iptables mode; drift says the mode differs", () => {
    const dir = mkdtempSync(join(tmpdir(), "kh-nft-dump-"));
    try {
      mkdirSync(join(dir, "node-1"));
      const file = join(dir, "node-1", "nft-ruleset.txt");
      writeFileSync(file, nftNodeText(topo.cluster, topo.cluster.nodes[0]!));
      const ipt = withMode(NFT, "iptables");
      const dumped = new Topology({
        ...ipt.cluster,
        nodeDumps: loadTopologySync(NFT, { dumps: dir }).cluster.nodeDumps,
      });
      expect(dumped.cluster.diagnostics.map((d) => d.code)).to.not.include("dump-nftables");
      const b = dumped.trace({ from: "node/node-1", to: "10.96.0.12:81" }).branches[0]!;
      expect(b.disposition).to.equal("REJECTED");
      expect(verdictNft(b).rule).to.match(/^ip daddr @cluster-ips reject/);
      const node = dumped.cluster.nodes[0]!;
      const { differences } = compareNode(dumped.cluster, node, dumped.cluster.nodeDumps.get("node-1")!);
      const table = nftNodeText(topo.cluster, node).split("\n").indexOf("table ip kube-proxy {") + 1;
      expect(differences.map((d) => `${d.kind} ${d.at}`)).to.deep.equal([`proxy-mode ${file}:${table}`]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
