// A node's ipsets as plain data: what `ipset save` or `ipset list` printed, read by lib/nodedump/ipset.ts
// and tested by `-m set --match-set` (lib/netfilter/ipset-match.ts). kube-proxy's IPVS mode keeps its
// Service addresses in sets (KUBE-CLUSTER-IP, hash:ip,port; KUBE-NODE-PORT-TCP, bitmap:port; ...),
// Calico its policy selectors (hash:net, hash:ip,port). Every element is kept in the form the kernel
// compares: an address as a prefix (a /32 for hash:ip, the netmask's length when the set has one), a
// port with its protocol.
import type { Prefix } from "./address.ts";
import type { Origin } from "./origin.ts";

/** What one dimension of a set's type holds, in type order: hash:ip,port,net is ["ip", "port", "net"]. */
export type IpsetDimension = "ip" | "net" | "port" | "iface" | "mark";

export type IpsetPart =
  | { readonly kind: "ip" | "net"; readonly prefix: Prefix }
  /** `proto` null: bitmap:port, which holds port numbers whatever the protocol. */
  | { readonly kind: "port"; readonly proto: string | null; readonly port: number }
  | { readonly kind: "iface"; readonly name: string }
  | { readonly kind: "mark"; readonly value: number };

export interface IpsetMember {
  /** One part per dimension. */
  readonly parts: readonly IpsetPart[];
  /** hash:*net* `nomatch`: an exception carved out of a wider member. */
  readonly nomatch: boolean;
}

export interface Ipset {
  readonly name: string;
  /** As ipset names it, e.g. `hash:ip,port`. */
  readonly type: string;
  readonly dimensions: readonly IpsetDimension[];
  readonly members: readonly IpsetMember[];
  /** list:set: the sets it holds, tried in order. */
  readonly lists?: readonly string[];
  /** Why kubehop cannot test the set (an IPv6 family, a type it does not model, members not listed). */
  readonly untestable?: string;
  /** Where the set is created (`create`) or named (`Name:`). */
  readonly origin: Origin;
}

export interface Ipsets {
  readonly file: string;
  readonly sets: ReadonlyMap<string, Ipset>;
}
