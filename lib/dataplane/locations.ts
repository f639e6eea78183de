// Constructors for every place a packet can be, so labels and typed references are made one way.
import type { Ipv4 } from "../model/address.ts";
import type { Client, InterfaceName, LoadBalancer, Node, Pod } from "../model/cluster.ts";
import type { PodRef } from "../model/hop-at.ts";
import type {
  BridgeLocation,
  ClientLocation,
  HostLocation,
  LbLocation,
  NicLocation,
  PodLocation,
  UnderlayLocation,
  VethLocation,
  WgLocation,
} from "./device.ts";

export function podKey(pod: Pod): string {
  return `${pod.namespace}/${pod.name}`;
}

export function podRef(pod: Pod): PodRef {
  return { namespace: pod.namespace, name: pod.name };
}

const pod = (p: Pod, direction: "in" | "out"): PodLocation => ({
  device: "pod",
  label: `pod/${podKey(p)}`,
  at: { kind: "pod", namespace: p.namespace, name: p.name, node: p.node },
  pod: p,
  direction,
});

const vethAt = (node: Node, p: Pod) => ({
  label: `${node.name}/${p.veth}`,
  at: { kind: "veth", node: node.name, iface: p.veth, pod: podRef(p) } as const,
});

const wg = (node: Node, direction: "in" | "out"): WgLocation => ({
  device: "wg",
  label: `${node.name}/wg0`,
  at: { kind: "wg", node: node.name, iface: "wg0" },
  node,
  direction,
});

const nicAt = (node: Node) => ({
  label: `${node.name}/eth0`,
  at: { kind: "nic", node: node.name, iface: "eth0" } as const,
});

const lb = (l: LoadBalancer, direction: "in" | "out"): LbLocation => ({
  device: "lb",
  label: `lb/${l.name}`,
  at: { kind: "lb", name: l.name },
  lb: l,
  direction,
});

const client = (c: Client, direction: "in" | "out"): ClientLocation => ({
  device: "client",
  label: `client/${c.name}`,
  at: { kind: "client", name: c.name },
  client: c,
  direction,
});

export const here = {
  podOut: (p: Pod): PodLocation => pod(p, "out"),
  podIn: (p: Pod): PodLocation => pod(p, "in"),
  vethToBridge: (node: Node, p: Pod, l2Target: Ipv4): VethLocation => ({
    device: "veth",
    ...vethAt(node, p),
    node,
    pod: p,
    direction: "in",
    l2Target,
  }),
  vethToPod: (node: Node, p: Pod): VethLocation => ({
    device: "veth",
    ...vethAt(node, p),
    node,
    pod: p,
    direction: "out",
  }),
  bridge: (node: Node, l2Target: Ipv4, fromPod?: Pod): BridgeLocation => ({
    device: "bridge",
    label: `${node.name}/bridge0`,
    at: { kind: "bridge", node: node.name, iface: "bridge0" },
    node,
    l2Target,
    ...(fromPod ? { fromPod } : {}),
  }),
  host: (node: Node, inIface?: InterfaceName, fromPod?: Pod): HostLocation => ({
    device: "host",
    label: node.name,
    at: { kind: "host", node: node.name },
    node,
    ...(inIface ? { inIface } : {}),
    ...(fromPod ? { fromPod } : {}),
  }),
  wgOut: (node: Node): WgLocation => wg(node, "out"),
  wgIn: (node: Node): WgLocation => wg(node, "in"),
  nicOut: (node: Node, l2Target: Ipv4): NicLocation => ({
    device: "nic",
    ...nicAt(node),
    node,
    direction: "out",
    l2Target,
  }),
  nicIn: (node: Node): NicLocation => ({ device: "nic", ...nicAt(node), node, direction: "in" }),
  underlay: (l2Target: Ipv4): UnderlayLocation => ({
    device: "underlay",
    label: "underlay",
    at: { kind: "underlay" },
    l2Target,
  }),
  lbIn: (l: LoadBalancer): LbLocation => lb(l, "in"),
  lbReturn: (l: LoadBalancer): LbLocation => lb(l, "out"),
  clientOut: (c: Client): ClientLocation => client(c, "out"),
  clientIn: (c: Client): ClientLocation => client(c, "in"),
};
