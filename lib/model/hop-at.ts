// Where a hop stands, as a typed reference to the model object: the trace's `Hop.at`. The label
// (`Hop.location`, `node-1/wg0`) is for display; whatever asks where a hop was reads this.

export interface PodRef {
  readonly namespace: string;
  readonly name: string;
}

export type HopAt =
  | { readonly kind: "pod"; readonly namespace: string; readonly name: string; readonly node: string }
  | { readonly kind: "veth"; readonly node: string; readonly iface: string; readonly pod: PodRef }
  | { readonly kind: "bridge"; readonly node: string; readonly iface: "bridge0" }
  | { readonly kind: "host"; readonly node: string }
  | { readonly kind: "wg"; readonly node: string; readonly iface: "wg0" }
  | { readonly kind: "nic"; readonly node: string; readonly iface: "eth0" }
  | { readonly kind: "underlay" }
  | { readonly kind: "client"; readonly name: string }
  | { readonly kind: "lb"; readonly name: string };

export type HopAtKind = HopAt["kind"];

export const HOP_AT_KINDS = [
  "pod",
  "veth",
  "bridge",
  "host",
  "wg",
  "nic",
  "underlay",
  "client",
  "lb",
] as const satisfies readonly HopAtKind[];

/** The node a hop is on, if it is on one (a pod's hop is on its node). */
export function nodeOf(at: HopAt): string | undefined {
  return "node" in at ? at.node : undefined;
}
