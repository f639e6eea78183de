// A node's interfaces and addresses as the kernel holds them: what `ip addr` prints, and the local
// routing table it implies. addrtype LOCAL and local delivery read the local table; MASQUERADE and a
// process's source address pick from the interfaces' addresses (lib/dataplane/addresses.ts).
import type { Ipv4, Prefix } from "./address.ts";
import type { Diagnostic } from "./diagnostic.ts";

/** The devices kubehop models on a node (cluster.ts names them InterfaceName, which is this type). */
export type ModelledDevice = "eth0" | "bridge0" | "wg0" | "lo";

export interface NodeInterface {
  /** As the node names it (ens5, cni0, docker0, kube-ipvs0); a derived node's devices use kubehop's names. */
  readonly name: string;
  /** The device kubehop models this interface as (routes and hops use that name), when it is one. */
  readonly model?: ModelledDevice;
  /**
   * In the order the kernel holds them: the first address of a subnet is its primary, a later one in
   * the same subnet a secondary (which the kernel never picks as a source).
   */
  readonly addresses: readonly { readonly ip: Ipv4; readonly prefix: Prefix }[];
}

/** The node's view of itself: its interfaces, and the local table that says which addresses are its own. */
export interface LocalAddresses {
  /** In device order (lo first), as `ip addr` lists them. */
  readonly interfaces: readonly NodeInterface[];
  /** The local table's `local` routes: every interface address, 127.0.0.0/8, and any dumped local range. */
  readonly local: readonly Prefix[];
  /** Where the interfaces come from: the node's `ip addr` dump, or kubehop's model of the node. */
  readonly source: "dump" | "derived";
  /** Dumped rules that test an interface the node is not known to have, its interfaces being assumed. */
  readonly assumed: readonly Diagnostic[];
}
