// The node dump parsers: `ip route`, `ip -o addr`, `wg show all dump`, each on real-shaped fixtures
// (spec/fixtures/nodedump/, each file says which public issue it follows) and on bad input, which
// must name file:line:col.
import { readFileSync } from "node:fs";
import { expect } from "chai";
import { formatIpv4 } from "../lib/model/address.ts";
import { interfaceMap } from "../lib/nodedump/interfaces.ts";
import { parseIpAddr } from "../lib/nodedump/ip-addr.ts";
import { parseIpRoute } from "../lib/nodedump/ip-route.ts";
import { parseWgShow } from "../lib/nodedump/wg-show.ts";
import { routeText } from "../lib/dataplane/routing.ts";
import { node } from "./support/cluster-fixture.ts";
import { formatDiagnostic } from "../lib/model/diagnostic.ts";

const FIX = "spec/fixtures/nodedump";
const read = (f: string) => readFileSync(`${FIX}/${f}`, "utf8");

describe("node dumps: ip -o addr", () => {
  it("reads IPv4 addresses per device (flannel-io/flannel#1029's node) and skips inet6 with one warning", () => {
    const { addresses, warnings } = parseIpAddr(read("flannel-1029-ip-addr.txt"), "ip-addr.txt");
    expect(addresses.map((a) => `${a.dev} ${formatIpv4(a.ip)}/${a.length}`)).to.deep.equal([
      "lo 127.0.0.1/8",
      "eno2 192.168.56.74/24",
      "docker0 172.17.0.1/16",
      "flannel.1 172.20.4.0/32",
      "cni0 172.20.4.1/24",
    ]);
    expect(warnings.map(formatDiagnostic)).to.deep.equal([
      "ip-addr.txt:4:1: warning[dump-skipped]: 2 inet6 addresses skipped: kubehop models IPv4 only",
    ]);
  });

  it("maps real devices to the modelled ones by the node's addresses and the CNIs' names", () => {
    const n = node("node3", "192.168.56.74", "172.20.4.0/24");
    const map = interfaceMap(n, parseIpAddr(read("flannel-1029-ip-addr.txt"), "f").addresses);
    expect(["eno2", "cni0", "lo", "docker0", "flannel-wg", "kilo0", "ens5"].map(map)).to.deep.equal([
      "eth0",
      "bridge0",
      "lo",
      undefined,
      "wg0",
      "wg0",
      undefined,
    ]);
    // flannel.1 (VXLAN) holds the podCIDR's network address /32 as flannel-wg would: an explicit map wins.
    expect(interfaceMap(n, [], { "flannel.1": "wg0" })("flannel.1")).to.equal("wg0");
  });

  it("a line it cannot read is a warning at its position, and the rest is read", () => {
    const r = parseIpAddr("2: eth0    inet 10.0.0.300/24 scope global eth0\n3: cni0    inet 10.42.0.1/24\n", "a.txt");
    expect(r.warnings.map(formatDiagnostic)).to.deep.equal([
      'a.txt:1:17: warning[dump-syntax]: expected an IPv4 address with its prefix length, e.g. 10.42.0.1/24, found "10.0.0.300/24"',
    ]);
    expect(r.addresses.map((a) => `${a.dev} ${formatIpv4(a.ip)}/${a.length}`)).to.deep.equal(["cni0 10.42.0.1/24"]);
    const garbled = parseIpAddr("2: eth0: <BROADCAST,MULTICAST,UP> mtu 1500\n  wibble 10.0.0.1/24\n", "a.txt");
    expect(garbled.warnings.map(formatDiagnostic)).to.deep.equal([
      'a.txt:2:3: warning[dump-syntax]: expected a line of `ip addr`, `ip -o addr` or `ip -br addr` (such as "2: eth0: <...>", "    inet 10.0.0.1/24 ..." or "eth0  UP  10.0.0.1/24"), found "wibble"',
    ]);
  });
});

