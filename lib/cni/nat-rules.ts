// The overlay agent's own NAT on each node: pod traffic leaving the cluster is masqueraded to the
// node's address, traffic between pods never is. Written as the agent writes it next to
// kube-proxy's chains, so a node's iptables-save holds both, as on a real node.
// - flannel (pkg/trafficmngr/iptables): chain FLANNEL-POSTRTG; kube-proxy's marked packets are left
//   to kube-proxy, pod <-> cluster is not NATed, cluster -> outside (not multicast) is masqueraded,
//   outside -> this node's pods is not, outside -> other nodes' pods is.
// - Kilo (pkg/mesh, KILO-NAT from POSTROUTING for the node's podCIDR): RETURN for what the mesh
//   carries (its peers' AllowedIPs, summarised here as the cluster CIDR and the underlay), MASQUERADE
//   the rest.
import type { Cluster, Node } from "../model/cluster.ts";

export interface ChainRules {
  /** User chains to declare. */
  readonly chains: readonly string[];
  /** `-A ...` lines, in order. */
  readonly rules: readonly string[];
}

export function cniNatRules(cluster: Cluster, node: Node): ChainRules {
  const cidr = cluster.clusterCidr.text;
  const mine = node.podCidr.text;
  if (cluster.overlay.style === "flannel") {
    const c = '-m comment --comment "flanneld masq"';
    return {
      chains: ["FLANNEL-POSTRTG"],
      rules: [
        `-A POSTROUTING ${c} -j FLANNEL-POSTRTG`,
        `-A FLANNEL-POSTRTG -m mark --mark 0x4000/0x4000 ${c} -j RETURN`,
        `-A FLANNEL-POSTRTG -s ${mine} -d ${cidr} ${c} -j RETURN`,
        `-A FLANNEL-POSTRTG -s ${cidr} -d ${mine} ${c} -j RETURN`,
        `-A FLANNEL-POSTRTG ! -s ${cidr} -d ${mine} ${c} -j RETURN`,
        `-A FLANNEL-POSTRTG -s ${cidr} ! -d 224.0.0.0/4 ${c} -j MASQUERADE --random-fully`,
        `-A FLANNEL-POSTRTG ! -s ${cidr} -d ${cidr} ${c} -j MASQUERADE --random-fully`,
      ],
    };
  }
  return {
    chains: ["KILO-NAT"],
    rules: [
      `-A POSTROUTING -s ${mine} -m comment --comment "Kilo: jump to KILO-NAT chain" -j KILO-NAT`,
      `-A KILO-NAT -d ${cidr} -m comment --comment "Kilo: do not NAT packets destined for the mesh" -j RETURN`,
      `-A KILO-NAT -d ${cluster.underlay.cidr.text} -m comment --comment "Kilo: do not NAT packets destined for the nodes" -j RETURN`,
      `-A KILO-NAT -m comment --comment "Kilo: NAT remaining packets" -j MASQUERADE`,
    ],
  };
}

const BUILTIN_ORDER = ["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"];

/**
 * Adds chains and rules to one table of iptables-save text, keeping iptables-save's layout:
 * built-in chains first, user chains sorted by name, and each chain's rules together in that order.
 */
export function addToTable(save: string, table: string, extra: ChainRules): string {
  const lines = save.split("\n");
  const start = lines.indexOf(`*${table}`);
  if (start < 0) return save;
  const end = lines.indexOf("COMMIT", start);
  const decls = lines.slice(start + 1, end).filter((l) => l.startsWith(":"));
  const rules = lines.slice(start + 1, end).filter((l) => l.startsWith("-A "));
  const declared = new Set(decls.map((d) => d.slice(1).split(" ")[0]!));
  const allDecls = [...decls, ...extra.chains.filter((c) => !declared.has(c)).map((c) => `:${c} - [0:0]`)];
  const name = (d: string) => d.slice(1).split(" ")[0]!;
  const rank = (chain: string) => (BUILTIN_ORDER.includes(chain) ? BUILTIN_ORDER.indexOf(chain) : BUILTIN_ORDER.length);
  allDecls.sort((a, b) => rank(name(a)) - rank(name(b)) || (rank(name(a)) < BUILTIN_ORDER.length ? 0 : name(a) < name(b) ? -1 : name(a) > name(b) ? 1 : 0));
  const order = allDecls.map(name);
  const byChain = new Map<string, string[]>(order.map((c) => [c, []]));
  for (const r of [...rules, ...extra.rules]) byChain.get(r.split(" ")[1]!)?.push(r);
  const body = [...allDecls, ...order.flatMap((c) => byChain.get(c)!)];
  return [...lines.slice(0, start + 1), ...body, ...lines.slice(end)].join("\n");
}
