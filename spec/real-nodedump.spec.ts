// The corpus's wg and ip pastes (spec/fixtures/real/{wireguard,ip}/, cited in SOURCES.md) read as the
// tools printed them: each file loads, its facts are those expectations.yaml states (peers, endpoints,
// AllowedIPs, addresses, routes), and exactly the lines expectations.yaml lists as damage (prompts,
// echoed commands, the author's labels) are skipped, each with a diagnostic; no other line is.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { parse } from "yaml";
import { formatIpv4 } from "../lib/model/address.ts";
import type { Diagnostic } from "../lib/model/diagnostic.ts";
import type { InterfaceMap } from "../lib/nodedump/interfaces.ts";
import { parseIpAddr } from "../lib/nodedump/ip-addr.ts";
import { parseIpRoute } from "../lib/nodedump/ip-route.ts";
import { parseWgShow } from "../lib/nodedump/wg-show.ts";
import { loadTopologySync } from "../lib/topology.ts";
import { NftEngine } from "../lib/netfilter/nft/engine.ts";
import { lookupRoute } from "../lib/dataplane/routing.ts";

const REAL = "spec/fixtures/real";
const read = (f: string) => readFileSync(`${REAL}/${f}`, "utf8");
interface Damage {
  line?: number;
  lines?: string;
}
const EXPECT = parse(read("expectations.yaml")).files as Record<string, { damage: Damage[]; facts?: string[] }>;

/** The damage lines expectations.yaml gives a file: `line: N`, `lines: "1,13,25"` or `lines: "7-16"`. */
function damageLines(file: string): number[] {
  return EXPECT[file]!.damage.flatMap((d) =>
    d.line !== undefined
      ? [d.line]
      : d.lines!.split(",").flatMap((part) => {
          const [a, b] = part.split("-").map(Number);
          return Array.from({ length: (b ?? a!) - a! + 1 }, (_, i) => a! + i);
        }),
  );
}

/** The lines a parser skipped as not its command's output: prompts and unreadable lines. */
function skippedLines(warnings: readonly Diagnostic[]): number[] {
  return warnings
    .filter((d) => d.code === "dump-prompt" || d.code === "dump-syntax")
    .map((d) => (d.source && "line" in d.source ? d.source.line : 0));
}

// The corpus's nodes use these names for the devices kubehop models.
const IFACES: InterfaceMap = (d) =>
  d === "eth0" || d === "eno2" ? "eth0" : d === "cni0" ? "bridge0" : /^(cilium_wg0|wg0)$/.test(d) ? "wg0" : undefined;

const peersOf = (file: string) => {
  const wg = parseWgShow(read(file), file, IFACES, []);
  return {
    wg,
    peers: wg.peers.map((p) => ({
      key: p.publicKey,
      endpoint: p.endpoint ? `${formatIpv4(p.endpoint.ip)}:${p.endpoint.port}` : null,
      allowed: p.allowedIps.map((a) => a.text),
    })),
  };
};

describe("real node dumps: wg (pretty) from Cilium and wg-easy", () => {
  it("cilium#35750: two `sudo wg` snapshots of cilium_wg0 (port 51871); the later one is read, its peer with per-address /32 AllowedIPs", () => {
    const file = "wireguard/cilium-35750-wg-before-after.txt";
    const { wg, peers } = peersOf(file);
    expect([wg.device, wg.listenPort]).to.deep.equal(["cilium_wg0", 51871]);
    // The peer at 10.13.106.162 rebooted between the snapshots: a new key, the same /32 convention.
    expect(peers).to.deep.equal([
      {
        key: "N9XGxTQV+XoTymShfcv7sHvkQVMzGqiq08NTcQfR01M=",
        endpoint: "10.13.106.162:51871",
        allowed: [
          "34.162.99.47/32",
          "10.102.73.145/32",
          "10.102.73.7/32",
          "10.13.106.162/32",
          "10.102.73.42/32",
          "10.102.73.44/32",
          "10.102.73.47/32",
          "10.102.73.21/32",
        ],
      },
    ]);
    expect(skippedLines(wg.warnings)).to.deep.equal(damageLines(file));
    expect(wg.warnings.map((d) => d.code)).to.include("dump-skipped");
  });

  it("cilium#35644: cilium_wg0, peer xBf5... at 10.0.0.10:51871 with six /32s; the second peer's AllowedIPs are past the excerpt", () => {
    const file = "wireguard/cilium-35644-wg-before-reboot.txt";
    const { wg, peers } = peersOf(file);
    expect([wg.device, wg.listenPort]).to.deep.equal(["cilium_wg0", 51871]);
    expect(peers).to.deep.equal([
      {
        key: "xBf5ULZzDmQwG+8m5fnWYTzH8o2bxTKtD3+UXNrwTHw=",
        endpoint: "10.0.0.10:51871",
        allowed: [
          "10.0.0.10/32",
          "10.128.0.141/32",
          "10.128.0.67/32",
          "10.128.0.4/32",
          "10.128.0.199/32",
          "10.128.0.219/32",
        ],
      },
      { key: "3WlSezrSwSzBD4JeftqHd23nEHzQpA7Tf4OCaWJ5GVQ=", endpoint: "10.0.0.13:51871", allowed: [] },
    ]);
    expect(skippedLines(wg.warnings)).to.deep.equal(damageLines(file));
  });

  it("wg-easy#9: wg0 on 51820, one redacted peer with a preshared key, no endpoint, AllowedIPs 10.0.0.2/32", () => {
    const file = "wireguard/wg-easy-9-wg-show-in-pod.txt";
    const { wg, peers } = peersOf(file);
    expect([wg.device, wg.listenPort]).to.deep.equal(["wg0", 51820]);
    expect(peers).to.deep.equal([{ key: "DSGxxx=", endpoint: null, allowed: ["10.0.0.2/32"] }]);
    // The two prompts are skipped; the keys the author redacted are kept as written, each said.
    expect(
      wg.warnings.filter((d) => d.code === "dump-prompt").map((d) => (d.source as { line: number }).line),
    ).to.deep.equal(damageLines(file));
    expect(wg.warnings.filter((d) => d.code === "dump-syntax").map((d) => d.message)).to.deep.equal([
      'public key "53Cxxx=" is not a WireGuard key (44 characters of base64 ending in =); kept as written',
      'public key "DSGxxx=" is not a WireGuard key (44 characters of base64 ending in =); kept as written',
    ]);
  });
});

