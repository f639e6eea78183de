// Constructors for every place a packet can be, so labels are spelled one way everywhere.
import type { Ipv4 } from "../model/address.ts";
import type { Client, InterfaceName, LoadBalancer, Node, Pod } from "../model/cluster.ts";
import type { Location } from "./device.ts";

export function podKey(pod: Pod): string {
  return `${pod.namespace}/${pod.name}`;
}

export const here = {
  podOut: (pod: Pod): Location => ({ device: "pod", label: `pod/${podKey(pod)}`, pod, direction: "out" }),
  podIn: (pod: Pod): Location => ({ device: "pod", label: `pod/${podKey(pod)}`, pod, direction: "in" }),
  vethToBridge: (node: Node, pod: Pod, l2Target: Ipv4): Location => ({
    device: "veth",
    label: `${node.name}/${pod.veth}`,
    node,
    pod,
    direction: "in",
    l2Target,
  }),
  vethToPod: (node: Node, pod: Pod): Location => ({
    device: "veth",
    label: `${node.name}/${pod.veth}`,
    node,
    pod,
    direction: "out",
  }),
  bridge: (node: Node, l2Target: Ipv4, fromPod?: Pod): Location => ({
    device: "bridge",
    label: `${node.name}/bridge0`,
    node,
    l2Target,
    ...(fromPod ? { fromPod } : {}),
  }),
  host: (node: Node, inIface?: InterfaceName, fromPod?: Pod): Location => ({
    device: "host",
    label: node.name,
    node,
    ...(inIface ? { inIface } : {}),
    ...(fromPod ? { fromPod } : {}),
  }),
  wgOut: (node: Node): Location => ({ device: "wg", label: `${node.name}/wg0`, node, direction: "out" }),
  wgIn: (node: Node): Location => ({ device: "wg", label: `${node.name}/wg0`, node, direction: "in" }),
  nicOut: (node: Node, l2Target: Ipv4): Location => ({
    device: "nic",
    label: `${node.name}/eth0`,
    node,
    direction: "out",
    l2Target,
  }),
  nicIn: (node: Node): Location => ({ device: "nic", label: `${node.name}/eth0`, node, direction: "in" }),
  underlay: (l2Target: Ipv4): Location => ({ device: "underlay", label: "underlay", l2Target }),
  lbIn: (lb: LoadBalancer): Location => ({ device: "lb", label: `lb/${lb.name}`, lb, direction: "in" }),
  lbReturn: (lb: LoadBalancer): Location => ({ device: "lb", label: `lb/${lb.name}`, lb, direction: "out" }),
  clientOut: (client: Client): Location => ({
    device: "client",
    label: `client/${client.name}`,
    client,
    direction: "out",
  }),
  clientIn: (client: Client): Location => ({
    device: "client",
    label: `client/${client.name}`,
    client,
    direction: "in",
  }),
};
