// WireGuard peers as the overlay agent (Kilo, flannel) would configure them; checks what was given.
import { hostPrefix, type Prefix } from "../model/address.ts";
import type { Node, OverlayStyle, WireGuardPeer } from "../model/cluster.ts";
import { type InputProblem, problem } from "../input/errors.ts";
import type { TopologyInput } from "../input/load.ts";

/** A remote node's AllowedIPs as `style` derives them. */
export function derivedAllowedIps(remote: Node, style: OverlayStyle): Prefix[] {
  const pod = remote.podCidr;
  return style === "flannel" ? [pod] : [pod, hostPrefix(remote.ip)];
}

/** wg0's own address: flannel gives it the podCIDR's network address; Kilo's full mesh leaves it unset. */
export function wireGuardAddress(node: Node, style: OverlayStyle): number | undefined {
  return node.wireguard.address ?? (style === "flannel" ? node.podCidr.network : undefined);
}

/** The peers `node` has: given ones, or one per other node. Materialised for display (O(nodes)). */
export function peersOf(node: Node, nodes: readonly Node[], style: OverlayStyle, listenPort: number): WireGuardPeer[] {
  if (node.wireguard.peers) return [...node.wireguard.peers];
  return nodes
    .filter((n) => n.name !== node.name)
    .map((n) => ({
      node: n.name,
      publicKey: n.wireguard.publicKey,
      endpoint: { ip: n.ip, port: listenPort },
      allowedIps: derivedAllowedIps(n, style),
    }));
}

export function checkOverlay(input: TopologyInput, nodes: readonly Node[], problems: InputProblem[]): void {
  const names = new Set(nodes.map((n) => n.name));
  const topoNodes = input.topology?.obj.spec?.nodes ?? [];
  topoNodes.forEach((tn, i) => {
    const peers = tn.wireguard?.peers ?? [];
    const owner = new Map<string, string>();
    peers.forEach((p, j) => {
      const at = input.topology!.src.at(["spec", "nodes", i, "wireguard", "peers", j, "node"]);
      if (!names.has(p.node))
        problems.push(
          problem(
            "dangling-reference",
            at,
            `WireGuard peer "${p.node}" of node ${tn.name} is not a node; known ` +
              `nodes: ${[...names].slice(0, 10).join(", ")}`,
          ),
        );
      if (p.node === tn.name)
        problems.push(
          problem(
            "invalid-value",
            at,
            `node ${tn.name} lists itself as a WireGuard peer; a node is never its own peer`,
          ),
        );
      p.allowedIPs.forEach((a, k) => {
        const prev = owner.get(a);
        if (prev !== undefined) {
          problems.push(
            problem(
              "address-conflict",
              input.topology!.src.at(["spec", "nodes", i, "wireguard", "peers", j, "allowedIPs", k]),
              `AllowedIPs ${a} is given to peers ${prev} and ${p.node} of node ${tn.name}; WireGuard keeps one ` +
                `prefix on one peer only`,
            ),
          );
        }
        owner.set(a, p.node);
      });
    });
  });
}