describe("real node dumps: ip addr (multi-line) from Calico and k3s nodes", () => {
  const addressesOf = (file: string) => {
    const r = parseIpAddr(read(file), file);
    return { r, text: r.addresses.map((a) => `${a.dev} ${formatIpv4(a.ip)}/${a.length}`) };
  };

  it("calico#3757 (`ip a`): lo 127.0.0.1/8, eth0 192.168.122.121/24, docker0 172.17.0.1/16; eth1 has IPv6 only", () => {
    const file = "ip/calico-3757-ip-a.txt";
    const { r, text } = addressesOf(file);
    expect(text).to.deep.equal(["lo 127.0.0.1/8", "eth0 192.168.122.121/24", "docker0 172.17.0.1/16"]);
    expect(skippedLines(r.warnings)).to.deep.equal(damageLines(file));
    expect(r.warnings.find((d) => d.code === "dump-skipped")?.message).to.equal(
      "4 inet6 addresses skipped: kubehop models IPv4 only",
    );
  });

  it("k3s#11516: lo 127.0.0.1/8 and eth0 192.168.1.90/24; the other devices have no address in the excerpt", () => {
    const file = "ip/k3s-11516-ip-a.txt";
    const { r, text } = addressesOf(file);
    expect(text).to.deep.equal(["lo 127.0.0.1/8", "eth0 192.168.1.90/24"]);
    expect(r.warnings).to.deep.equal([]);
  });

  it("ip -br addr and ip -o addr give the same addresses as the multi-line form", () => {
    const brief =
      "lo               UNKNOWN        127.0.0.1/8 ::1/128\neth0             UP             192.168.122.121/24 fe80::5054:ff:fe6d:7d46/64\n";
    const oneLine =
      "1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever\n2: eth0    inet 192.168.122.121/24 brd 192.168.122.255 scope global eth0\\       valid_lft forever\n";
    const want = ["lo 127.0.0.1/8", "eth0 192.168.122.121/24"];
    for (const text of [brief, oneLine])
      expect(parseIpAddr(text, "a.txt").addresses.map((a) => `${a.dev} ${formatIpv4(a.ip)}/${a.length}`)).to.deep.equal(
        want,
      );
  });
});

