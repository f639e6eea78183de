// Each node's network as the control plane derives it, once for every node: its main routing table
// as `ip route` would show it, wg0's address and the AllowedIPs its peers give it. The data plane
// reads the result (lib/dataplane/network.ts) and derives nothing itself.
// The table is a handful of routes per node however large the cluster: remote podCIDRs share one
// overlay route (the cluster CIDR via wg0, as flannel installs it) and wg0's AllowedIPs pick the node.
import { makePrefix } from "../model/address.ts";
import type { Cluster, Node, NodeNetwork, Route } from "../model/cluster.ts";
import { derivedAllowedIps, wireGuardAddress } from "./overlay.ts";

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
    return {
      routes: [...(cluster.nodeDumps.get(node.name)?.routes?.routes ?? routeTable(cluster, node))],
      ...(wg0Address !== undefined ? { wg0Address } : {}),
      allowedIps: derivedAllowedIps(node, cluster.overlay.style),
    };
  });
}
