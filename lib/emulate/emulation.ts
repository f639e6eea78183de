// `kubehop emulate`: the topology built for real out of network namespaces, and taken down again.
// Order: sweep leftovers -> namespaces -> underlay bridge -> edge router/LBs -> nodes (eth0, bridge0)
// -> pods (veth into bridge0) -> wg0 (wireguard-go) -> routes -> kube-proxy's rules -> clients ->
// pod servers. The run is claimed and its teardown registered before the first namespace (the
// prerequisite probe's included), so a failure, a signal or an exit at any point removes what was made.
import type { HopAt } from "../model/hop-at.ts";
import type { ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Topology } from "../topology.ts";
import type { Node, WireGuardPeer } from "../model/cluster.ts";
import { claimNewRun, keyFolder, markKept, removeRun, sweepDeadRuns } from "./cleanup.ts";
import { installLoadBalancers, setUpClient, setUpEdge } from "./edge.ts";
import { serverSpecOf, startServer, whenReady, type ServerSpec, CATCH_ALL_PORT } from "./echo-server.ts";
import { loadNftRules, loadRules, nodeRules, usesNft } from "./iptables.ts";
import { tearDownOnExit } from "./lifecycle.ts";
import { namesFor, type Names, underlayPort } from "./names.ts";
import { createNamespace } from "./netns.ts";
import { installRoutes, setUpNode, type NodeSetupNotes } from "./node-setup.ts";
import { setUpPod } from "./pod-setup.ts";
import { CommandError, ipBatch, run } from "./runner.ts";
import { configureWireGuard, genKeys, startWireGuard, warmUpTunnels, type WgKeys } from "./wireguard.ts";
import { nginxFolder, nginxPlans, startNginx } from "./nginx.ts";
import { type Certificates, issueCertificates, OPENSSL, secretHosts } from "./tls.ts";
import { checkPrerequisites, EmulationUnavailable } from "./prerequisites.ts";

/** The topology passed validation but the kernel refused to build part of it (exit 2, one line). */
export class EmulationError extends Error {
  override name = "EmulationError";
}

export interface EmulateOptions {
  /** Progress lines (to stderr in the CLI). */
  readonly log?: (line: string) => void;
}

export interface Emulation {
  readonly names: Names;
  readonly notes: readonly string[];
  readonly peers: ReadonlyMap<string, readonly WireGuardPeer[]>;
  /** Seconds the build took. */
  readonly buildSeconds: number;
  /** The ingress controller and Gateway proxy pods (`ns/name`) real nginx serves in, and its ports (TLS ones too). */
  readonly nginx: ReadonlyMap<string, readonly number[]>;
  /** `ns/name` of an Ingress (or `HTTPRoute ns/name`) -> why nginx's config does not run it as its proxy would. */
  readonly nginxUnrendered: ReadonlyMap<string, string>;
  /** The run's throwaway CA (PEM) that signed nginx's certificates; "" when none was made (see noTls). */
  readonly caPem: string;
  /** Why nginx ends no TLS in this run, when it ends none. */
  readonly noTls: string;
  /** The namespace a location the user wrote (`node/NAME`, `pod/NS/NAME`, `client/NAME`, or a bare name) lives in. */
  namespaceOf(location: string): string | undefined;
  /** The namespace a trace's hop lives in. */
  namespaceAt(at: HopAt): string | undefined;
  /** Removes everything this emulation made. Safe to call twice. */
  teardown(): void;
  /** Stops tracking the servers so this process can exit while the emulation stays (--keep). */
  detach(): void;
}