describe("real node dumps: ip route from flannel and lyft's ipvlan CNI", () => {
  it("flannel#1029: the prompt is skipped; the uplink, cni0 and default routes are read; flannel.1 and docker0 are not modelled devices, each said", () => {
    const file = "ip/flannel-1029-ip-route.txt";
    const r = parseIpRoute(read(file), file, IFACES);
    expect(skippedLines(r.warnings)).to.deep.equal(damageLines(file));
    // Of the 9 routes, 6 are over devices kubehop does not model (five flannel.1 /24s, docker0).
    expect(
      r.routes.map((x) => `${x.dst.text} ${x.dev}${x.via !== undefined ? ` via ${formatIpv4(x.via)}` : ""}`),
    ).to.deep.equal(["0.0.0.0/0 eth0 via 192.168.56.1", "172.20.4.0/24 bridge0", "192.168.56.0/24 eth0"]);
    expect(r.warnings.filter((d) => d.code === "dump-skipped")).to.have.length(6);
    // expectations.yaml's packets, on what kubehop models: 172.20.4.7 to cni0 with src .1, 8.8.8.8 via the gateway.
    expect(lookupRoute(r.routes, 0xac140407)).to.include({ dev: "bridge0" });
    expect(formatIpv4(lookupRoute(r.routes, 0xac140407)!.src!)).to.equal("172.20.4.1");
    expect(formatIpv4(lookupRoute(r.routes, 0x08080808)!.via!)).to.equal("192.168.56.1");
  });

  it("lyft#70 (`show table all`): main-table routes read, the local table's local routes kept as the node's addresses, broadcast lines understood", () => {
    const file = "ip/lyft-70-ip-route-show-table-all.txt";
    const r = parseIpRoute(read(file), file, IFACES);
    expect(r.routes.map((x) => x.dst.text)).to.deep.equal([
      "10.110.172.0/22",
      "100.96.0.0/16",
      "100.96.224.0/19",
      "100.97.0.0/19",
    ]);
    expect(r.local.map((p) => p.text)).to.deep.equal(["100.96.254.43/32", "127.0.0.0/8", "127.0.0.1/32"]);
    expect(skippedLines(r.warnings)).to.deep.equal(damageLines(file));
    // veth0 (the ipvlan pod's default route and its gateway) is no modelled device; three IPv6 routes.
    expect(r.warnings.filter((d) => d.code === "dump-skipped").map((d) => d.message)).to.deep.equal([
      "route default dev veth0 skipped: veth0 is not a device kubehop models (eth0, bridge0, wg0, lo)",
      "route 10.110.174.111/32 dev veth0 skipped: veth0 is not a device kubehop models (eth0, bridge0, wg0, lo)",
      "3 IPv6 routes skipped: kubehop models IPv4 only",
    ]);
  });
});

describe("real node dumps in a node's folder", () => {
  const TOPO =
    "apiVersion: kubehop.io/v1alpha1\nkind: Topology\nmetadata: {name: t}\nspec: {nodeCount: 2, nodeDumps: {dir: nodes}}\n";
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "kubehop-real-dumps-"));
    writeFileSync(join(dir, "topology.yaml"), TOPO);
    mkdirSync(join(dir, "nodes", "node-1"), { recursive: true });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const put = (name: string, corpusFile: string) => writeFileSync(join(dir, "nodes", "node-1", name), read(corpusFile));

  it("the pretty wg, `ip a` and `ip route show table all` pastes load as node-1's dumps, the local table kept", () => {
    put("wg-show.txt", "wireguard/cilium-35644-wg-before-reboot.txt");
    put("ip-addr.txt", "ip/calico-3757-ip-a.txt");
    put("ip-route.txt", "ip/lyft-70-ip-route-show-table-all.txt");
    put("ipset.txt", "ipset/k8s-54203-ipset-list.txt");
    const dump = loadTopologySync(dir).cluster.nodeDumps.get("node-1")!;
    expect(dump.wireguard!.peers).to.have.length(2);
    expect(dump.addresses!.addresses.map((a) => a.prefix.text)).to.deep.equal([
      "127.0.0.0/8",
      "192.168.122.0/24",
      "172.17.0.0/16",
    ]);
    expect(dump.routes!.local!.map((p) => p.text)).to.deep.equal(["100.96.254.43/32", "127.0.0.0/8", "127.0.0.1/32"]);
    expect([...dump.ipsets!.sets.keys()]).to.deep.equal(["test"]);
  });

  it("calico#8025's `nft list ruleset`, as nft-ruleset.txt or where iptables-save.txt belongs: the node's rules, run by the nft engine", () => {
    const file = "nft/calico-8025-nft-ruleset.txt";
    for (const name of ["nft-ruleset.txt", "iptables-save.txt"]) {
      rmSync(join(dir, "nodes", "node-1"), { recursive: true });
      mkdirSync(join(dir, "nodes", "node-1"));
      put(name, file);
      const topo = loadTopologySync(dir);
      const dump = topo.cluster.nodeDumps.get("node-1")!;
      expect(dump.nftRuleset?.file).to.equal(join(dir, "nodes", "node-1", name));
      expect(dump.iptablesSave).to.equal(undefined);
      const nf = topo.network.netfilter(topo.network.node("node-1"));
      expect(nf).to.be.instanceOf(NftEngine);
      expect((nf as NftEngine).ruleset.tables.map((t) => `${t.family} ${t.name}`)).to.include("ip nat");
    }
  });
});