describe("node dumps: ip route", () => {
  const n = node("node3", "192.168.56.74", "172.20.4.0/24");
  const map = interfaceMap(n, parseIpAddr(read("flannel-1029-ip-addr.txt"), "f").addresses);

  it("reads flannel-io/flannel#1029's table; routes over devices kubehop does not model are skipped with a warning", () => {
    const { routes, warnings } = parseIpRoute(read("flannel-1029-ip-route.txt"), "ip-route.txt", map);
    expect(routes.map(routeText)).to.deep.equal([
      "default via 192.168.56.1 dev eth0 proto static",
      "172.20.4.0/24 dev bridge0 proto kernel scope link src 172.20.4.1",
      "192.168.56.0/24 dev eth0 proto kernel scope link src 192.168.56.74",
    ]);
    expect(routes[0]!.why).to.equal(
      "as dumped at ip-route.txt:3: default via 192.168.56.1 dev eno2 proto static metric 100",
    );
    expect(warnings.map(formatDiagnostic)).to.have.length(6);
    expect(formatDiagnostic(warnings[0]!)).to.equal(
      "ip-route.txt:4:1: warning[dump-skipped]: route 172.17.0.0/16 dev docker0 skipped: docker0 is not a device kubehop models (eth0, bridge0, wg0, lo) (hint: map it with spec.nodeDumps.interfaces if it is one of them)",
    );
    expect(formatDiagnostic(warnings[1]!)).to.match(
      /^ip-route\.txt:5:1: warning\[dump-skipped\]: route 172\.20\.0\.0\/24 dev flannel\.1 skipped/,
    );
  });

  it("reads every shape the main table prints: via/dev/proto/scope/src/metric, onlink, blackhole, unreachable, host routes; lower metric first", () => {
    const text = [
      "default via 10.0.0.1 dev eth0 proto dhcp src 10.0.0.5 metric 600",
      "default via 10.0.0.254 dev eth0 proto static metric 100",
      "10.0.0.0/24 dev eth0 proto kernel scope link src 10.0.0.5 linkdown",
      "10.0.0.7 dev eth0 scope link",
      "10.42.0.0/16 dev wg0 scope link mtu lock 1420",
      "10.42.1.0/24 via 10.4.0.2 dev wg0 onlink",
      "blackhole 10.42.9.0/24 proto bird",
      "unreachable 10.50.0.0/16 metric 1024 error -113",
      "fe80::/64 dev eth0 proto kernel metric 256 pref medium",
      "default via fe80::1 dev eth0 proto ra metric 1024 expires 1798sec hoplimit 64 pref medium",
    ].join("\n");
    const parsed = parseIpRoute(text, "r.txt", interfaceMap(node("n", "10.0.0.5", "10.42.0.0/24"), []));
    expect(parsed.routes.map(routeText)).to.deep.equal([
      "default via 10.0.0.254 dev eth0 proto static",
      "default via 10.0.0.1 dev eth0 proto static src 10.0.0.5",
      "10.0.0.0/24 dev eth0 proto kernel scope link src 10.0.0.5",
      "10.0.0.7 dev eth0 proto boot scope link",
      "10.42.0.0/16 dev wg0 proto boot scope link",
      "10.42.1.0/24 via 10.4.0.2 dev wg0 proto boot",
      "blackhole 10.42.9.0/24 proto static",
      "unreachable 10.50.0.0/16 proto static",
    ]);
    expect(parsed.entries.find((e) => e.route.dst.text === "10.42.1.0/24")!.onlink).to.equal(true);
    expect(parsed.warnings.map(formatDiagnostic)).to.deep.equal([
      "r.txt:9:1: warning[dump-skipped]: 2 IPv6 routes skipped: kubehop models IPv4 only",
    ]);
  });

  it("a line it cannot read is a warning at its position, and the rest is read", () => {
    const map0 = interfaceMap(node("n", "10.0.0.5", "10.42.0.0/24"), []);
    const r = parseIpRoute(
      "10.42.0.0/16 dev wg0\n10.42.1.0/24 via 10.4.0.300 dev wg0\n10.42.2.1/24 dev wg0\n10.9.0.0/16 dev eth0 wibble 3\n10.8.0.0/16 via 10.0.0.1\n",
      "r.txt",
      map0,
    );
    expect(r.warnings.map(formatDiagnostic)).to.deep.equal([
      'r.txt:2:18: warning[dump-syntax]: "10.4.0.300" after via is not an IPv4 address',
      'r.txt:3:1: warning[dump-syntax]: "10.42.2.1/24" is not a destination; expected default or an IPv4 prefix like 10.42.0.0/24',
      'r.txt:4:22: warning[dump-syntax]: unknown word "wibble" in a route; expected via, dev, proto, scope, src, metric or a flag such as onlink',
      "r.txt:5:25: warning[dump-syntax]: a unicast route needs dev NAME (ip route always prints it)",
    ]);
    expect(r.routes.map((x) => x.dst.text)).to.deep.equal(["10.42.0.0/16"]);
  });
});

