// The address ranges a cluster uses, when the input does not say: taken from what the objects hold
// (node InternalIPs, node podCIDRs, Service ClusterIPs, kube-proxy's clusterCIDR), so that kubectl
// output loads without a Topology; the documented defaults only when the objects hold nothing.
import {
  hostPrefix,
  type Ipv4,
  makePrefix,
  type Prefix,
  parseIpv4,
  parsePrefix,
  prefixContains,
} from "../model/address.ts";
import type { TopologyInput } from "../input/load.ts";
import { DEFAULTS } from "./defaults.ts";

/** The smallest prefix, no longer than `maxLength`, that holds all of `prefixes`. */
export function covering(prefixes: readonly Prefix[], maxLength: number): Prefix | undefined {
  if (prefixes.length === 0) return undefined;
  for (let len = Math.min(maxLength, ...prefixes.map((p) => p.length)); len >= 0; len--) {
    const candidate = makePrefix(prefixes[0]!.network, len);
    if (prefixes.every((p) => prefixContains(candidate, p.network) && p.length >= len)) return candidate;
  }
  return undefined;
}

export interface Ranges {
  readonly clusterCidr: Prefix;
  readonly serviceCidr: Prefix;
  readonly underlayCidr: Prefix;
  readonly gateway?: Ipv4;
}

export function clusterRanges(input: TopologyInput): Ranges {
  const spec = input.topology?.obj.spec ?? {};
  const nodeIps = input.nodes.flatMap((n) => {
    const ip = n.obj.status?.addresses?.find((a) => a.type === "InternalIP")?.address;
    const parsed = ip === undefined ? undefined : parseIpv4(ip);
    return parsed === undefined ? [] : [hostPrefix(parsed)];
  });
  const podCidrs = input.nodes.flatMap((n) => {
    const text = n.obj.spec?.podCIDR ?? n.obj.spec?.podCIDRs?.[0];
    const p = text ? parsePrefix(text, false) : undefined;
    return p ? [p] : [];
  });
  const proxyCidr = input.kubeProxyConfig?.obj.clusterCIDR
    ?.split(",")
    .map((x) => parsePrefix(x.trim(), false))
    .find((p) => p !== undefined);
  const clusterCidr =
    parsePrefix(spec.clusterCIDR ?? "", true) ??
    proxyCidr ??
    covering(podCidrs, 16) ??
    parsePrefix(DEFAULTS.clusterCidr)!;
  const clusterIps = input.services.flatMap((s) => {
    const ip = s.obj.spec.clusterIP ? parseIpv4(s.obj.spec.clusterIP) : undefined;
    return ip === undefined ? [] : [hostPrefix(ip)];
  });
  const defaultServices = parsePrefix(DEFAULTS.serviceCidr)!;
  const serviceCidr =
    parsePrefix(spec.serviceCIDR ?? "", true) ??
    (clusterIps.every((p) => prefixContains(defaultServices, p.network)) ? defaultServices : covering(clusterIps, 16)!);
  const given = spec.underlay?.cidr ? parsePrefix(spec.underlay.cidr)! : undefined;
  const underlayCidr = given ?? covering(nodeIps, 24) ?? parsePrefix(DEFAULTS.underlayCidr)!;
  return {
    clusterCidr,
    serviceCidr,
    underlayCidr,
    ...gatewayOf(spec.underlay?.gateway, given === undefined && nodeIps.length > 0, underlayCidr, nodeIps),
  };
}

/** A derived underlay's router takes its first address, unless a node has it (then none is assumed). */
function gatewayOf(
  text: string | null | undefined,
  derived: boolean,
  underlay: Prefix,
  nodeIps: readonly Prefix[],
): { gateway?: Ipv4 } {
  if (text === null) return {};
  if (text !== undefined) return { gateway: parseIpv4(text)! };
  if (!derived) return { gateway: parseIpv4(DEFAULTS.underlayGateway)! };
  const first = underlay.network + 1;
  return nodeIps.some((p) => p.network === first) ? {} : { gateway: first };
}
