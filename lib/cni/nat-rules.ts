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
import type { SaveTables, SourceChain } from "../netfilter/chain-source.ts";
import type { TableName } from "../model/ruleset.ts";

export interface ChainRules {
  /** User chains to declare. */
  readonly chains: readonly string[];
  /** The `-A CHAIN ...` lines of each chain, in order. */
  readonly rules: ReadonlyMap<string, readonly string[]>;
}

/** Each `[chain, rule]` as the `-A` line iptables-save prints, grouped by chain in order. */
function appended(rules: readonly (readonly [string, string])[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [chain, rule] of rules) {
    const line = `-A ${chain} ${rule}`;
    const list = out.get(chain);
    if (list) list.push(line);
    else out.set(chain, [line]);
  }
  return out;
}

export function cniNatRules(cluster: Cluster, node: Node): ChainRules {
  const cidr = cluster.clusterCidr.text;
  const mine = node.podCidr.text;
  if (cluster.overlay.style === "flannel") {
    const c = '-m comment --comment "flanneld masq"';
    const chain = "FLANNEL-POSTRTG";
    return {
      chains: [chain],
      rules: appended([
        ["POSTROUTING", `${c} -j ${chain}`],
        [chain, `-m mark --mark 0x4000/0x4000 ${c} -j RETURN`],
        [chain, `-s ${mine} -d ${cidr} ${c} -j RETURN`],
        [chain, `-s ${cidr} -d ${mine} ${c} -j RETURN`],
        [chain, `! -s ${cidr} -d ${mine} ${c} -j RETURN`],
        [chain, `-s ${cidr} ! -d 224.0.0.0/4 ${c} -j MASQUERADE --random-fully`],
        [chain, `! -s ${cidr} -d ${cidr} ${c} -j MASQUERADE --random-fully`],
      ]),
    };
  }
  const chain = "KILO-NAT";
  return {
    chains: [chain],
    rules: appended([
      ["POSTROUTING", `-s ${mine} -m comment --comment "Kilo: jump to KILO-NAT chain" -j ${chain}`],
      [chain, `-d ${cidr} -m comment --comment "Kilo: do not NAT packets destined for the mesh" -j RETURN`],
      [
        chain,
        `-d ${cluster.underlay.cidr.text} -m comment --comment "Kilo: do not NAT packets destined for the nodes" -j ` +
          `RETURN`,
      ],
      [chain, `-m comment --comment "Kilo: NAT remaining packets" -j MASQUERADE`],
    ]),
  };
}

const BUILTIN_ORDER = ["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"];

/**
 * Adds chains and rules to one table, keeping iptables-save's layout: built-in chains first, user
 * chains sorted by name, each chain's rules together, the added ones after the chain's own. A
 * rule for a chain that is declared nowhere is left out. The tables' other chains stay as they
 * are (their shared line arrays included); the additions are this node's only.
 */
export function withChains(tables: SaveTables, table: TableName, extra: ChainRules): SaveTables {
  if (!tables.tables.includes(table)) return tables;
  const added = extra.rules;
  const extend = (c: SourceChain): SourceChain => {
    const more = added.get(c.name);
    return more ? { ...c, parts: [...c.parts, { lines: more, start: 0, end: more.length }] } : c;
  };
  const fresh = (name: string): SourceChain => extend({ name, policy: null, parts: [] });
  return {
    file: tables.file,
    tables: tables.tables,
    chain(t, name) {
      if (t !== table) return tables.chain(t, name);
      const own = tables.chain(t, name);
      if (own) return extend(own);
      return extra.chains.includes(name) ? fresh(name) : undefined;
    },
    chains(t) {
      if (t !== table) return tables.chains(t);
      // The table's own chains are already in iptables-save's order (built-ins, then user chains by
      // name): the few new user chains are merged in, not the ~10^5 chains re-sorted.
      const own = tables.chains(t).map(extend);
      const declared = new Set(own.map((c) => c.name));
      const out = [...own];
      for (const name of extra.chains.filter((c) => !declared.has(c)).sort()) {
        let i = out.findIndex((c) => !BUILTIN_ORDER.includes(c.name) && c.name > name);
        if (i < 0) i = out.length;
        out.splice(i, 0, fresh(name));
      }
      return out;
    },
  };
}
