// Each node's network as the control plane derives it, once for every node: its main routing table
// as `ip route` would show it, wg0's address and the AllowedIPs its peers give it. The data plane
// reads the result (lib/dataplane/network.ts) and derives nothing itself.
// The table is a handful of routes per node however large the cluster: remote podCIDRs share one
// overlay route (the cluster CIDR via wg0, as flannel installs it) and wg0's AllowedIPs pick the node.
import { makePrefix, type Prefix } from "../model/address.ts";
import type { Cluster, Node, NodeNetwork, Route } from "../model/cluster.ts";
import { type Diagnostic, diagnostic } from "../model/diagnostic.ts";
import type { IpvsMode } from "../model/ipvs.ts";
import type { LocalAddresses, NodeInterface } from "../model/node-interfaces.ts";
import type { IfaceMatch, Ruleset } from "../model/ruleset.ts";
import { dumpDetails } from "../nodedump/load.ts";
import { derivedAllowedIps, wireGuardAddress } from "./overlay.ts";

/** lo's 127.0.0.1/8: every node has it, and the local table holds all of 127.0.0.0/8 through it. */
const LOOPBACK: NodeInterface = {
  name: "lo",
  model: "lo",
  addresses: [{ ip: 0x7f000001, prefix: makePrefix(0x7f000000, 8) }],
};

/** The node's main table as kubehop derives it: the Topology's routes, then the connected, overlay and default ones. */
export function routeTable(cluster: Cluster, node: Node): Route[] {
  const wgSrc = wireGuardAddress(node, cluster.overlay.style) ?? node.ip;
  const derived: Route[] = [
    {
      dst: cluster.underlay.cidr,
      dev: "eth0",
      src: node.ip,
      proto: "kernel",
      scope: "link",
      why: "connected: eth0's subnet",
    },
    {
      dst: node.podCidr,
      dev: "bridge0",
      src: node.bridgeIp,
      proto: "kernel",
      scope: "link",
      why: "connected: this node's podCIDR on bridge0",
    },
    {
      dst: cluster.clusterCidr,
      dev: "wg0",
      src: wgSrc,
      proto: "static",
      scope: "link",
      why: "overlay: the cluster CIDR goes to wg0, whose AllowedIPs pick the node",
    },
  ];
  if (cluster.underlay.gateway !== undefined) {
    derived.push({
      dst: makePrefix(0, 0),
      dev: "eth0",
      via: cluster.underlay.gateway,
      src: node.ip,
      proto: "boot",
      scope: "global",
      why: "default route via the underlay gateway",
    });
  }
  return [...node.extraRoutes, ...derived];
}

/** Every node's network, by `Node.index`. A node's `ip route` dump replaces its derived table. */
export function nodeNetworks(cluster: Cluster): NodeNetwork[] {
  return cluster.nodes.map((node) => {
    const wg0Address = wireGuardAddress(node, cluster.overlay.style);
    const ipvs = ipvsMode(cluster, node);
    return {
      routes: [...(cluster.nodeDumps.get(node.name)?.routes?.routes ?? routeTable(cluster, node))],
      ...(wg0Address !== undefined ? { wg0Address } : {}),
      allowedIps: derivedAllowedIps(node, cluster.overlay.style),
      addresses: localAddresses(cluster, node, wg0Address, ipvs),
      ...(ipvs ? { ipvs } : {}),
    };
  });
}

/**
 * The node's interfaces as `ip addr` shows them (its dump, under the names it really has, or the
 * modelled lo, eth0, bridge0 and wg0) and the local table they make: each address is local, and so
 * is 127.0.0.0/8; a dumped `ip route show table all` adds the local ranges it lists.
 */
