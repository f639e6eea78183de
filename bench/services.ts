// Issue 3's figures: kube-proxy's rules for 10,000 Services x 15 endpoints on 5,000 nodes.
//
// The cluster is Deployments of 15 replicas, each behind a selector Service, plus the
// EndpointSlices a live cluster would hold (as `kubectl get -o yaml` dumps them). The slices are
// given rather than derived because the EndpointSlice controller (lib/control/endpoint-slices.ts)
// matches every Service against every pod: 10,000 x 150,000 selector checks. To learn the pod IPs
// the slices list, the Deployments are loaded once on their own first (same scheduler, same IPAM).
import { nftNodeEngine, nftNodeText } from "../lib/dataplane/nft-ruleset.ts";
import { kubeProxyNftTable, listingText } from "../lib/kubeproxy/nftables/index.ts";
import { loadTopologySync, type Topology } from "../lib/topology.ts";
import type { Cluster, Pod } from "../lib/model/cluster.ts";
import type { Packet } from "../lib/model/packet.ts";
import { NetfilterEngine } from "../lib/netfilter/evaluator.ts";
import { NftEngine } from "../lib/netfilter/nft/engine.ts";
import { walkNftNode } from "../lib/netfilter/nft/node-walk.ts";
import { parseNftRuleset } from "../lib/netfilter/nft/reader.ts";
import { type NodeBranch, walkNode } from "../lib/netfilter/node-walk.ts";
import { endpointSliceText, serviceClusterText } from "./cluster-text.ts";
import { type Mode, type PairedWalks, pairedWalks, spread } from "./paired-walks.ts";
import { gc, mb, median, once, peakRss, row, steadyText } from "./report.ts";
import { execFileSync } from "node:child_process";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";

const NODES = 5000;
const SERVICES = 10000;
const REPLICAS = 15;
const PINNED = "node-1";

const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const rss = () => `peak RSS ${mb(peakRss())}`;

export function clientPod(topo: Topology, node: string): Pod {
  const pods = topo.cluster.pods.filter((p) => p.node === node);
  return pods.find((p) => p.owner?.name !== "app-0") ?? pods[0]!;
}

/** A packet's walk through a node's rules, and what one walk gives: its branches and their rule events. */
export interface PacketWalk {
  readonly run: () => number;
  readonly branches: number;
  readonly events: number;
}

function measured(walk: () => NodeBranch[]): PacketWalk {
  const first = walk();
  return { run: () => walk().length, branches: first.length, events: first.reduce((n, b) => n + b.steps.length, 0) };
}

/** One new TCP connection from `pod` to the ClusterIP of `svc`, through its node's rules. */
export function packetWalk(topo: Topology, pod: Pod, svc: string): PacketWalk {
  const node = topo.cluster.nodes.find((n) => n.name === pod.node)!;
  // The engine the tracer uses for this node (kube-proxy's rules printed, parsed and compiled).
  const nf = topo.network.netfilter(node);
  if (!(nf instanceof NetfilterEngine)) throw new Error(`bench: ${node.name} has no netfilter engine`);
  const { packet, localIps } = connection(topo.cluster, pod, svc);
  return measured(() => walkNode(nf, packet, { hook: "prerouting", inIface: "bridge0", localIps }));
}

/**
 * The same connection through the node's rules in kube-proxy's nftables mode: its nft table (and the
 * overlay agent's nat table) listed, read and run by the nft engine, as a trace builds them.
 */
export function nftPacketWalk(cluster: Cluster, pod: Pod, svc: string): PacketWalk {
  const node = cluster.nodes.find((n) => n.name === pod.node)!;
  const engine = nftNodeEngine(nftMode(cluster), node);
  if (engine.diagnostics.length > 0)
    throw new Error(`bench: ${node.name}'s nft rules: ${engine.diagnostics[0]!.message}`);
  const { packet, localIps } = connection(cluster, pod, svc);
  return measured(() => walkNftNode(engine, packet, { hook: "prerouting", inIface: "bridge0", localIps }));
}

/**
 * The first Service from svc-`from` on that `pod` does not serve. A connection to a Service of its own
 * may come back to it (hairpin), which kube-proxy marks for masquerade: a longer path, and the
 * per-packet ratio must compare one kind of path. The client, app-5000's pod, serves svc-5000: its
 * walk read 1.15x the 10-Service walk to svc-5, and svc-5001's 1.02x.
 */