export async function emulate(topo: Topology, opts: EmulateOptions = {}): Promise<Emulation> {
  const log = opts.log ?? (() => {});
  const t0 = performance.now();
  const runId = claimNewRun();
  const servers: ChildProcess[] = [];
  let tornDown = false;
  const removeAll = () => {
    if (tornDown) return;
    tornDown = true;
    for (const s of servers) {
      try {
        if (s.pid !== undefined && s.exitCode === null) process.kill(-s.pid, "SIGTERM");
      } catch {
        /* gone */
      }
    }
    removeRun(runId);
  };
  const untrap = tearDownOnExit(removeAll, log);
  const teardown = () => {
    removeAll();
    untrap();
  };
  const missing = checkPrerequisites(runId);
  if (missing) {
    teardown();
    throw new EmulationUnavailable(missing);
  }
  const swept = sweepDeadRuns();
  if (swept.length) log(`removed ${swept.length} leftover kh- namespace(s) of a run whose owner is gone`);
  const cluster = topo.cluster;
  const names = namesFor(cluster, runId);
  const notes: string[] = [];
  const peers = new Map<string, WireGuardPeer[]>();
  const nginx = new Map<string, readonly number[]>();
  const nginxUnrendered = new Map<string, string>();
  const gatewayProxies = new Set<string>();
  let caPem = "";
  let noTls = "";
  let stage = "the namespaces";
  try {
    log(`run ${names.runId}: ${names.all.length} namespaces`);
    for (const ns of names.all) createNamespace(ns);
    ipBatch(names.underlay, [
      ["link", "add", "ul", "type", "bridge"],
      ["link", "set", "ul", "mtu", String(cluster.underlay.mtu)],
      ["link", "set", "ul", "up"],
    ]);
    stage = "the underlay, the edge router and the nodes";
    setUpEdge(cluster, names.edge, names.underlay);
    const nodeNotes: NodeSetupNotes = { brNetfilter: "" };
    const net = topo.network;
    cluster.nodes.forEach((node, i) => {
      setUpNode(cluster, node, names.nodes.get(node.name)!, names.underlay, underlayPort(i), nodeNotes);
    });
    notes.push(nodeNotes.brNetfilter);
    const nodeByName = new Map(cluster.nodes.map((n) => [n.name, n] as const));
    stage = "the pods";
    for (const pod of cluster.pods) {
      if (pod.hostNetwork) continue;
      const node = nodeByName.get(pod.node);
      if (!node) {
        notes.push(`pod ${pod.namespace}/${pod.name} is on unknown node ${pod.node}: not emulated`);
        continue;
      }
      const podNs = names.pods.get(`${pod.namespace}/${pod.name}`)!;
      setUpPod(cluster, node, pod, names.nodes.get(node.name)!, podNs);
      if (pod.ports.length === 0) {
        run(
          "iptables",
          [
            "-w",
            "5",
            "-t",
            "nat",
            "-A",
            "PREROUTING",
            "-p",
            "tcp",
            "-j",
            "REDIRECT",
            "--to-ports",
            String(CATCH_ALL_PORT),
          ],
          { ns: podNs },
        );
      }
    }
    log("wg0: wireguard-go on every node");
    stage = "wg0 (wireguard-go)";
    const keyDir = keyFolder(runId);
    const keys = new Map<string, WgKeys>(cluster.nodes.map((n) => [n.name, genKeys()] as const));
    for (const node of cluster.nodes) startWireGuard(names.nodes.get(node.name)!, names.wgDevices.get(node.name)!);
    for (const node of cluster.nodes)
      peers.set(
        node.name,
        configureWireGuard(net, node, names.nodes.get(node.name)!, names.wgDevices.get(node.name)!, keys, keyDir),
      );
    log("routes and kube-proxy's rules");
    for (const node of cluster.nodes) {
      const ns = names.nodes.get(node.name)!;
      stage = `node ${node.name}'s routes`;
      installRoutes(net, node, ns);
      if (usesNft(topo, node)) {
        stage = `node ${node.name}'s nftables rules (nft -f)`;
        loadNftRules(ns, topo, node);
      } else {
        stage = `node ${node.name}'s iptables rules`;
        loadRules(ns, nodeRules(topo, node));
      }
    }
    stage = "the load balancers and clients";
    notes.push(...installLoadBalancers(cluster, names.edge));
    cluster.clients.forEach((c, i) => {
      setUpClient(cluster, c, i, names.clients.get(c.name)!, names.edge);
    });
    log("pod servers, and nginx in the ingress controller pods");
    stage = "the pod servers";
    const ready: Promise<void>[] = [];
    const certificates = makeCertificates(cluster, runId, (why) => (noTls = why));
    const plans = new Map(
      nginxPlans(cluster, certificates !== undefined).map((p) => [`${p.pod.namespace}/${p.pod.name}`, p] as const),
    );
    caPem = certificates?.caPem ?? "";
    const launch = (ns: string, spec: ServerSpec) => {
      const child = startServer(ns, spec);
      servers.push(child);
      ready.push(whenReady(child, spec.name));
    };
    for (const pod of cluster.pods) {
      const ns = pod.hostNetwork ? names.nodes.get(pod.node) : names.pods.get(`${pod.namespace}/${pod.name}`);
      if (!ns || (pod.hostNetwork && !nodeByName.has(pod.node))) continue;
      const plan = plans.get(`${pod.namespace}/${pod.name}`);
      // nginx takes the controller's plain-HTTP ports; its echo server keeps the rest.
      const spec = serverSpecOf(pod);
      const taken = plan ? [...plan.ports, ...plan.tlsPorts] : [];
      const rest = plan ? { ...spec, tcp: spec.tcp.filter((p) => !taken.includes(p)) } : spec;
      // A server with no port left would exit at once, and its exit would race its `ready`.
      if (rest.tcp.length + rest.udp.length > 0) launch(ns, rest);
      if (plan)
        ready.push(
          startNginx(cluster, plan, ns, runId, certificates).then((n) => {
            servers.push(n.child);
            nginx.set(spec.name, taken);
            if (plan.gateway) gatewayProxies.add(spec.name);
            for (const [k, v] of n.unrendered) nginxUnrendered.set(k, v);
          }),
        );
    }
    for (const node of cluster.nodes) {
      const tcp = node.listeners.filter((l) => l.protocol === "TCP").map((l) => l.port);
      const udp = node.listeners.filter((l) => l.protocol === "UDP").map((l) => l.port);
      if (tcp.length + udp.length) launch(names.nodes.get(node.name)!, { name: `node/${node.name}`, tcp, udp });
    }
    await Promise.all(ready);
    for (const [role, pods] of [
      ["the ingress controller", [...nginx.keys()].filter((p) => !gatewayProxies.has(p))],
      ["a Gateway's proxy (as NGINX Gateway Fabric configures it)", [...gatewayProxies]],
    ] as const)
      if (pods.length)
        notes.push(
          `nginx serves as ${role} in ${[...pods].sort().join(", ")} ` +
            `(ports ${[...new Set(pods.flatMap((p) => nginx.get(p) ?? []))].sort((a, b) => a - b).join(", ")})` +
            (caPem ? "; TLS with certificates of a throwaway CA the probe trusts" : `; no TLS: ${noTls}`),
        );
    if (cluster.nodes.length > 1) {
      log("wg0: handshakes between every pair of nodes");
      const warm = await warmUpTunnels(cluster, (n) => names.nodes.get(n)!);
      if (warm.down.length)
        notes.push(`wg0: no answer through the tunnel for ${warm.down.join(", ")} (node to node's bridge0 ping)`);
    }
  } catch (e) {
    teardown();
    if (e instanceof CommandError) throw new EmulationError(`cannot build ${stage}: ${e.message}`);
    throw e;
  }
  const buildSeconds = (performance.now() - t0) / 1000;
  log(`built in ${buildSeconds.toFixed(1)} s`);
  const namespaceOf = (loc: string): string | undefined => {
    const [kind, ...rest] = loc.split("/");
    const name = rest.join("/");
    if (kind === "node") return names.nodes.get(name.split(":")[0]!);
    if (kind === "client") return names.clients.get(name);
    if (kind === "lb" || kind === "router") return names.edge;
    if (kind === "pod") {
      const key = name.includes("/") ? name : [...names.pods.keys()].find((k) => k.endsWith(`/${name}`));
      const pod = cluster.pods.find((p) => `${p.namespace}/${p.name}` === key);
      if (pod?.hostNetwork) return names.nodes.get(pod.node);
      return key === undefined ? undefined : names.pods.get(key);
    }
    return (
      names.nodes.get(loc) ??
      names.clients.get(loc) ??
      names.pods.get(loc) ??
      [...names.pods.entries()].find(([k]) => k.endsWith(`/${loc}`))?.[1]
    );
  };
  const detach = () => {
    markKept(runId);
    untrap();
    for (const s of servers) {
      s.stdout?.destroy();
      s.stderr?.destroy();
      s.unref();
    }
  };
  const namespaceAt = (at: HopAt): string | undefined => {
    switch (at.kind) {
      case "pod":
        return names.pods.get(`${at.namespace}/${at.name}`);
      case "client":
        return names.clients.get(at.name);
      case "lb":
        return names.edge;
      case "underlay":
        return undefined;
      default:
        return names.nodes.get(at.node);
    }
  };
  const notesOut = notes.filter((n) => n !== "");
  return {
    names,
    notes: notesOut,
    peers,
    buildSeconds,
    nginx,
    nginxUnrendered,
    caPem,
    noTls,
    namespaceOf,
    namespaceAt,
    teardown,
    detach,
  };
}

/** The run's CA and certificates for nginx's TLS ports, or undefined (and why) without openssl. */
function makeCertificates(
  cluster: Topology["cluster"],
  runId: string,
  why: (text: string) => void,
): Certificates | undefined {
  if (!existsSync(OPENSSL)) {
    why(`${OPENSSL} is missing (apt-get install openssl): https rows are skipped`);
    return undefined;
  }
  return issueCertificates(join(nginxFolder(runId), "tls"), secretHosts(cluster));
}

export type { Node };
