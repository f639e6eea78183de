// kubehop drift: where a node's dumps differ from what the objects derive, and the requests each
// difference breaks (traced on the derived model and on the model with that part of the dump).
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { routeTable } from "../lib/control/node-network.ts";
import { routeText } from "../lib/dataplane/routing.ts";
import { peersOf, wireGuardAddress } from "../lib/control/overlay.ts";
import { formatIpv4 } from "../lib/model/address.ts";
import { loadTopologySync } from "../lib/topology.ts";
import { runCli } from "./support/cli.ts";
import { expectSchemaValid } from "./support/schemas.ts";

const EXAMPLE = "topologies/dumps-example";

/** Dumps of node-1 exactly as kubehop derives it: iptables-save, ip route, wg show all dump. */
function derivedDumps(dir: string): void {
  const topo = loadTopologySync(join(dir, "topology.yaml"));
  const c = { ...topo.cluster, nodeDumps: new Map() };
  const n1 = c.nodes[0]!;
  const n = join(dir, "nodes", "node-1");
  writeFileSync(join(n, "iptables-save.txt"), topo.iptablesSave("node-1"));
  writeFileSync(join(n, "ip-route.txt"), `${routeTable(c, n1).map(routeText).join("\n")}\n`);
  const wg = wireGuardAddress(n1, c.overlay.style)!;
  writeFileSync(
    join(n, "ip-addr.txt"),
    `1: lo    inet 127.0.0.1/8 scope host lo\n2: eth0    inet ${formatIpv4(n1.ip)}/24 scope global eth0\n3: wg0    inet ${formatIpv4(wg)}/32 scope global wg0\n4: bridge0    inet ${formatIpv4(n1.bridgeIp)}/24 scope global bridge0\n`,
  );
  const peers = peersOf(n1, c.nodes, c.overlay.style, c.overlay.listenPort);
  writeFileSync(
    join(n, "wg-show.txt"),
    `${[
      `wg0\t(hidden)\t${n1.wireguard.publicKey}\t51820\toff`,
      ...peers.map(
        (p) =>
          `wg0\t${p.publicKey}\t(none)\t${formatIpv4(p.endpoint!.ip)}:${p.endpoint!.port}\t${p.allowedIps.map((a) => a.text).join(",")}\t0\t0\t0\t25`,
      ),
    ].join("\n")}\n`,
  );
}

describe("kubehop drift", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "kubehop-drift-"));
    cpSync(EXAMPLE, dir, { recursive: true });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("names node-1's stale KUBE-SEP, its missing WireGuard peer and its route to nowhere, with the requests each breaks; exit 1", async () => {
    const r = await runCli(["drift", "-t", EXAMPLE]);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.equal("");
    expect(r.stdout).to.equal(EXPECTED);
  });

  it("--json says the same, byte-identical run after run", async () => {
    const a = await runCli(["drift", "-t", EXAMPLE, "--json"]);
    const b = await runCli(["drift", "-t", `${EXAMPLE}/topology.yaml`, "--json"]);
    expect(a.stdout).to.equal(b.stdout);
    const report = JSON.parse(a.stdout);
    expectSchemaValid("drift", report);
    expect(report.drift).to.equal(true);
    const kinds = report.nodes[0].differences.map((d: { part: string; kind: string }) => `${d.part}/${d.kind}`);
    expect(kinds).to.deep.equal([
      "iptables/stale-endpoint",
      "iptables/missing-endpoint",
      "routes/route-to-nowhere",
      "wireguard/missing-peer",
    ]);
    const peer = report.nodes[0].differences[3];
    expect(peer.breaks.map((b: { dumped: string }) => b.dumped)).to.include("WG_NO_PEER");
  });

  it("dumps that match what kubehop derives: no drift, exit 0", async () => {
    derivedDumps(dir);
    const r = await runCli(["drift", "-t", dir]);
    // kubehop's own derivation may hold the CNI's chains (FLANNEL-POSTRTG): info, never drift.
    expect(r.stdout.split("\n")[0]).to.equal("node-1: no drift (7 requests tried)");
    expect(
      r.stdout
        .split("\n")
        .slice(1)
        .filter((l) => l !== "" && !l.startsWith("  info: ")),
    ).to.deep.equal([]);
    expect(r.code).to.equal(0);
  });

  it("no dumps at all: nothing to compare, exit 0", async () => {
    const r = await runCli(["drift", "-t", "topologies/default.yaml"]);
    expect(r).to.deep.equal({
      code: 0,
      stdout: "no node dumps: nothing to compare (see kubehop collect)\n",
      stderr: "",
    });
  });

  it("AllowedIPs missing an entry or holding an extra one, an endpoint mismatch, a peer of no node, a Service kube-proxy never programmed", async () => {
    derivedDumps(dir);
    const n = join(dir, "nodes", "node-1");
    const wg = (await import("node:fs")).readFileSync(join(n, "wg-show.txt"), "utf8").split("\n");
    wg[1] = wg[1]!.replace("10.42.1.0/24", "10.42.1.0/25").replace(":51820", ":51999");
    wg.splice(
      3,
      0,
      "wg0\tTrMvSoP4jYQlY6RIzBgbssQqY3vxI2Pi+y71lOWWXX0=\t(none)\t203.0.113.9:51820\t10.9.0.0/16\t0\t0\t0\toff",
    );
    writeFileSync(join(n, "wg-show.txt"), wg.join("\n"));
    const ipt = (await import("node:fs")).readFileSync(join(n, "iptables-save.txt"), "utf8");
    writeFileSync(
      join(n, "iptables-save.txt"),
      ipt
        .split("\n")
        .filter((l) => !l.includes('"shop/web:http cluster IP"'))
        .join("\n"),
    );
    const r = await runCli(["drift", "-t", dir]);
    expect(r.code).to.equal(1);
    const lines = r.stdout.split("\n").filter((l) => /^ {4}[a-z-]+: /.test(l));
    expect(lines).to.deep.equal([
      "    missing-service: Service port shop/web:http has no rules on node-1: kube-proxy has not programmed it",
      `    allowed-ips-missing: peer node-2's AllowedIPs lack 10.42.1.0/24  [${join(n, "wg-show.txt")}:2]`,
      `    allowed-ips-extra: peer node-2's AllowedIPs hold 10.42.1.0/25, which kubehop does not derive  [${join(n, "wg-show.txt")}:2]`,
      `    endpoint-mismatch: peer node-2's endpoint is 192.168.10.12:51999, kubehop derives 192.168.10.12:51820  [${join(n, "wg-show.txt")}:2]`,
      `    extra-peer: peer TrMvSoP4... (endpoint 203.0.113.9:51820, allowed-ips 10.9.0.0/16) is no node's  [${join(n, "wg-show.txt")}:4]`,
    ]);
    expect(r.stdout).to.include("breaks pod/shop/api-rndpbnfwlh-kp58t -> svc/shop/web:http");
  });

  it("a dump line it cannot read is skipped with a warning, not bad input: drift still runs", async () => {
    writeFileSync(join(dir, "nodes", "node-1", "ip-addr.txt"), "2: eth0    inet 192.168.10.11/40\n");
    const r = await runCli(["drift", "-t", dir]);
    expect(r.code, r.stderr).to.equal(1);
    expect(r.stdout).to.match(/^node-1: \d+ differences/);
  });
});

