// What differs from node to node in kube-proxy's view: its own name and IP, the local-traffic
// detector (--detect-local-mode) and the NodePort addresses it listens on (--nodeport-addresses).
import { type Ipv4, makePrefix, parsePrefix, type Prefix, prefixContains } from "../model/address.ts";
import type { Cluster, KubeProxyConfig, Node } from "../model/cluster.ts";

/** The header pieces a detector adds; iptables-save prints `-s` before `-d` and `-i` after it. */
export interface SourceMatch {
  readonly src?: string;
  readonly inIface?: string;
}

export interface NodeContext {
  readonly node: Node;
  readonly config: KubeProxyConfig;
  /** `0x4000` for the default bit 14, as iptables-save prints marks. */
  readonly mark: string;
  /** Undefined when no detector is implemented (NoOp): those rules are left out. */
  readonly ifLocal?: SourceMatch;
  readonly ifNotLocal?: SourceMatch;
  readonly localhostNodePorts: boolean;
  /** Undefined when NodePorts are accepted on every local address (the default). */
  readonly nodePortIPs?: readonly Ipv4[];
}

const LOOPBACK = 0x7f000001;
const LOOPBACK_NET = makePrefix(0x7f000000, 8);

export function nodeContext(cluster: Cluster, node: Node): NodeContext {
  const config = cluster.kubeProxy;
  const cidrs = nodePortCidrs(config.nodePortAddresses, node);
  const matchAll = cidrs.length === 0 || cidrs.some((c) => c.length === 0);
  // NewProxier turns localhost NodePorts off when --nodeport-addresses excludes 127.0.0.1.
  const localhostNodePorts = config.localhostNodePorts && (matchAll || cidrs.some((c) => prefixContains(c, LOOPBACK)));
  return {
    node,
    config,
    mark: `0x${((1 << config.masqueradeBit) >>> 0).toString(16)}`,
    ...detector(cluster, node),
    localhostNodePorts,
    ...(matchAll ? {} : { nodePortIPs: nodeAddresses(node).filter((ip) => cidrs.some((c) => prefixContains(c, ip))) }),
  };
}

function detector(cluster: Cluster, node: Node): { ifLocal?: SourceMatch; ifNotLocal?: SourceMatch } {
  const config = cluster.kubeProxy;
  switch (config.detectLocalMode) {
    case "ClusterCIDR":
      return config.clusterCidr ? bySource(config.clusterCidr) : {};
    case "NodeCIDR":
      return bySource(node.podCidr);
    // kubehop's nodes have one pod bridge, bridge0, and CNI names pod veths veth*.
    case "BridgeInterface":
      return byInterface("bridge0");
    case "InterfaceNamePrefix":
      return byInterface("veth+");
    default:
      return {};
  }
}

function bySource(p: Prefix): { ifLocal: SourceMatch; ifNotLocal: SourceMatch } {
  return { ifLocal: { src: `-s ${p.text}` }, ifNotLocal: { src: `! -s ${p.text}` } };
}

function byInterface(name: string): { ifLocal: SourceMatch; ifNotLocal: SourceMatch } {
  return { ifLocal: { inIface: `-i ${name}` }, ifNotLocal: { inIface: `! -i ${name}` } };
}

/** IPv4 entries of --nodeport-addresses; `primary` stands for the node's own IP. */
function nodePortCidrs(values: readonly string[], node: Node): Prefix[] {
  const out: Prefix[] = [];
  for (const value of values) {
    if (value === "primary") out.push(makePrefix(node.ip, 32));
    else {
      const p = parsePrefix(value.trim(), false);
      if (p) out.push(p);
    }
  }
  return out;
}

/** The node's addresses in interface order (lo, eth0, bridge0, wg0), as GetNodeIPs lists them. */
function nodeAddresses(node: Node): Ipv4[] {
  const all = [LOOPBACK, node.ip, node.bridgeIp];
  if (node.wireguard.address !== undefined) all.push(node.wireguard.address);
  return [...new Set(all)];
}

export function isLoopback(ip: Ipv4): boolean {
  return prefixContains(LOOPBACK_NET, ip);
}
