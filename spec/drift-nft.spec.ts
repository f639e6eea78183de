// `kubehop drift` on a node in kube-proxy's nftables mode: its dumped `table ip kube-proxy` is
// compared with the one kubehop generates, by Service port (map elements, endpoint DNATs, affinity,
// traffic policy), each difference at the dump's line; the node's other tables are info, not drift.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { compareNode, type NodeComparison } from "../lib/drift/compare.ts";
import { nodeRulesetText } from "../lib/kubeproxy/nftables/index.ts";
import type { Cluster } from "../lib/model/cluster.ts";
import { loadTopologySync } from "../lib/topology.ts";
import { runCli } from "./support/cli.ts";
import { expectSchemaValid } from "./support/schemas.ts";

const NFT = "topologies/nftables.yaml";
const GENERATED = nodeRulesetText(loadTopologySync(NFT).cluster, "node-1");

/** The 1-based line of the generated listing that holds `part`. */
function lineOf(text: string, part: string): number {
  const i = text.split("\n").findIndex((l) => l.includes(part));
  if (i < 0) throw new Error(`no line holds ${part}`);
  return i + 1;
}

describe("kubehop drift compares a node's nft table ip kube-proxy", () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "kh-drift-nft-"));
    mkdirSync(join(dir, "node-1"));
    file = join(dir, "node-1", "nft-list-ruleset.txt");
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const compare = (text: string, extra: Record<string, string> = {}, mode?: Cluster["kubeProxy"]["mode"]) => {
    writeFileSync(file, text);
    for (const [name, content] of Object.entries(extra)) writeFileSync(join(dir, "node-1", name), content);
    const { cluster } = loadTopologySync(NFT, { dumps: dir });
    const c = mode ? { ...cluster, kubeProxy: { ...cluster.kubeProxy, mode } } : cluster;
    return compareNode(c, c.nodes[0]!, c.nodeDumps.get("node-1")!);
  };
  const kinds = (c: NodeComparison) => c.differences.map((d) => `${d.part}/${d.kind}`);

  it("finds no difference in the generated ruleset; the agent's iptables-nft table is info", () => {
    const c = compare(GENERATED);
    expect(c.differences).to.deep.equal([]);
    expect(c.info).to.deep.equal(["table ip nat is not kube-proxy's: not compared (traces still walk it)"]);
  });

  it("an endpoint removed from a Service's numgen map: missing-endpoint at that rule", () => {
    const text = GENERATED.replace(
      /numgen random mod 3 (vmap \{ 0 : goto endpoint-\S+web-internal\S+, 1 : goto endpoint-\S+web-internal\S+), 2 : goto \S+ \}/,
      "numgen random mod 2 $1 }",
    );
    expect(text).to.not.equal(GENERATED);
    const [d, ...rest] = compare(text).differences;
    expect(rest).to.deep.equal([]);
    expect(d).to.deep.equal({
      part: "nftables",
      kind: "missing-endpoint",
      text:
        "shop/web-internal:http does not DNAT to 10.244.1.2:8080 (pod shop/web-w52zww7tln-wlkfg), an endpoint of " +
        "it: a stale kube-proxy",
      at: `${file}:${lineOf(text, "numgen random mod 2 vmap { 0 : goto endpoint-RVTZPVZF")}`,
      touches: { service: "shop/web-internal:http" },
    });
  });

  it("a Service no object has: stale-service at its service-ips element", () => {
    const element = "10.96.0.99 . tcp . 80 : goto service-AAAAAAAA-shop/ghost/tcp/http";
    const text = GENERATED.replace(
      "\t\t\t     10.96.0.11 . tcp . 80",
      `\t\t\t     ${element},\n\t\t\t     10.96.0.11 . tcp . 80`,
    ).replace(
      "\tchain mark-for-masquerade {",
      "\tchain service-AAAAAAAA-shop/ghost/tcp/http {\n\t\tmeta l4proto tcp dnat to 10.244.0.77:80\n\t}\n\n" +
        "\tchain mark-for-masquerade {",
    );
    const c = compare(text);
    expect(c.differences).to.deep.equal([
      {
        part: "nftables",
        kind: "stale-service",
        text: "Service port shop/ghost:http still has rules on node-1 but no such Service port exists: a stale kube-proxy",
        at: `${file}:${lineOf(text, element)}`,
        touches: { service: "shop/ghost:http" },
      },
    ]);
  });

  it("a DNAT to another address: stale-endpoint at the rule, and the endpoint it replaced missing", () => {
    const lines = GENERATED.split("\n");
    const at = lines.findIndex((l) => l.endsWith("dnat to 10.244.0.3:8080"));
    lines[at] = lines[at]!.replace("10.244.0.3", "10.244.0.9");
    const c = compare(lines.join("\n"));
    expect(kinds(c)).to.deep.equal(["nftables/stale-endpoint", "nftables/missing-endpoint"]);
    expect(c.differences[0]!.text).to.equal(
      "shop/web-internal:http DNATs to 10.244.0.9:8080 (endpoint chain), which is not an endpoint of it (no pod " +
        "has that address): a stale kube-proxy",
    );
    expect(c.differences[0]!.at).to.equal(`${file}:${at + 1}`);
    expect(c.differences[1]!.text).to.contain("does not DNAT to 10.244.0.3:8080 (pod shop/web-w52zww7tln-6vqqn)");
  });

  it("affinity and traffic policies visible in the rules: each its difference at the dump's line", () => {
    const aff = GENERATED.replace("\t\ttimeout 10m\n", "\t\ttimeout 3h\n");
    const [affinity, ...none] = compare(aff).differences;
    expect(none).to.deep.equal([]);
    expect(affinity).to.deep.include({
      kind: "different-affinity",
      text: "shop/api:http keeps ClientIP affinity (timeout 3h) on node-1, kubehop derives ClientIP affinity (timeout 10m)",
      at: `${file}:${lineOf(aff, "set affinity-")}`,
    });
    const external = GENERATED.replace(
      "\t\tgoto local-KHN6ECMT-shop/web/tcp/http\n",
      "\t\tgoto service-KHN6ECMT-shop/web/tcp/http\n",
    );
    const [policy] = compare(external).differences;
    expect(policy).to.deep.include({
      kind: "different-traffic-policy",
      text:
        "shop/web:http's external- chain sends external traffic as externalTrafficPolicy Cluster does, kubehop " +
        "derives Local",
      at: `${file}:${lineOf(external, "chain external-KHN6ECMT")}`,
    });
    const internal = GENERATED.replace("81 : goto local-P3WHSDF6", "81 : goto service-P3WHSDF6");
    const [entry] = compare(internal).differences;
    expect(entry).to.deep.include({
      kind: "different-entry",
      at: `${file}:${lineOf(internal, "10.96.0.15 . tcp . 81")}`,
    });
    expect(entry!.text).to.match(/\(internalTrafficPolicy Cluster on the node, Local in the Service\)$/);
  });

  it("a ClusterIP changed: the old element stale at its line, the derived one missing", () => {
    const text = GENERATED.replace(
      "10.96.0.12 . tcp . 80 : goto service-WEZGB4Y6",
      "10.96.0.42 . tcp . 80 : goto service-WEZGB4Y6",
    );
    const c = compare(text);
    expect(kinds(c)).to.deep.equal(["nftables/missing-entry", "nftables/stale-entry"]);
    expect(c.differences[0]!.text).to.equal(
      "shop/api:http has no service-ips element 10.96.0.12 . tcp . 80 : goto service-WEZGB4Y6-shop/api/tcp/http",
    );
    expect(c.differences[1]!.at).to.equal(`${file}:${lineOf(text, "10.96.0.42 . tcp . 80")}`);
  });

  it("in nftables mode a dump without kube-proxy's table misses every Service port", () => {
    const c = compare("table ip nat {\n}\n");
    expect(new Set(kinds(c))).to.deep.equal(new Set(["nftables/missing-service"]));
    expect(c.differences.length).to.be.greaterThan(5);
  });

  it("kube-proxy's table on a node the configuration puts in iptables mode: proxy-mode at the table's line", () => {
    const c = compare(GENERATED, {}, "iptables");
    expect(c.differences).to.deep.equal([
      {
        part: "nftables",
        kind: "proxy-mode",
        text: "kube-proxy runs in nftables mode on node-1 (its table ip kube-proxy is there), the KubeProxyConfiguration says iptables",
        at: `${file}:${lineOf(GENERATED, "table ip kube-proxy {")}`,
        touches: { node: "node-1" },
      },
    ]);
  });

  it("an iptables-save.txt beside kube-proxy's nft table is not compared, and says so", () => {
    const c = compare(GENERATED, { "iptables-save.txt": "*nat\n:POSTROUTING ACCEPT [0:0]\nCOMMIT\n" });
    expect(c.differences).to.deep.equal([]);
    expect(c.info).to.include(
      `${join(dir, "node-1", "iptables-save.txt")}: not compared; kube-proxy's rules are in ${file}`,
    );
  });

  it("the command: text under nftables, --json valid against the schema, exit 1", async () => {
    const lines = GENERATED.split("\n");
    const at = lines.findIndex((l) => l.endsWith("dnat to 10.244.0.3:8080"));
    lines[at] = lines[at]!.replace("10.244.0.3", "10.244.0.9");
    writeFileSync(file, lines.join("\n"));
    const text = await runCli(["drift", "-f", NFT, "--dumps", dir]);
    expect(text.code).to.equal(1);
    expect(text.stdout).to.contain(
      `node-1: 2 differences (10 requests tried)\n  nftables\n    stale-endpoint: shop/web-internal:http DNATs to ` +
        `10.244.0.9:8080 (endpoint chain), which is not an endpoint of it (no pod has that address): a stale ` +
        `kube-proxy  [${file}:${at + 1}]\n      breaks pod/`,
    );
    const json = await runCli(["drift", "-f", NFT, "--dumps", dir, "--json"]);
    const report = JSON.parse(json.stdout);
    expectSchemaValid("drift", report);
    expect(report.nodes[0].files).to.deep.equal([file]);
    expect(report.nodes[0].differences.map((d: { part: string }) => d.part)).to.deep.equal(["nftables", "nftables"]);
    expect(report.nodes[0].differences[0].breaks.length).to.be.greaterThan(0);
  });
});
