// A pod: its own namespace, eth0 joined by a veth to the node's bridge0 (host end named as the CNI
// would, hairpin on), the pod's IP in the podCIDR and a default route via bridge0's .1.
import { formatIpv4 } from "../model/address.ts";
import type { Cluster, Node, Pod } from "../model/cluster.ts";
import { vethBetween } from "./netns.ts";
import { ipBatch } from "./runner.ts";

export function setUpPod(cluster: Cluster, node: Node, pod: Pod, nodeNs: string, podNs: string): void {
  // Pods keep the underlay's MTU: kubehop models no pod MTU, so wg0's MTU is the one a large packet
  // meets (and the pod hears about it through ICMP fragmentation-needed from its node).
  const mtu = cluster.underlay.mtu;
  vethBetween(nodeNs, pod.veth, podNs, "eth0", mtu);
  ipBatch(nodeNs, [
    ["link", "set", pod.veth, "master", "bridge0"],
    // The bridge CNI's hairpinMode: a pod reaching itself through a Service gets its frame back.
    ["link", "set", pod.veth, "type", "bridge_slave", "hairpin", "on"],
  ]);
  ipBatch(podNs, [
    ["addr", "add", `${formatIpv4(pod.ip)}/${node.podCidr.length}`, "dev", "eth0"],
    ["route", "replace", "default", "via", formatIpv4(node.bridgeIp), "dev", "eth0"],
  ]);
}
