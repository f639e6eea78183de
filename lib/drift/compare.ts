// Where a node's dumps differ from what kubehop derives from the objects: kube-proxy's rules
// (Service ports and their KUBE-SEP DNAT targets, or in nftables mode its nft table's map elements
// and endpoint DNATs), the main routing table, and wg0's peers.
import { formatIpv4, type Ipv4, prefixContains } from "../model/address.ts";
import type { Cluster, Node, NodeDump, Route } from "../model/cluster.ts";
import { peersOf } from "../control/overlay.ts";
import { routeTable } from "../control/node-network.ts";
import { routeText } from "../dataplane/routing.ts";
import { dumpDetails } from "../nodedump/load.ts";
import { conventionFor, conventionInfo } from "./cni-conventions.ts";
import { compareIptables } from "./compare-iptables.ts";
import { compareNft } from "./compare-nft.ts";
import { holdsKubeProxyTable } from "../nodedump/nft.ts";
import type { Difference } from "./difference.ts";

export interface NodeComparison {
  readonly differences: Difference[];
  /**
   * Worth knowing, not drift: chains of other tools, which are not compared; AllowedIPs a CNI's convention explains.
   */
  readonly info: string[];
}

export function compareNode(cluster: Cluster, node: Node, dump: NodeDump): NodeComparison {
  const differences: Difference[] = [];
  const info: string[] = [];
  const nftMode = dump.nftRuleset !== undefined && holdsKubeProxyTable(dump.nftRuleset.text);
  if (dump.nftRuleset) compareNft(cluster, node, dump.nftRuleset, differences, info);
  // In nftables mode iptables-save shows iptables-nft's tables only, which the nft dump lists too.
  if (dump.iptablesSave && nftMode)
    info.push(`${dump.iptablesSave.file}: not compared; kube-proxy's rules are in ${dump.nftRuleset!.file}`);
  else if (dump.iptablesSave) compareIptables(cluster, node, dump.iptablesSave, differences, info);
  if (dump.routes) compareRoutes(cluster, node, dump, differences);
  if (dump.wireguard) comparePeers(cluster, node, dump, differences, info);
  return { differences, info };
}

// ---- routes ---------------------------------------------------------------------------------

function compareRoutes(cluster: Cluster, node: Node, dump: NodeDump, out: Difference[]): void {
  const file = dump.routes!.file;
  const entries =
    dumpDetails(dump).routes ??
    dump.routes!.routes.map((route) => ({ route, line: 0, text: routeText(route), metric: 0, onlink: false }));
  const derived = routeTable(cluster, node);
  const byDst = new Map<string, (typeof entries)[number]>();
  for (const e of entries) if (!byDst.has(e.route.dst.text)) byDst.set(e.route.dst.text, e);
  const derivedDst = new Set(derived.map((r) => r.dst.text));
  const at = (line: number) => (line > 0 ? `${file}:${line}` : file);
  for (const d of derived) {
    const e = byDst.get(d.dst.text);
    if (!e) {
      out.push({
        part: "routes",
        kind: "missing-route",
        text: `no route ${routeText(d)} (${d.why})`,
        touches: { routes: [d] },
      });
    } else if (!sameForwarding(d, e.route)) {
      out.push({
        part: "routes",
        kind: "different-route",
        text: `${e.text} where kubehop derives ${routeText(d)}`,
        at: at(e.line),
        touches: { routes: [d, e.route] },
      });
    }
  }
  const connected = [
    ...entries
      .filter((e) => e.route.via === undefined && e.route.type !== "blackhole" && e.route.type !== "unreachable")
      .map((e) => e.route.dst),
    ...(dump.addresses?.addresses.map((a) => a.prefix) ?? []),
  ];
  const known = new Set<Ipv4>([
    ...cluster.nodes.map((n) => n.ip),
    ...cluster.loadBalancers.map((l) => l.address),
    ...(cluster.underlay.gateway !== undefined ? [cluster.underlay.gateway] : []),
  ]);
  for (const e of entries) {
    const via = e.route.via;
    const nowhere =
      via === undefined
        ? undefined
        : !e.onlink && !connected.some((p) => p.length > 0 && prefixContains(p, via))
          ? `${formatIpv4(via)} is on no connected subnet of ${node.name}`
          : prefixContains(cluster.underlay.cidr, via) && !known.has(via)
            ? `${formatIpv4(via)} is on the underlay but no node, gateway or load balancer has it`
            : undefined;
    if (nowhere)
      out.push({
        part: "routes",
        kind: "route-to-nowhere",
        text: `${e.text}: ${nowhere}`,
        at: at(e.line),
        touches: { routes: [e.route] },
      });
    else if (!derivedDst.has(e.route.dst.text))
      out.push({
        part: "routes",
        kind: "extra-route",
        text: `${e.text}, which kubehop does not derive`,
        at: at(e.line),
        touches: { routes: [e.route] },
      });
  }
}

