// Real interface names (ens5, cni0, flannel-wg, kilo0, ...) -> the devices kubehop models on a node
// (eth0, bridge0, wg0, lo). Decided, in order, by: the Topology's `spec.nodeDumps.interfaces`, the
// node's own addresses in its `ip -o addr` dump (the device holding the InternalIP is eth0, the one
// holding the podCIDR's gateway is bridge0), and the names the common CNIs and WireGuard overlays use.
// Other overlays' devices (flannel.1 for VXLAN, tunl0 for IP-in-IP) are not wg0 and stay unmapped.
import type { Ipv4 } from "../model/address.ts";
import type { InterfaceName, Node } from "../model/cluster.ts";

export interface DumpedAddress {
  readonly dev: string;
  readonly ip: Ipv4;
  readonly length: number;
}

export type InterfaceMap = (real: string) => InterfaceName | undefined;

const MODELLED: readonly InterfaceName[] = ["eth0", "bridge0", "wg0", "lo"];
const BRIDGES = /^(cni0|cbr0|kube-bridge|bridge0|br0)$/;
const WIREGUARD = /^(wg\d*|flannel-wg|kilo\d+|wireguard\.cali|cilium_wg\d+)$/;
const UPLINKS = /^(eth\d+|ens\d+\w*|enp\w+|eno\d+\w*|enx\w+|bond\d+)$/;

/** The map for one node; `explicit` (from the Topology) wins, then addresses, then names. */
export function interfaceMap(
  node: Node,
  addresses: readonly DumpedAddress[] | undefined,
  explicit: Readonly<Record<string, InterfaceName>> = {},
): InterfaceMap {
  const byAddress = new Map<string, InterfaceName>();
  for (const a of addresses ?? []) {
    if (a.ip === node.ip && !byAddress.has(a.dev)) byAddress.set(a.dev, "eth0");
    else if (a.ip === node.bridgeIp && a.length < 32 && !byAddress.has(a.dev)) byAddress.set(a.dev, "bridge0");
  }
  // A name-based uplink guess only when no address named the uplink already.
  const uplinkKnown = [...byAddress.values()].includes("eth0") || Object.values(explicit).includes("eth0");
  return (real) => {
    const name = real.replace(/@.*$/, "");
    const given = explicit[name];
    if (given) return given;
    const seen = byAddress.get(name);
    if (seen) return seen;
    if ((MODELLED as readonly string[]).includes(name)) return name as InterfaceName;
    if (BRIDGES.test(name)) return "bridge0";
    if (WIREGUARD.test(name)) return "wg0";
    if (!uplinkKnown && UPLINKS.test(name)) return "eth0";
    return undefined;
  };
}
