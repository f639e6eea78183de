// kubehop drift recognises the CNIs' WireGuard AllowedIPs conventions (issue 13, item 8): a peer's
// own /32s are info, not drift; a /32 of another node or of nobody, or a missing pod range, is drift.
// What the CNIs put in a peer's AllowedIPs, from their sources:
// - Calico: wireguard.cali's peers hold the node's IPAM blocks and its tunnel address
//   (https://www.tigera.io/blog/introducing-wireguard-encryption-with-calico/, cited in
//   github.com/jmetzger/workshop-istio-kubernetes security/wireguard-calico/overview-and-exercise.md);
//   with host-to-host encryption, the host IP as well (FelixConfiguration wireguardHostEncryptionEnabled).
// - Cilium: "wireguard: unconditionally add NodeInternalIPs to allowed IPs"
//   (https://github.com/cilium/cilium/commit/580a48195744af554d709b4e9bd683bd9881900c).
// - Kilo: "By default, Kilo only routes pod CIDRs and individual node internal IPs"
//   (github.com/cozystack/website content/en/docs/v1/operations/multi-location/networking-mesh.md).
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { runCli } from "./support/cli.ts";
import { expectSchemaValid } from "./support/schemas.ts";

const FIXTURE = "spec/fixtures/topologies/drift-cni";
const WG = join("nodes", "node-1", "wg-show.txt");

describe("kubehop drift: CNI WireGuard conventions", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "kubehop-drift-cni-"));
    cpSync(FIXTURE, dir, { recursive: true });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** node-1's wg dump with one peer's allowed-ips line replaced. */
  function withAllowedIps(from: string, to: string): void {
    const text = readFileSync(join(dir, WG), "utf8");
    expect(text).to.include(from);
    writeFileSync(join(dir, WG), text.replace(from, to));
  }

  it("Calico's convention (pod range, tunnel /32, host /32 per peer): no drift, each /32 an info line naming it; exit 0", async () => {
    const r = await runCli(["drift", "-f", FIXTURE]);
    expect(r.stderr).to.equal("");
    expect(r.code).to.equal(0);
    const lines = r.stdout.split("\n");
    expect(lines[0]).to.equal("node-1: no drift (6 requests tried)");
    expect(lines).to.include(
      "  info: node-1's peer node-2 holds 10.244.1.250/32 in its AllowedIPs: node-2's WireGuard tunnel address, which Calico (wireguard.cali) and Kilo list; not drift",
    );
    expect(lines).to.include(
      "  info: node-1's peer node-3 holds 192.168.50.13/32 in its AllowedIPs: node-3's own address (InternalIP), which Calico with host-to-host encryption, Cilium and Kilo list; not drift",
    );
    expect(lines.filter((l) => l.startsWith("  info: "))).to.have.length(4);
  });

  it("--json: drift false, the conventions in the node's info, schema-valid", async () => {
    const r = await runCli(["drift", "-f", FIXTURE, "--json"]);
    const report = JSON.parse(r.stdout);
    expectSchemaValid("drift", report);
    expect(report.drift).to.equal(false);
    expect(report.nodes[0].differences).to.deep.equal([]);
    expect(report.nodes[0].info.filter((i: string) => i.endsWith("; not drift"))).to.have.length(4);
  });

  it("a /32 that is nobody's is drift (allowed-ips-extra); exit 1", async () => {
    withAllowedIps("10.244.1.0/24, 10.244.1.250/32", "10.244.1.0/24, 10.244.1.250/32, 10.99.0.7/32");
    const r = await runCli(["drift", "-f", dir, "--json"]);
    expect(r.code).to.equal(1);
    const [d, ...rest] = JSON.parse(r.stdout).nodes[0].differences;
    expect(rest).to.deep.equal([]);
    expect(d.kind).to.equal("allowed-ips-extra");
    expect(d.text).to.equal("peer node-2's AllowedIPs hold 10.99.0.7/32, which kubehop does not derive");
  });

  it("another node's address or tunnel /32 in a peer's AllowedIPs is drift: it steals that node's traffic", async () => {
    withAllowedIps(
      "10.244.1.0/24, 10.244.1.250/32, 192.168.50.12/32",
      "10.244.1.0/24, 10.244.2.250/32, 192.168.50.13/32",
    );
    const r = await runCli(["drift", "-f", dir, "--json"]);
    expect(r.code).to.equal(1);
    const texts = JSON.parse(r.stdout).nodes[0].differences.map((x: { kind: string; text: string }) => x.text);
    expect(texts).to.include(
      "peer node-2's AllowedIPs hold 10.244.2.250/32, 192.168.50.13/32, which kubehop does not derive",
    );
  });

  it("a missing pod range stays drift even when the peer's /32s follow the convention", async () => {
    withAllowedIps("10.244.2.0/24, 10.244.2.250/32", "10.244.2.250/32");
    const r = await runCli(["drift", "-f", dir]);
    expect(r.code).to.equal(1);
    expect(r.stdout).to.include("allowed-ips-missing: peer node-3's AllowedIPs lack 10.244.2.0/24");
    expect(r.stdout).to.include("info: node-1's peer node-3 holds 10.244.2.250/32");
  });
});
