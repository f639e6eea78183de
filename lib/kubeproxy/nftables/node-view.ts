// What nftables mode's rules on one node depend on besides the Services: the masquerade mark, the
// local-traffic detector in nft syntax, the NodePort addresses and the Service range.
import { formatIpv4, type Ipv4, type Prefix } from "../../model/address.ts";
import type { Cluster, Node } from "../../model/cluster.ts";
import { isLoopback, nodeContext } from "../node-context.ts";
import type { NftPart } from "./table.ts";

export interface NftNodeView {
  readonly node: Node;
  readonly mark: number;
  readonly masqueradeAll: boolean;
  /** LocalTrafficDetector's IfLocalNFT / IfNotLocalNFT; undefined when no detector is implemented. */
  readonly ifLocal?: readonly NftPart[];
  readonly ifNotLocal?: readonly NftPart[];
  /** The nodeport-ips set's addresses; undefined when NodePorts are accepted on every local address. */
  readonly nodePortIPs?: readonly string[];
  /** The ServiceCIDRs of the family (here the one Service range), as `cluster-ips-check` drops them. */
  readonly serviceCidrs: readonly Prefix[];
}

export function nftNodeView(cluster: Cluster, node: Node): NftNodeView {
  const ctx = nodeContext(cluster, node);
  // nftables mode never accepts NodePorts on localhost, whatever --nodeport-addresses says.
  const nodePortIPs = ctx.nodePortIPs?.filter((ip: Ipv4) => !isLoopback(ip)).map(formatIpv4);
  return {
    node,
    mark: (1 << cluster.kubeProxy.masqueradeBit) >>> 0,
    masqueradeAll: ctx.config.masqueradeAll,
    ...detector(cluster, node),
    ...(nodePortIPs ? { nodePortIPs } : {}),
    serviceCidrs: [cluster.serviceCidr],
  };
}

/** proxyutil's NewDetectLocalBy*: kubehop's nodes have one pod bridge, bridge0, and veth* pod links. */
function detector(cluster: Cluster, node: Node): Pick<NftNodeView, "ifLocal" | "ifNotLocal"> {
  const config = cluster.kubeProxy;
  switch (config.detectLocalMode) {
    case "ClusterCIDR":
      return config.clusterCidr ? bySource(config.clusterCidr) : {};
    case "NodeCIDR":
      return bySource(node.podCidr);
    case "BridgeInterface":
      return byInterface("bridge0");
    case "InterfaceNamePrefix":
      return byInterface("veth*");
    default:
      return {};
  }
}

function bySource(p: Prefix): Pick<NftNodeView, "ifLocal" | "ifNotLocal"> {
  return { ifLocal: [`ip saddr ${p.text}`], ifNotLocal: [`ip saddr != ${p.text}`] };
}

function byInterface(name: string): Pick<NftNodeView, "ifLocal" | "ifNotLocal"> {
  const ifname = { kind: "ifname", name } as const;
  return { ifLocal: ["iifname", ifname], ifNotLocal: ["iifname !=", ifname] };
}
