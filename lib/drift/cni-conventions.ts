// AllowedIPs that the CNIs' WireGuard agents add to a peer beyond what kubehop derives, and that
// send nothing to the wrong node, are CNI conventions, not drift:
// - Calico (wireguard.cali): the peer's IPAM blocks, its tunnel address /32 (allocated from one of
//   its blocks), and with host-to-host encryption its host IP /32;
// - Cilium (cilium_wg0): the peer's pod CIDRs and its node InternalIPs (added unconditionally since
//   cilium commit 1eb12e0, "wireguard: unconditionally add NodeInternalIPs to allowed IPs");
// - Kilo (kilo0): the segment's pod CIDRs, the peer's WireGuard IP /32 and its private IP /32.
// Sources are cited in spec/drift-cni.spec.ts. A /32 that is some other node's, or nobody's, stays drift.
import { formatIpv4, type Prefix, prefixContains } from "../model/address.ts";
import type { Cluster, Node } from "../model/cluster.ts";
import { wireGuardAddress } from "../control/overlay.ts";

/** WireGuard devices as the CNIs name them, and kubehop's wg0 they map to. */
const WIREGUARD_DEVICE = /^(wg\d*|flannel-wg|kilo\d+|wireguard\.cali|cilium_wg\d+)$/;

/** Why the extra AllowedIP of `peer`'s entry is a CNI's convention, or undefined when it is drift. */
export function conventionFor(extra: Prefix, peer: Node, cluster: Cluster): string | undefined {
  if (extra.length !== 32) return undefined;
  const ip = extra.network;
  if (ip === peer.ip)
    return `${peer.name}'s own address (InternalIP), which Calico with host-to-host encryption, Cilium and Kilo list`;
  if (tunnelAddresses(peer, cluster).includes(ip))
    return `${peer.name}'s WireGuard tunnel address, which Calico (wireguard.cali) and Kilo list`;
  if (prefixContains(peer.podCidr, ip))
    return (
      `inside ${peer.name}'s podCIDR ${peer.podCidr.text}, so it goes to ${peer.name} either way (Calico takes ` +
      `its tunnel address from the node's IPAM block)`
    );
  return undefined;
}

/** The peer's tunnel addresses: its modelled wg0 address and those on a WireGuard device in its `ip addr` dump. */
function tunnelAddresses(peer: Node, cluster: Cluster): number[] {
  const modelled = wireGuardAddress(peer, cluster.overlay.style);
  const dumped =
    cluster.nodeDumps
      .get(peer.name)
      ?.addresses?.addresses.filter((a) => WIREGUARD_DEVICE.test(a.dev))
      .map((a) => a.ip) ?? [];
  return [...(modelled !== undefined ? [modelled] : []), ...dumped];
}

/** The info line for extras a convention explains: one per prefix, naming the convention. */
export function conventionInfo(node: string, extra: Prefix, peer: string, why: string): string {
  return `${node}'s peer ${peer} holds ${formatIpv4(extra.network)}/32 in its AllowedIPs: ${why}; not drift`;
}
