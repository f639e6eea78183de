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
  prefixesOverlap,
} from "../model/address.ts";
import { type Diagnostic, diagnostic } from "../model/diagnostic.ts";
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
  /** Each node's podCIDR length: the Topology's, a CNI pool's block size, else the default. */
  readonly maskSize: number;
  /** Defaults moved clear of the ranges the input uses. */
  readonly notes: readonly Diagnostic[];
}

/** Where the defaults go when the first choice meets a range the input uses: private ranges, in order. */
const SERVICE_CANDIDATES = [DEFAULTS.serviceCidr, "10.43.0.0/16", "172.20.0.0/16", "100.64.0.0/16"];
const UNDERLAY_CANDIDATES = [DEFAULTS.underlayCidr, "172.31.10.0/24", "10.250.10.0/24", "100.127.10.0/24"];
/** Calico's blockSize when its pool does not give one. */
const CALICO_BLOCK_SIZE = 26;

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
  const notes: Diagnostic[] = [];
  const pool = input.podPools
    .map((p) => ({ ...p, prefix: parsePrefix(p.cidr, false) }))
    .find((p) => p.prefix !== undefined);
  // A CNI pool is where pods really get their addresses, so it wins over the nodes' podCIDRs.
  const fromPool = (parsePrefix(spec.clusterCIDR ?? "", true) ?? proxyCidr) ? undefined : pool;
  const clusterCidr =
    parsePrefix(spec.clusterCIDR ?? "", true) ??
    proxyCidr ??
    fromPool?.prefix ??
    covering(podCidrs, 16) ??
    parsePrefix(DEFAULTS.clusterCidr)!;
  const maskSize =
    spec.nodeCIDRMaskSize ?? (fromPool ? (fromPool.blockSize ?? CALICO_BLOCK_SIZE) : DEFAULTS.nodeCidrMaskSize);
  const clusterIps = input.services.flatMap((s) => {
    const ip = s.obj.spec.clusterIP ? parseIpv4(s.obj.spec.clusterIP) : undefined;
    return ip === undefined ? [] : [hostPrefix(ip)];
  });
  const defaultServices = clearOf(SERVICE_CANDIDATES, [clusterCidr], "serviceCIDR", notes);
  const serviceCidr =
    parsePrefix(spec.serviceCIDR ?? "", true) ??
    (clusterIps.every((p) => prefixContains(defaultServices, p.network)) ? defaultServices : covering(clusterIps, 16)!);
  const given = spec.underlay?.cidr ? parsePrefix(spec.underlay.cidr)! : undefined;
  const underlayCidr =
    given ?? covering(nodeIps, 24) ?? clearOf(UNDERLAY_CANDIDATES, [clusterCidr, serviceCidr], "underlay", notes);
  return {
    clusterCidr,
    serviceCidr,
    underlayCidr,
    ...gatewayOf(spec.underlay?.gateway, given === undefined && nodeIps.length > 0, underlayCidr, nodeIps),
    maskSize,
    notes,
  };
}

/** The first candidate that overlaps none of `used`, saying so when it is not the documented default. */
function clearOf(candidates: readonly string[], used: readonly Prefix[], what: string, notes: Diagnostic[]): Prefix {
  const prefixes = candidates.map((c) => parsePrefix(c)!);
  const clear = prefixes.find((p) => !used.some((u) => prefixesOverlap(u, p))) ?? prefixes[0]!;
  if (clear !== prefixes[0]) {
    const met = used.find((u) => prefixesOverlap(u, prefixes[0]!))!;
    notes.push(
      diagnostic(
        "default-range-moved",
        undefined,
        `the default ${what} ${prefixes[0]!.text} overlaps ${met.text}, which the cluster uses: kubehop ` +
          `takes ${clear.text} instead`,
        `set the Topology's spec.${what === "underlay" ? "underlay.cidr" : what} to choose it`,
      ),
    );
  }
  return clear;
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
  if (!derived) return { gateway: underlay.network + 1 };
  const first = underlay.network + 1;
  return nodeIps.some((p) => p.network === first) ? {} : { gateway: first };
}