export function serviceNotServing(cluster: Cluster, pod: Pod, from: number): string {
  for (let i = from; ; i++) {
    const name = `svc-${i}`;
    if (!cluster.endpointSlices.some((sl) => sl.serviceName === name && sl.endpoints.some((e) => e.ip === pod.ip)))
      return name;
  }
}

/** The per-packet walk on a 10-Service cluster of the same Service shape (run by bench/small-walks.ts). */
export function smallClusterWalk(mode: Mode): PacketWalk {
  const small = loadTopologySync(serviceClusterText(10, 10, REPLICAS));
  const pod = clientPod(small, "node-1");
  const svc = serviceNotServing(small.cluster, pod, 5);
  return mode === "iptables" ? packetWalk(small, pod, svc) : nftPacketWalk(small.cluster, pod, svc);
}

/**
 * The four rows of a mode's per-packet figures: the large cluster's, the 10-Service cluster's, their
 * ratio, and the method's own error (controlRatios).
 */
function pairedRows(
  p: PairedWalks & { control: number[] },
  walk: PacketWalk,
  prefix: string,
  big: string,
  target: string,
  ratioTarget: string,
): void {
  const shape = (branches: number, events: number) => `${branches} branches, ${events} rule events`;
  const same = walk.branches === p.smallBranches && walk.events === p.smallEvents;
  const turns = `${p.turns} turns of ${p.walks.toLocaleString("en-US")} walks`;
  row(
    `${prefix}${big} (${shape(walk.branches, walk.events)})`,
    `${spread(p.large, 1, " µs")}, median of ${turns}, each right after a 10-Service turn; ` +
      `settled first: ${steadyText(p.settled)}; mean walk with its scavenges ${median(p.means.large).toFixed(1)} µs`,
    target,
  );
  row(
    `${prefix}the same on a 10-Service cluster (${shape(p.smallBranches, p.smallEvents)})`,
    `${spread(p.small, 1, " µs")}, median of ${turns} in a worker thread; ` +
      `mean walk with its scavenges ${median(p.means.small).toFixed(1)} µs`,
    "-",
  );
  row(
    `${prefix}ratio ${SERVICES.toLocaleString("en-US")} Services / 10 Services`,
    `${spread(p.ratios, 2, "x")}, median of the ${p.turns} pairs of turns' ratios` +
      `${p.pinned ? ", both threads on one CPU" : ", the threads not pinned (no taskset)"}` +
      `${same ? "; one path shape on both" : "; THE PATHS DIFFER: the ratio compares unlike walks"}`,
    ratioTarget,
  );
  row(
    `${prefix}the same ratio with the 10-Service walk on both sides (the method's own error, in a child process)`,
    `${spread(p.control, 2, "x")}`,
    "-",
  );
}

/** pairedWalks' ratios with the 10-Service walk on both sides, in a fresh process (bench/paired-control.ts). */
function controlRatios(mode: Mode): number[] {
  const script = fileURLToPath(new URL("./paired-control.ts", import.meta.url));
  return JSON.parse(execFileSync(process.execPath, [...process.execArgv, script, mode], { encoding: "utf8" }));
}

const nftModes = new WeakMap<Cluster, Cluster>();

/**
 * The cluster with kube-proxy in nftables mode, one object per cluster: kube-proxy's cluster-wide
 * parts are built once per cluster object, as for a topology loaded in that mode.
 */
function nftMode(cluster: Cluster): Cluster {
  let c = nftModes.get(cluster);
  if (!c) nftModes.set(cluster, (c = { ...cluster, kubeProxy: { ...cluster.kubeProxy, mode: "nftables" } }));
  return c;
}

function connection(cluster: Cluster, pod: Pod, svc: string): { packet: Packet; localIps: number[] } {
  const service = cluster.services.find((x) => x.name === svc)!;
  const node = cluster.nodes.find((n) => n.name === pod.node)!;
  const packet: Packet = {
    proto: "tcp",
    src: pod.ip,
    sport: 40000,
    dst: service.clusterIPs[0]!,
    dport: 80,
    size: 100,
    ttl: 64,
    df: true,
    mark: 0,
  };
  const localIps = [node.ip, node.bridgeIp, ...(node.wireguard.address !== undefined ? [node.wireguard.address] : [])];
  return { packet, localIps };
}

