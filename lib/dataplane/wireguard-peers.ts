// Cryptokey routing: which peer owns an address (outbound: the inner destination; inbound: the
// inner source). A full mesh of N nodes has N*(N-1) peer entries; derived peers are never stored:
// one shared table maps every node's AllowedIPs to the node, and a node's view skips itself.
import { formatIpv4, hostPrefix, type Ipv4, maskOf, type Prefix, prefixContains } from "../model/address.ts";
import type { Cluster, Node, NodeNetwork, WireGuardPeer } from "../model/cluster.ts";

export interface PeerMatch {
  /** The remote node the peer stands for. */
  readonly node: Node;
  /** The AllowedIPs entry that matched. */
  readonly allowedIp: Prefix;
  readonly endpoint?: { readonly ip: Ipv4; readonly port: number };
  readonly publicKey: string;
}

export class WireGuardPeers {
  /** prefix length -> network -> owning node, for derived AllowedIPs, longest lengths first. */
  private readonly byLength: [number, Map<Ipv4, Node>][];
  private readonly byName: Map<string, Node>;

  /** @param nodeNetworks by `Node.index`: each node's derived AllowedIPs (lib/control/node-network.ts) */
  constructor(
    private readonly cluster: Cluster,
    private readonly nodeNetworks: readonly NodeNetwork[],
  ) {
    this.byName = new Map(cluster.nodes.map((n) => [n.name, n]));
    const tables = new Map<number, Map<Ipv4, Node>>();
    for (const n of cluster.nodes) {
      for (const p of nodeNetworks[n.index]!.allowedIps) {
        let t = tables.get(p.length);
        if (!t) tables.set(p.length, (t = new Map()));
        if (!t.has(p.network)) t.set(p.network, n);
      }
    }
    this.byLength = [...tables.entries()].sort((a, b) => b[0] - a[0]);
  }

  /** Longest-prefix match of `ip` over `self`'s peers' AllowedIPs. */
  lookup(self: Node, ip: Ipv4): PeerMatch | undefined {
    const explicit = this.explicitPeers(self);
    if (explicit) return this.lookupExplicit(explicit, ip);
    for (const [length, table] of this.byLength) {
      const owner = table.get((ip & maskOf(length)) >>> 0);
      if (owner && owner !== self) {
        const allowedIp = length === 32 ? hostPrefix(ip) : owner.podCidr;
        return {
          node: owner,
          allowedIp,
          endpoint: { ip: owner.ip, port: this.cluster.overlay.listenPort },
          publicKey: owner.wireguard.publicKey,
        };
      }
    }
    return undefined;
  }

  /** The peer entry `self` has for the remote node `remote`, if any (for the inbound source check). */
  peerFor(self: Node, remote: Node): { allowedIps: readonly Prefix[] } | undefined {
    const explicit = this.explicitPeers(self);
    if (explicit) return explicit.find((p) => p.node === remote.name);
    return remote === self ? undefined : { allowedIps: this.nodeNetworks[remote.index]!.allowedIps };
  }

  /** A node's `wg show` dump wins over the Topology's peers, which win over derived ones. */
  private explicitPeers(self: Node): readonly WireGuardPeer[] | undefined {
    return this.cluster.nodeDumps.get(self.name)?.wireguard?.peers ?? self.wireguard.peers;
  }

  private lookupExplicit(peers: readonly WireGuardPeer[], ip: Ipv4): PeerMatch | undefined {
    let best: PeerMatch | undefined;
    for (const p of peers) {
      const node = this.byName.get(p.node);
      if (!node) continue;
      for (const a of p.allowedIps) {
        if (prefixContains(a, ip) && (!best || a.length > best.allowedIp.length)) {
          best = { node, allowedIp: a, ...(p.endpoint ? { endpoint: p.endpoint } : {}), publicKey: p.publicKey };
        }
      }
    }
    return best;
  }
}

export function peerText(m: PeerMatch): string {
  const endpoint = m.endpoint ? ` endpoint ${formatIpv4(m.endpoint.ip)}:${m.endpoint.port}` : " (no endpoint)";
  return `peer ${m.publicKey.slice(0, 8)}... (${m.node.name})${endpoint} allowed-ips ${m.allowedIp.text}`;
}
