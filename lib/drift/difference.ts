// One way a node's dumps differ from what kubehop derives, and what a request must touch for the
// difference to be what changed its outcome.
import type { Route } from "../model/cluster.ts";

export type DriftPart = "iptables" | "nftables" | "routes" | "wireguard";

export interface Difference {
  readonly part: DriftPart;
  readonly kind: string;
  readonly text: string;
  /** `file:line` of the dumped line, when there is one. */
  readonly at?: string;
  /** What a request must touch for this difference to be what changed it. */
  readonly touches: Touch;
}

/** A Service port (kube-proxy's `ns/name:port`), a node, or routes of the node's main table. */
export type Touch = { readonly service: string } | { readonly node: string } | { readonly routes: readonly Route[] };
