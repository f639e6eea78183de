// What every device shares: where a packet is, what a device may answer, and the registry the
// tracer dispatches through. A new device (an IP-in-IP tunnel, say) is one module and one entry.
import type { Client, InterfaceName, LoadBalancer, Node, Pod } from "../model/cluster.ts";
import type { Ipv4 } from "../model/address.ts";
import type { HopAt } from "../model/hop-at.ts";
import type { Disposition, HttpOutcome, StepAction, StepType } from "../model/step.ts";
import type { EndDetail, StepDetail } from "../model/step-detail.ts";
import type { RecentSets } from "../netfilter/hooks.ts";
import type { Network } from "./network.ts";
import type { Packet } from "../model/packet.ts";

export type DeviceKind = Location["device"];

/** Where a packet is: one device at one place, with what that device needs to know there. */
export type Location =
  | PodLocation
  | VethLocation
  | BridgeLocation
  | HostLocation
  | WgLocation
  | NicLocation
  | UnderlayLocation
  | ClientLocation
  | LbLocation;

interface Placed {
  /** Hop label: `pod/default/web-0`, `node-1/bridge0`, `node-1`, `underlay`, `client/client`. */
  readonly label: string;
  /** The model object the hop stands at, as the trace names it. */
  readonly at: HopAt;
}

/** `out` leaves the endpoint (pod, client, LB) or the node (nic, wg0), `in` comes towards it. */
type Direction = "in" | "out";

export interface PodLocation extends Placed {
  readonly device: "pod";
  readonly pod: Pod;
  readonly direction: Direction;
}

export type VethLocation = Placed & { readonly device: "veth"; readonly node: Node; readonly pod: Pod } & (
    | { readonly direction: "in"; readonly l2Target: Ipv4 }
    | { readonly direction: "out" }
  );

export interface BridgeLocation extends Placed {
  readonly device: "bridge";
  readonly node: Node;
  /** The address whose MAC the frame is addressed to (what ARP resolved). */
  readonly l2Target: Ipv4;
  /** The pod whose veth the frame came in on (absent: from elsewhere). */
  readonly fromPod?: Pod;
}

export interface HostLocation extends Placed {
  readonly device: "host";
  readonly node: Node;
  /** The interface the packet arrived on; absent for a process on the node. */
  readonly inIface?: InterfaceName;
  /** The pod whose veth the packet came in on, through bridge0. */
  readonly fromPod?: Pod;
}

export interface WgLocation extends Placed {
  readonly device: "wg";
  readonly node: Node;
  readonly direction: Direction;
}

export type NicLocation = Placed & { readonly device: "nic"; readonly node: Node } & (
    | { readonly direction: "out"; readonly l2Target: Ipv4 }
    | { readonly direction: "in" }
  );

export interface UnderlayLocation extends Placed {
  readonly device: "underlay";
  readonly l2Target: Ipv4;
}

export interface ClientLocation extends Placed {
  readonly device: "client";
  readonly client: Client;
  readonly direction: Direction;
}

export interface LbLocation extends Placed {
  readonly device: "lb";
  readonly lb: LoadBalancer;
  readonly direction: Direction;
}

/** A step as devices record it; the tracer turns packets into text when it builds the trace. */
export interface StepRecord {
  readonly type: StepType;
  readonly action: StepAction;
  readonly detail: StepDetail;
  readonly rule?: string;
  readonly before?: Packet;
  readonly after?: Packet;
}

/** A connection-tracking entry: the packet as it entered a node and as it left, for reply un-NAT. */
export interface ConntrackEntry {
  /** Where the rewrite happened: a node or an external load balancer, by name. */
  readonly by: "node" | "lb";
  readonly name: string;
  readonly original: Packet;
  readonly translated: Packet;
}

/** What one branch carries along: conntrack, `-m recent` sets, and which leg is being traced. */
export interface BranchState {
  readonly conntrack: readonly ConntrackEntry[];
  readonly recent: RecentSets;
  /** Set on the reply leg: the packet the originator sent, which the reply must answer. */
  readonly replyTo?: Packet;
  /** What the HTTP layer decided so far (ingress rule, backend, status). */
  readonly http?: HttpOutcome;
}

export interface Outcome {
  readonly steps: readonly StepRecord[];
  readonly next?: { readonly at: Location; readonly packet: Packet };
  readonly end?: {
    readonly disposition: Disposition;
    readonly detail: EndDetail;
    readonly rule?: string;
    /** For a delivered request: where the answer starts from (the receiving socket's side). */
    readonly replyFrom?: Location;
    /** For a delivered request: the packet as the receiving socket saw it. */
    readonly delivered?: Packet;
  };
  /**
   * Set by an L7 proxy that ended the connection carrying `accepted` and opens a new one (`next`):
   * the trace closes a segment here, and the reply of that segment starts from `replyFrom`.
   */
  readonly proxy?: { readonly accepted: Packet; readonly replyFrom: Location };
  /** Probability of this outcome among its siblings (default 1). */
  readonly probability?: number;
  readonly choice?: string;
  readonly state?: BranchState;
}

export interface StepContext {
  readonly net: Network;
  readonly state: BranchState;
}

/** A device's step function, given a location of its own kind. */
export type Device<K extends DeviceKind = DeviceKind> = (
  packet: Packet,
  at: Extract<Location, { device: K }>,
  ctx: StepContext,
) => Outcome[];

export function ended(steps: StepRecord[], disposition: Disposition, detail: EndDetail, rule?: string): Outcome[] {
  return [{ steps, end: { disposition, detail, ...(rule ? { rule } : {}) } }];
}