/**
 * Where a first use of the nft engine goes, on another node: its ruleset listed, read (every rule,
 * for complete diagnostics), and checked (missing names, loops, jump depth). Run last, in a function
 * of its own, so that the ruleset it reads does not grow the heap the per-packet figures run in.
 */
function nftFirstUseByPart(c: Cluster): void {
  const otherNode = c.nodes.find((n) => n.name === "node-2500")!;
  const [otherText, listMs] = once(() => nftNodeText(nftMode(c), otherNode));
  gc();
  const readHeap = process.memoryUsage().heapUsed;
  const [otherRules, readMs] = once(() => parseNftRuleset(otherText, "node-2500"));
  const [otherEngine, checkMs] = once(() => new NftEngine(otherRules));
  gc();
  const engineHeap = process.memoryUsage().heapUsed - readHeap;
  row(
    `services: another node's nft ruleset on first use, by part (list, read every rule, check names, loops and jump depth; heap of the read ruleset)`,
    `list ${s(listMs)}, read ${s(readMs)}, check ${s(checkMs)}; ruleset heap ${mb(engineHeap)} ` +
      `(${otherEngine.diagnostics.length} diagnostics)`,
    "-",
  );
}

/** The 5,000-node cluster, loaded as a user's topology with its EndpointSlices given; prints its rows. */
function loadCluster(scale: string): Topology {
  gc();
  const [placed, placeMs] = once(() =>
    loadTopologySync(serviceClusterText(NODES, SERVICES, REPLICAS, { pinned: PINNED, withServices: false })),
  );
  const slices = endpointSliceText(placed.cluster.pods);
  row(
    `services: place ${placed.cluster.pods.length.toLocaleString("en-US")} pods (Deployments only, for the slices' pod IPs)`,
    `${s(placeMs)}, ${rss()}`,
    "-",
  );
  gc();
  const text = serviceClusterText(NODES, SERVICES, REPLICAS, { pinned: PINNED, slices });
  const [topo, loadMs] = once(() => loadTopologySync(text));
  gc();
  const c = topo.cluster;
  // The slices must list exactly the pods the full load placed: same scheduler, same IPAM.
  const podAt = new Map(c.pods.map((p) => [p.ip, p]));
  const endpoints = c.endpointSlices.reduce((n, sl) => n + sl.endpoints.length, 0);
  // The default `kubernetes` Service's slice lists the API server, not a bench pod.
  for (const sl of c.endpointSlices) {
    if (!sl.serviceName.startsWith("svc-")) continue;
    for (const ep of sl.endpoints) {
      const p = podAt.get(ep.ip);
      if (p?.owner?.name !== `app-${sl.serviceName.slice(4)}` || p.node !== ep.nodeName)
        throw new Error(`bench: slice ${sl.name} is stale`);
    }
  }
  row(
    `services: load + build model (${scale}: ${c.pods.length.toLocaleString("en-US")} pods, ${c.services.length.toLocaleString("en-US")} Services, ${endpoints.toLocaleString("en-US")} endpoints in given slices)`,
    `${s(loadMs)}, ${rss()}, heap after ${mb(process.memoryUsage().heapUsed)}`,
    "-",
  );
  return topo;
}

