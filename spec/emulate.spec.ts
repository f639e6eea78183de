// kubehop emulate for real: a small topology built in network namespaces this spec creates and
// removes. Skipped, with the reason, where that cannot run (not root, no netns, no wireguard-go).
import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { loadTopologySync } from "../lib/topology.ts";
import { emulate } from "../lib/emulate/emulation.ts";
import { listKhNamespaces, sweepDeadRuns } from "../lib/emulate/cleanup.ts";
import { checkPrerequisites } from "../lib/emulate/prerequisites.ts";
import { IFNAME_MAX, namesFor } from "../lib/emulate/names.ts";
import { loadBalancerConfig } from "../lib/emulate/edge.ts";
import { run } from "../lib/emulate/runner.ts";
import { ECHO_SERVER_SCRIPT, whenReady } from "../lib/emulate/echo-server.ts";
import { spawn } from "node:child_process";
import { createServer, type Server } from "node:net";

const HAIRPIN = new URL("../topologies/hard-cases/hairpin.yaml", import.meta.url).pathname;
const LOCAL = new URL("../topologies/hard-cases/local-policy.yaml", import.meta.url).pathname;

function hostLinks(): string[] {
  return execFileSync("ip", ["-o", "link", "show"], { encoding: "utf8" })
    .split("\n")
    .filter(Boolean)
    .map((l) => l.split(":")[1]!.trim().split("@")[0]!)
    .sort();
}

describe("emulate: names and LB rules (no root needed)", () => {
  it("names every namespace kh-RUN-..., and interface names fit in 15 characters", () => {
    const topo = loadTopologySync(LOCAL);
    const n = namesFor(topo.cluster, "beef");
    expect(n.all.every((ns) => ns.startsWith("kh-beef-"))).to.equal(true);
    expect(new Set(n.all).size).to.equal(n.all.length);
    for (const d of n.wgDevices.values()) expect(d.length).to.be.at.most(IFNAME_MAX);
    for (const p of topo.cluster.pods) expect(p.veth.length).to.be.at.most(IFNAME_MAX);
  });

  it("emulates a NodePort-mode LB with DNAT to the healthy nodes only (externalTrafficPolicy Local)", () => {
    const { rules } = loadBalancerConfig(loadTopologySync(LOCAL).cluster);
    expect(rules).to.contain("-j DNAT --to-destination 192.168.10.11:30080");
    expect(rules).to.contain("-j DNAT --to-destination 192.168.10.12:30080");
    expect(rules).not.to.contain("192.168.10.13:30080"); // node-3 has no local endpoint: out of rotation
    expect(rules).to.contain("--mode random --probability 0.50000000000");
  });
});

describe("emulate: a pod's server is ready only when a port listens (no root needed)", () => {
  let held: Server;
  let port = 0;
  before(async () => {
    held = createServer();
    await new Promise<void>((ok) => held.listen(0, "0.0.0.0", ok));
    port = (held.address() as { port: number }).port;
  });
  after(() => held.close());
  const serve = (tcp: number[]) =>
    spawn(process.execPath, ["-e", ECHO_SERVER_SCRIPT, JSON.stringify({ name: "ns/pod", tcp, udp: [] })]);

  it("a server whose only port another process holds is refused, with why", async () => {
    const child = serve([port]);
    const error = await whenReady(child, "ns/pod", 5000).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).to.match(/^ns\/pod: server exited \(1\) tcp \d+: listen EADDRINUSE/);
  });

  it("a server with one port held and one free is ready, and answers on the free one", async () => {
    const free = createServer();
    await new Promise<void>((ok) => free.listen(0, "127.0.0.1", ok));
    const other = (free.address() as { port: number }).port;
    await new Promise<void>((ok) => free.close(() => ok()));
    const child = serve([port, other]);
    try {
      await whenReady(child, "ns/pod", 5000);
      const line = execFileSync(process.execPath, [
        "-e",
        `const c=require("net").connect(${other},"127.0.0.1");c.end("x");c.pipe(process.stdout)`,
      ]);
      expect(String(line)).to.match(/^ns\/pod 127\.0\.0\.1:\d+\n$/);
    } finally {
      child.kill();
    }
  });
});

describe("emulate: for real in network namespaces", function () {
  // Real network namespaces, veths, bridges, WireGuard links and iptables-restore, then real
  // connections through them: seconds per topology.
  this.timeout(60_000);
  const missing = checkPrerequisites();

  before(function () {
    if (missing) {
      console.log(`      skipped: ${missing}`);
      this.skip();
    }
  });

  it("builds a topology sealed inside its namespaces, answers through kube-proxy's rules, and removes every kh- namespace", async () => {
    // A leftover of a crashed run (no owner alive) is removed by the next start.
    // A run id as kubehop makes them (4 hex digits), one no live run holds.
    const dead = `kh-${(process.pid & 0xffff).toString(16).padStart(4, "0")}-n1`;
    run("ip", ["netns", "add", dead]);
    const before = hostLinks();
    const topo = loadTopologySync(HAIRPIN);
    const em = await emulate(topo);
    try {
      expect(listKhNamespaces()).to.not.include(dead);
      expect(listKhNamespaces(em.names.runId)).to.have.members([...em.names.all]);
      expect(hostLinks(), "no interface in the host's namespace").to.deep.equal(before);
      const node1 = em.namespaceOf("node/node-1")!;
      const links = run("ip", ["-o", "link", "show"], { ns: node1 });
      for (const dev of ["eth0", "bridge0", "wg0"]) expect(links).to.contain(`: ${dev}`);
      expect(run("iptables", ["-t", "nat", "-S", "KUBE-SERVICES"], { ns: node1 })).to.contain(
        "default/echo:http cluster IP",
      );
      expect(run("wg", ["show", em.names.wgDevices.get("node-1")!, "allowed-ips"], { ns: node1 })).to.contain(
        "10.244.1.0/24",
      );
      // The pod's echo server answers through the Service: its name and the address it saw.
      const pod = em.namespaceOf("pod/default/echo-a")!;
      const svc = topo.cluster.services.find((s) => s.name === "echo")!;
      const ip = svc.clusterIPs[0]!;
      const dst = `${ip >>> 24}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}`;
      const line = run(
        process.execPath,
        ["-e", `require("net").connect(80, "${dst}").on("data", (d) => { process.stdout.write(d); process.exit(0); })`],
        { ns: pod, timeoutMs: 5000 },
      );
      expect(line).to.match(/^default\/echo-[ab] (10\.244\.0\.1|10\.244\.0\.2):\d+/);
      // No route out: the edge router has no default route.
      expect(run("ip", ["route", "show", "default"], { ns: em.names.edge }).trim()).to.equal("");
    } finally {
      em.teardown();
    }
    expect(listKhNamespaces(em.names.runId)).to.deep.equal([]);
    expect(hostLinks()).to.deep.equal(before);
  });

  after(() => {
    if (!missing) sweepDeadRuns(); // crashed leftovers only: a run another process owns stays
  });
});
