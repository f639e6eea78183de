// The source address the kernel picks on a node (inet_select_addr, net/ipv4/devinet.c), which
// MASQUERADE writes (nf_nat_masquerade_ipv4: the out interface, the route's next hop, scope
// universe): the out interface's first primary address on the next hop's subnet, else its first
// primary address; an interface with no address lends none, and the kernel then takes the first
// global address of any interface in device order. Only a node with no global address at all has
// none to give, and then MASQUERADE drops the packet.
import { type Ipv4, type Prefix, prefixContains } from "../model/address.ts";
import type { NodeInterface } from "../model/node-interfaces.ts";

export function selectSource(interfaces: readonly NodeInterface[], out: string, nextHop: Ipv4): Ipv4 | undefined {
  const dev = interfaces.find((i) => i.name === out);
  let first: Ipv4 | undefined;
  for (const a of dev ? primaries(dev) : []) {
    if (prefixContains(a.prefix, nextHop)) return a.ip;
    first ??= a.ip;
  }
  if (first !== undefined) return first;
  for (const i of interfaces) for (const a of primaries(i)) if (a.ip >>> 24 !== 127) return a.ip;
  return undefined;
}

/** An interface's primary addresses: the first of each subnet (a later one with the same mask in it is a secondary). */
function primaries(i: NodeInterface): NodeInterface["addresses"] {
  return i.addresses.filter(
    (a, k) =>
      !i.addresses.slice(0, k).some((b) => b.prefix.length === a.prefix.length && prefixContains(b.prefix, a.ip)),
  );
}

/** A test for the local table: host routes by set lookup (a node may hold thousands of ClusterIPs), ranges in turn. */
export function localTest(local: readonly Prefix[]): (ip: Ipv4) => boolean {
  const hosts = new Set(local.filter((p) => p.length === 32).map((p) => p.network));
  const ranges = local.filter((p) => p.length < 32);
  return (ip) => hosts.has(ip) || ranges.some((p) => prefixContains(p, ip));
}