export function servicesAtScale(): void {
  const scale = `${NODES.toLocaleString("en-US")} nodes, ${SERVICES.toLocaleString("en-US")} Services x ${REPLICAS}`;

  // What only a row needs (the placed pods, the YAML text, the printed rules) is made inside a block
  // and let go after it: a trace holds none of it, and a larger heap makes every scavenge of the
  // per-packet rows below slower (V8 visits each old page's header at every scavenge).
  const topo = loadCluster(scale);
  gc();
  const c = topo.cluster;

  {
    const [save, firstMs] = once(() => topo.iptablesSave(PINNED));
    const lines = save.split("\n").length;
    row(
      `services: one node's iptables-save, first node (includes the cluster-wide Service table kube-proxy builds once)`,
      `${s(firstMs)}: ${lines.toLocaleString("en-US")} lines, ${mb(save.length)}`,
      "< 3 s",
    );
  }
  const [, otherMs] = once(() => topo.iptablesSave("node-2500"));
  row(`services: one node's iptables-save, another node`, s(otherMs), "< 3 s");

  // nftables mode: the same cluster's kube-proxy table, as `kubehop ruleset` prints it. The first
  // node hashes every chain name and builds each service port's part; other nodes share those.
  {
    gc();
    const nftHeap = process.memoryUsage().heapUsed;
    const [nftTable, nftBuildMs] = once(() => kubeProxyNftTable(c, PINNED));
    gc();
    const tableHeap = process.memoryUsage().heapUsed - nftHeap;
    const [listing, nftListMs] = once(() => listingText(nftTable));
    row(
      `services: one node's nftables-mode table, first node (${nftTable.chains.length.toLocaleString("en-US")} chains)`,
      `built ${s(nftBuildMs)}, printed ${s(nftListMs)}: ${listing.split("\n").length.toLocaleString("en-US")} lines, ` +
        `${mb(listing.length)}; table heap ${mb(tableHeap)}`,
      "-",
    );
  }
  const [, nftOtherMs] = once(() => listingText(kubeProxyNftTable(c, "node-2500")));
  row(`services: another node's nft list ruleset, built and printed`, s(nftOtherMs), "< 1.5 s");

  // Chains are compiled as a walk first enters them, so the first packet pays for what it touches.
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const pod = clientPod(topo, PINNED);
  const bigSvc = serviceNotServing(c, pod, SERVICES / 2);
  const [bigWalk, nfMs] = once(() => packetWalk(topo, pod, bigSvc));
  gc();
  row(
    `services: a node's netfilter on first use, with its first packet (generate + parse + compile the chains it enters)`,
    `${s(nfMs)}, ruleset heap ${mb(process.memoryUsage().heapUsed - heapBefore)}, ${rss()}`,
    "-",
  );
  const other = clientPod(topo, "node-2500");
  const [, otherNfMs] = once(() => packetWalk(topo, other, bigSvc));
  row(`services: another node's netfilter on first use, with its first packet`, `${s(otherNfMs)}, ${rss()}`, "-");

  pairedRows(
    { ...pairedWalks("iptables", () => bigWalk.run()), control: controlRatios("iptables") },
    bigWalk,
    "services: ",
    `one packet pod -> ClusterIP (${bigSvc}) through the node's rules (walkNode: PREROUTING, FORWARD, POSTROUTING), ${scale}`,
    "< 50 µs",
    "within 1.5x",
  );

  // nftables mode: the same node, the same connection, through kube-proxy's nft table.
  gc();
  const nftBefore = process.memoryUsage().heapUsed;
  const [bigNft, nftNfMs] = once(() => nftPacketWalk(c, pod, bigSvc));
  gc();
  row(
    `services: a node's nft ruleset on first use, with its first packet (list + read + run the chains it enters)`,
    `${s(nftNfMs)}, ruleset heap ${mb(process.memoryUsage().heapUsed - nftBefore)}, ${rss()}`,
    "-",
  );
  pairedRows(
    { ...pairedWalks("nftables", () => bigNft.run()), control: controlRatios("nftables") },
    bigNft,
    "services: nftables mode, ",
    `one packet pod -> ClusterIP (${bigSvc}) through the node's nft rules (PREROUTING, FORWARD, POSTROUTING), ${scale}`,
    "<= 25 µs",
    "<= 1.2x",
  );

  // A whole trace: svc-0's 15 pods are pinned to the client's node, so only that node's rules are
  // needed (an endpoint on another node would make the tracer build that node's ruleset too).
  const query = { from: `pod/${pod.namespace}/${pod.name}`, to: `svc/ns-0/svc-0` };
  const [first, firstTraceMs] = once(() => topo.trace(query));
  const times: number[] = [];
  for (let i = 0; i < 300; i++) {
    const t0 = performance.now();
    topo.trace(query);
    times.push(performance.now() - t0);
  }
  const delivered = first.branches.filter((b) => b.disposition === "DELIVERED").length;
  row(
    `services: kubehop trace pod -> ClusterIP, ${scale} (${first.branches.length} branches, ${delivered} delivered, with replies, as --json objects)`,
    `${(median(times.slice(50)) * 1000).toFixed(1)} µs median (first ${firstTraceMs.toFixed(1)} ms), ${rss()}`,
    "-",
  );
  nftFirstUseByPart(c);
}