describe("node dumps: wg show all dump", () => {
  const nodes = [
    node("ip-192-168-78-28", "192.168.78.28", "10.42.0.0/24", 0),
    node("ip-192-168-68-148", "192.168.68.148", "10.42.1.0/24", 1),
  ];
  const map = interfaceMap(nodes[0]!, []);

  it("reads k3s-io/k3s#5408's flannel-wg peers, maps them to nodes by endpoint, skips the IPv6 device", () => {
    const wg = parseWgShow(read("k3s-5408-wg-show-dump.txt"), "wg-show.txt", map, nodes);
    expect(wg.device).to.equal("flannel-wg");
    expect(wg.listenPort).to.equal(51820);
    expect(
      wg.peers.map((p) => ({
        node: p.node,
        key: p.publicKey,
        endpoint: `${formatIpv4(p.endpoint!.ip)}:${p.endpoint!.port}`,
        allowed: p.allowedIps.map((a) => a.text),
      })),
    ).to.deep.equal([
      {
        node: "ip-192-168-68-148",
        key: "9/UR4cQK2SKAnldg5d1JWfvJudSrNkobyE9lS2EcfRo=",
        endpoint: "192.168.68.148:51820",
        allowed: ["10.42.1.0/24"],
      },
    ]);
    expect(wg.warnings.map(formatDiagnostic)).to.deep.equal([
      "wg-show.txt:6:1: warning[dump-skipped]: interface flannel-wg-v6 skipped: kubehop models one IPv4 WireGuard device (wg0), taken to be flannel-wg",
    ]);
  });

  it("never keeps the private key, and tells the user to redact it; a peer of no node is kept with a warning", () => {
    const text =
      "wg0\tyAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=\txTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=\t51820\toff\n" +
      "wg0\tTrMvSoP4jYQlY6RIzBgbssQqY3vxI2Pi+y71lOWWXX0=\t(none)\t203.0.113.9:51820\t10.9.0.0/16\t0\t0\t0\toff\n";
    const wg = parseWgShow(text, "w.txt", map, nodes);
    expect(JSON.stringify(wg)).not.to.include("yAnz5TF");
    expect(wg.peers[0]!.node).to.equal("");
    expect(wg.warnings.map(formatDiagnostic)).to.deep.equal([
      `w.txt:1:1: warning[dump-private-key]: the interface line holds wg0's private key; kubehop ignores it (hint: redact it, replacing it with "(hidden)", before you share this file)`,
      "w.txt:2:1: warning[dump-unknown-peer]: peer TrMvSoP4... (endpoint 203.0.113.9:51820) is no node's: its endpoint is not a node's InternalIP; kept with no node",
    ]);
  });

  it("a field it cannot read is a warning at its position; the peer is kept without it", () => {
    const bad =
      "wg0\t(hidden)\txTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=\t51820\toff\n" +
      "wg0\tnot-a-key\t(none)\t192.168.68.148:70000\t10.42.1.0/24,10.42.300.0/24\t0\tx\t0\toff\n" +
      "wg0\tone\ttwo\n";
    const wg = parseWgShow(bad, "w.txt", map, nodes);
    expect(wg.warnings.map(formatDiagnostic)).to.deep.equal([
      "w.txt:2:1: warning[dump-unknown-peer]: peer not-a-ke... (endpoint (none)) is no node's: its endpoint is not a node's InternalIP; kept with no node",
      'w.txt:2:5: warning[dump-syntax]: public key "not-a-key" is not a WireGuard key (44 characters of base64 ending in =); kept as written',
      'w.txt:2:22: warning[dump-syntax]: endpoint "192.168.68.148:70000": expected (none) or ip:port, e.g. 192.168.10.12:51820; the peer is kept without one',
      'w.txt:2:56: warning[dump-syntax]: allowed-ips entry "10.42.300.0/24": expected a prefix like 10.42.1.0/24; skipped',
      'w.txt:2:73: warning[dump-syntax]: received bytes "x" is not a whole number',
      "w.txt:3:1: warning[dump-syntax]: expected 5 tab-separated fields (an interface) or 9 (a peer) as `wg show all dump` prints them, found 3; skipped",
    ]);
    expect(wg.peers.map((p) => [p.publicKey, p.endpoint, p.allowedIps.map((a) => a.text)])).to.deep.equal([
      ["not-a-key", undefined, ["10.42.1.0/24"]],
    ]);
  });

  it("reads the pretty form `wg show` prints as well", () => {
    const pretty =
      "interface: flannel-wg\n  public key: xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=\n  private key: (hidden)\n" +
      "  listening port: 51820\n\npeer: 9/UR4cQK2SKAnldg5d1JWfvJudSrNkobyE9lS2EcfRo=\n  endpoint: 192.168.68.148:51820\n" +
      "  allowed ips: 10.42.1.0/24\n  latest handshake: 5 seconds ago\n  transfer: 1.2 KiB received, 3.4 KiB sent\n" +
      "  persistent keepalive: every 25 seconds\n";
    const wg = parseWgShow(pretty, "w.txt", map, nodes);
    expect(wg.warnings).to.deep.equal([]);
    expect([wg.device, wg.listenPort]).to.deep.equal(["flannel-wg", 51820]);
    expect(wg.peers).to.deep.equal(parseWgShow(read("k3s-5408-wg-show-dump.txt"), "w", map, nodes).peers);
  });
});