const EXPECTED = `node-1: 4 differences (7 requests tried)
  iptables
    stale-endpoint: shop/api:http DNATs to 10.42.1.9:9000 (KUBE-SEP), which is not an endpoint of it (no pod has that address): a stale kube-proxy  [topologies/dumps-example/nodes/node-1/iptables-save.txt:68]
      breaks pod/shop/api-rndpbnfwlh-kp58t -> svc/shop/api:http
        derived:   DELIVERED to shop/api-rndpbnfwlh-kp58t 33.3%, DELIVERED to shop/api-rndpbnfwlh-p84dp 33.3%, DELIVERED to shop/api-rndpbnfwlh-wwpzc 33.3%
        as dumped: DELIVERED to shop/api-rndpbnfwlh-kp58t 33.3%, DELIVERED to shop/api-rndpbnfwlh-p84dp 33.3%, NEIGHBOR_UNREACHABLE 33.3%
    missing-endpoint: shop/api:http does not DNAT to 10.42.1.3:9000 (pod shop/api-rndpbnfwlh-wwpzc), an endpoint of it: a stale kube-proxy
      breaks pod/shop/api-rndpbnfwlh-kp58t -> svc/shop/api:http
        derived:   DELIVERED to shop/api-rndpbnfwlh-kp58t 33.3%, DELIVERED to shop/api-rndpbnfwlh-p84dp 33.3%, DELIVERED to shop/api-rndpbnfwlh-wwpzc 33.3%
        as dumped: DELIVERED to shop/api-rndpbnfwlh-kp58t 33.3%, DELIVERED to shop/api-rndpbnfwlh-p84dp 33.3%, NEIGHBOR_UNREACHABLE 33.3%
  routes
    route-to-nowhere: 10.99.0.0/16 via 192.168.10.99 dev eth0 proto static: 192.168.10.99 is on the underlay but no node, gateway or load balancer has it  [topologies/dumps-example/nodes/node-1/ip-route.txt:4]
      breaks none of the requests tried
  wireguard
    missing-peer: no peer for node-3 (endpoint 192.168.10.13:51820, allowed-ips 10.42.2.0/24)
      breaks pod/shop/api-rndpbnfwlh-kp58t -> svc/shop/web:http
        derived:   DELIVERED to shop/web-pwxfdbx72d-6vqqn 33.3%, DELIVERED to shop/web-pwxfdbx72d-7ql9d 33.3%, DELIVERED to shop/web-pwxfdbx72d-wlkfg 33.3%
        as dumped: DELIVERED to shop/web-pwxfdbx72d-7ql9d 33.3%, DELIVERED to shop/web-pwxfdbx72d-wlkfg 33.3%, WG_NO_PEER 33.3%
      breaks pod/shop/api-rndpbnfwlh-kp58t -> svc/shop/api:http
        derived:   DELIVERED to shop/api-rndpbnfwlh-kp58t 33.3%, DELIVERED to shop/api-rndpbnfwlh-p84dp 33.3%, DELIVERED to shop/api-rndpbnfwlh-wwpzc 33.3%
        as dumped: DELIVERED to shop/api-rndpbnfwlh-kp58t 33.3%, DELIVERED to shop/api-rndpbnfwlh-wwpzc 33.3%, WG_NO_PEER 33.3%
      breaks pod/shop/api-rndpbnfwlh-kp58t -> pod/shop/api-rndpbnfwlh-p84dp:9000
        derived:   DELIVERED to shop/api-rndpbnfwlh-p84dp
        as dumped: WG_NO_PEER
      breaks pod/shop/api-rndpbnfwlh-p84dp -> pod/shop/api-rndpbnfwlh-kp58t:9000
        derived:   DELIVERED to shop/api-rndpbnfwlh-kp58t
        as dumped: DROPPED
  info: FLANNEL-FWD (filter), FLANNEL-POSTRTG (nat) are not kube-proxy's: not compared (traces still walk them)
`;