export function localAddresses(
  cluster: Cluster,
  node: Node,
  wg0Address: number | undefined,
  ipvs?: IpvsMode,
): LocalAddresses {
  const dump = cluster.nodeDumps.get(node.name);
  const dumped = dump?.addresses;
  let interfaces: NodeInterface[];
  if (dumped) {
    // The dump keeps each address's modelled device; its details keep the name the node gave it, in the same order.
    const real = dump ? dumpDetails(dump).addresses : undefined;
    const byName = new Map<
      string,
      { name: string; model?: NodeInterface["model"]; addresses: NodeInterface["addresses"][number][] }
    >();
    dumped.addresses.forEach((a, i) => {
      const name = real?.[i]?.dev ?? a.dev;
      let iface = byName.get(name);
      if (!iface) {
        const model = MODELLED.has(a.dev) ? (a.dev as NodeInterface["model"]) : undefined;
        byName.set(name, (iface = { name, ...(model ? { model } : {}), addresses: [] }));
      }
      iface.addresses.push({ ip: a.ip, prefix: a.prefix });
    });
    interfaces = [...byName.values()];
    if (!interfaces.some((i) => i.model === "lo")) interfaces.unshift(LOOPBACK);
  } else {
    interfaces = [
      LOOPBACK,
      { name: "eth0", model: "eth0", addresses: [{ ip: node.ip, prefix: cluster.underlay.cidr }] },
      { name: "bridge0", model: "bridge0", addresses: [{ ip: node.bridgeIp, prefix: node.podCidr }] },
      // wg0 exists whether or not the overlay style gives it an address (then it lends another's).
      {
        name: "wg0",
        model: "wg0",
        addresses: wg0Address !== undefined ? [{ ip: wg0Address, prefix: makePrefix(wg0Address, 32) }] : [],
      },
      ...(ipvs ? [kubeIpvs0(cluster, ipvs)] : []),
    ];
  }
  const local: Prefix[] = [makePrefix(0x7f000000, 8)];
  for (const i of interfaces) for (const a of i.addresses) local.push(makePrefix(a.ip, 32));
  local.push(...(dump?.routes?.local ?? []));
  const assumed = !dumped && dump?.iptablesSave ? unknownInterfaces(node, dump.iptablesSave, interfaces) : [];
  return { interfaces, local, source: dumped ? "dump" : "derived", assumed };
}

/**
 * A node whose rules are dumped but not its interfaces: kubehop gives it its modelled devices, so
 * a rule testing another name (cni0, ens5, docker0) never matches, an assumption said once per name.
 */
function unknownInterfaces(node: Node, rules: Ruleset, interfaces: readonly NodeInterface[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  const seen = new Set<string>();
  const known = (m: IfaceMatch) => interfaces.some((i) => (m.wildcard ? i.name.startsWith(m.name) : i.name === m.name));
  for (const table of rules.tables.values())
    for (const chain of table.chains.values())
      for (const rule of chain.rules)
        for (const [flag, m] of [
          ["-i", rule.header.inIface],
          ["-o", rule.header.outIface],
        ] as const) {
          if (!m || known(m) || seen.has(m.name)) continue;
          seen.add(m.name);
          out.push(
            diagnostic(
              "interface-assumed",
              rule.ref.line !== undefined ? { file: rules.file, line: rule.ref.line, col: 1 } : undefined,
              `${flag} ${m.name}${m.wildcard ? "+" : ""}: ${node.name}'s interfaces are not dumped, so kubehop ` +
                `gives it ` +
                `${interfaces.map((i) => i.name).join(", ")}; no packet is taken to pass ${m.name}, so this test ` +
                `${m.neg ? "always holds" : "never matches"}`,
              `add the node's \`ip addr\` as ip-addr.txt, or map the name in spec.nodeDumps.interfaces`,
            ),
          );
        }
  return out;
}

/**
 * kube-proxy in IPVS mode binds every Service address to the dummy kube-ipvs0, so the node takes
 * them as its own: the dumped virtual services' addresses, else the Services' ClusterIPs.
 */
function kubeIpvs0(cluster: Cluster, ipvs: IpvsMode): NodeInterface {
  const ips = ipvs.table ? ipvs.table.services.map((s) => s.ip) : cluster.services.flatMap((s) => s.clusterIPs);
  const unique = [...new Set(ips)].sort((a, b) => a - b);
  return { name: "kube-ipvs0", addresses: unique.map((ip) => ({ ip, prefix: makePrefix(ip, 32) })) };
}

/**
 * Whether the node's kube-proxy runs in IPVS mode, as its dumps show: its IPVS table, ipsets in its rules, kube-ipvs0.
 */
export function ipvsMode(cluster: Cluster, node: Node): IpvsMode | undefined {
  const dump = cluster.nodeDumps.get(node.name);
  if (!dump) return undefined;
  if (dump.ipvs) return { evidence: `its IPVS table, ${dump.ipvs.file}`, table: dump.ipvs };
  const real = dumpDetails(dump).addresses;
  if (real?.some((a) => a.dev === "kube-ipvs0") && dump.addresses)
    return { evidence: `kube-ipvs0 in ${dump.addresses.file}` };
  const rules = dump.iptablesSave;
  for (const table of rules?.tables.values() ?? [])
    for (const chain of table.chains.values())
      for (const rule of chain.rules)
        if (/--match-set KUBE-CLUSTER-IP\b/.test(rule.ref.text))
          return { evidence: `--match-set KUBE-CLUSTER-IP at ${rules!.file}:${rule.ref.line ?? 0}` };
  return undefined;
}

const MODELLED: ReadonlySet<string> = new Set(["eth0", "bridge0", "wg0", "lo"]);