function sameForwarding(a: Route, b: Route): boolean {
  return (a.type ?? "unicast") === (b.type ?? "unicast") && a.dev === b.dev && a.via === b.via;
}

// ---- WireGuard ------------------------------------------------------------------------------

function comparePeers(cluster: Cluster, node: Node, dump: NodeDump, out: Difference[], info: string[]): void {
  const wg = dump.wireguard!;
  const lines = new Map((dumpDetails(dump).peers ?? []).map((p) => [p.peer, p.line]));
  const at = (p: object) => (lines.has(p as never) ? `${wg.file}:${lines.get(p as never)}` : wg.file);
  const derived = peersOf(node, cluster.nodes, cluster.overlay.style, cluster.overlay.listenPort);
  const endpointText = (e?: { ip: Ipv4; port: number }) => (e ? `${formatIpv4(e.ip)}:${e.port}` : "(none)");
  if (wg.listenPort !== undefined && wg.listenPort !== cluster.overlay.listenPort) {
    out.push({
      part: "wireguard",
      kind: "listen-port",
      text:
        `wg0 listens on ${wg.listenPort}, the overlay's port is ${cluster.overlay.listenPort}: peers send to ` +
        `the wrong port`,
      at: wg.file,
      touches: { node: node.name },
    });
  }
  for (const d of derived) {
    const real = wg.peers.find((p) => p.node === d.node);
    if (!real) {
      out.push({
        part: "wireguard",
        kind: "missing-peer",
        text:
          `no peer for ${d.node} (endpoint ${endpointText(d.endpoint)}, ` +
          `allowed-ips ${d.allowedIps.map((a) => a.text).join(", ")})`,
        touches: { node: d.node },
      });
      continue;
    }
    const have = new Set(real.allowedIps.map((a) => a.text));
    const want = new Set(d.allowedIps.map((a) => a.text));
    const missing = [...want].filter((a) => !have.has(a));
    const extra: string[] = [];
    const peerNode = cluster.nodes.find((n) => n.name === d.node);
    for (const a of real.allowedIps) {
      if (want.has(a.text)) continue;
      const why = peerNode && conventionFor(a, peerNode, cluster);
      if (why) info.push(conventionInfo(node.name, a, d.node, why));
      else if (!extra.includes(a.text)) extra.push(a.text);
    }
    if (missing.length)
      out.push({
        part: "wireguard",
        kind: "allowed-ips-missing",
        text: `peer ${d.node}'s AllowedIPs lack ${missing.join(", ")}`,
        at: at(real),
        touches: { node: d.node },
      });
    if (extra.length)
      out.push({
        part: "wireguard",
        kind: "allowed-ips-extra",
        text: `peer ${d.node}'s AllowedIPs hold ${extra.join(", ")}, which kubehop does not derive`,
        at: at(real),
        touches: { node: d.node },
      });
    if (endpointText(real.endpoint) !== endpointText(d.endpoint)) {
      out.push({
        part: "wireguard",
        kind: "endpoint-mismatch",
        text:
          `peer ${d.node}'s endpoint is ${endpointText(real.endpoint)}, kubehop ` +
          `derives ${endpointText(d.endpoint)}`,
        at: at(real),
        touches: { node: d.node },
      });
    }
  }
  for (const p of wg.peers) {
    if (derived.some((d) => d.node === p.node)) continue;
    const whose =
      p.node === ""
        ? "no node's"
        : p.node === node.name
          ? `${node.name} itself`
          : `node ${p.node}, which kubehop does not peer with`;
    out.push({
      part: "wireguard",
      kind: "extra-peer",
      text:
        `peer ${p.publicKey.slice(0, 8)}... (endpoint ${endpointText(p.endpoint)}, ` +
        `allowed-ips ${p.allowedIps.map((a) => a.text).join(", ") || "(none)"}) is ${whose}`,
      at: at(p),
      touches: { node: p.node || node.name },
    });
  }
}
