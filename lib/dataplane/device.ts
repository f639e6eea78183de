// What every device shares: where a packet is, what a device may answer, and the registry the
// tracer dispatches through. A new device (an IP-in-IP tunnel, say) is one module and one entry.
import type { Client, InterfaceName, LoadBalancer, Node, Pod } from "../model/cluster.ts";
import type { Ipv4 } from "../model/address.ts";
import type { Disposition, HttpOutcome, StepType } from "../model/step.ts";
import type { RecentSets } from "../netfilter/hooks.ts";
import type { Network } from "./network.ts";
import type { Packet } from "../model/packet.ts";

export type DeviceKind = "pod" | "veth" | "bridge" | "host" | "wg" | "nic" | "underlay" | "client" | "lb";

export interface Location {
  readonly device: DeviceKind;
  /** Hop label: `pod/default/web-0`, `node-1/bridge0`, `node-1`, `underlay`, `client/client`. */
  readonly label: string;
  readonly node?: Node;
  readonly pod?: Pod;
  readonly client?: Client;
  readonly lb?: LoadBalancer;
  /** For the host: the interface the packet arrived on; absent for a process on the node. */
  readonly inIface?: InterfaceName;
  /** `out` leaves the endpoint (pod, client) or the node (nic), `in` comes towards it. */
  readonly direction?: "in" | "out";
  /** The address whose MAC the frame is addressed to (what ARP resolved). */
  readonly l2Target?: Ipv4;
  /** For a bridge or the host: the pod whose veth the frame came in on (absent: from elsewhere). */
  readonly fromPod?: Pod;
}

/** A step as devices record it; the tracer turns packets into text when it builds the trace. */
export interface StepRecord {
  readonly type: StepType;
  readonly action: string;
  readonly reason: string;
  readonly rule?: string;
  readonly before?: Packet;
  readonly after?: Packet;
}

/** A connection-tracking entry: the packet as it entered a node and as it left, for reply un-NAT. */
export interface ConntrackEntry {
  /** Where the rewrite happened: a node's name, or `lb/NAME` for an external load balancer. */
  readonly node: string;
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
    readonly reason: string;
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

export type Device = (packet: Packet, at: Location, ctx: StepContext) => Outcome[];

export function ended(steps: StepRecord[], disposition: Disposition, reason: string, rule?: string): Outcome[] {
  return [{ steps, end: { disposition, reason, ...(rule ? { rule } : {}) } }];
}
