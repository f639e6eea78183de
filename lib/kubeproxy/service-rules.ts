// The rules syncProxyRules writes for one service port on one node, already in iptables-save's
// argument order, split by what they depend on so that nodes share them:
// - its rules in the top-level chains (KUBE-SERVICES, KUBE-NODEPORTS, KUBE-EXTERNAL-SERVICES, ...)
//   depend on the node only through "has this node local endpoints": two variants at most;
// - its own chains (KUBE-SVC/SVL/EXT/FW/SEP) depend on the local endpoint set, the local-traffic
//   detector and, for KUBE-FW, whether the node's IP is in a source range: one variant per distinct
//   combination, so every node without local endpoints shares one. KUBE-SEP and the cluster-wide
//   KUBE-SVC body are the same everywhere and built once.
// Each variant is built once and its line arrays are shared: the engine compiles an array once.
import { formatIpv4, maskOf } from "../model/address.ts";
import type { SourceChain } from "../netfilter/chain-source.ts";
import { anyUsable, clusterEndpoints, localEndpoints } from "./endpoints.ts";
import type { NodeContext, SourceMatch } from "./node-context.ts";
import { comment, probability, rule } from "./save-format.ts";
import {
  externallyAccessible,
  type ProxyEndpointInfo,
  type ServicePortInfo,
  usesClusterEndpoints,
  usesLocalEndpoints,
} from "./service-ports.ts";

export const MARK_MASQ = "KUBE-MARK-MASQ";
const REJECT = "REJECT --reject-with icmp-port-unreachable";

/** One service port's rules in the chains all services share, in the order they are added. */
export interface TopRules {
  readonly filterServices: readonly string[];
  readonly filterExternalServices: readonly string[];
  readonly filterNodePorts: readonly string[];
  readonly filterProxyFirewall: readonly string[];
  readonly natServices: readonly string[];
  readonly natNodePorts: readonly string[];
}

export type TopChain = keyof TopRules;
export const TOP_CHAINS: readonly TopChain[] = [
  "filterServices",
  "filterExternalServices",
  "filterNodePorts",
  "filterProxyFirewall",
  "natServices",
  "natNodePorts",
];

interface SharedChains {
  readonly clusterChain: readonly string[];
  readonly endpointChains: ReadonlyMap<string, readonly string[]>;
}

const shared = new WeakMap<ServicePortInfo, SharedChains>();
const tops = new WeakMap<ServicePortInfo, [TopRules, TopRules]>();
const variants = new WeakMap<ServicePortInfo, Map<string, readonly SourceChain[]>>();

/** `-d IP/32 -p P -m comment --comment C -m P --dport N`, with an optional source match. */
function portMatch(svc: ServicePortInfo, ip: string, port: number, text: string, source?: SourceMatch): string {
  let h = "";
  if (source?.src) h += `${source.src} `;
  h += `-d ${ip}/32`;
  if (source?.inIface) h += ` ${source.inIface}`;
  return `${h} -p ${svc.proto} ${comment(text)} -m ${svc.proto} --dport ${port}`;
}

function sourceHeader(source: SourceMatch): string {
  return [source.src ?? "", source.inIface ?? ""].filter((s) => s !== "").join(" ");
}

/** The endpoints on this node kube-proxy uses for a Local policy ([] when no policy is Local). */
export function localSet(svc: ServicePortInfo, nodeName: string): ProxyEndpointInfo[] {
  return usesLocalEndpoints(svc) ? localEndpoints(svc.endpoints, nodeName) : [];
}

/** The service port's top-level rules on a node with (or without) local endpoints. */
export function topRules(svc: ServicePortInfo, hasLocal: boolean): TopRules {
  let both = tops.get(svc);
  if (both === undefined) {
    const without = buildTopRules(svc, false);
    const withLocal = usesLocalEndpoints(svc) ? buildTopRules(svc, true) : without;
    // Where the two agree, share the array, so a caller can tell "no difference" by identity.
    const same = (k: TopChain) => (withLocal[k].join("\n") === without[k].join("\n") ? without[k] : withLocal[k]);
    both = [without, Object.fromEntries(TOP_CHAINS.map((k) => [k, same(k)])) as unknown as TopRules];
    tops.set(svc, both);
  }
  return both[hasLocal ? 1 : 0];
}

function buildTopRules(svc: ServicePortInfo, hasLocal: boolean): TopRules {
  const { spn, proto, chains } = svc;
  const out = {
    filterServices: [] as string[],
    filterExternalServices: [] as string[],
    filterNodePorts: [] as string[],
    filterProxyFirewall: [] as string[],
    natServices: [] as string[],
    natNodePorts: [] as string[],
  };
  const hasEndpoints = anyUsable(svc.endpoints);
  const internalChain = svc.internalPolicyLocal ? chains.svl : chains.svc;
  const hasInternal = hasEndpoints && !(svc.internalPolicyLocal && !hasLocal);
  const hasExternal = hasEndpoints && !(svc.externalPolicyLocal && !hasLocal);
  const usesFw = hasEndpoints && svc.loadBalancerIPs.length > 0 && svc.sourceRanges.length > 0;
  const lbChain = usesFw ? chains.fw : chains.ext;

  // No endpoints anywhere: REJECT. Endpoints elsewhere but a Local policy here: DROP.
  const [filterTarget, filterComment] = hasEndpoints
    ? ["DROP", `${spn} has no local endpoints`]
    : [REJECT, `${spn} has no endpoints`];

  if (hasInternal) {
    out.natServices.push(
      rule("KUBE-SERVICES", portMatch(svc, svc.clusterIP, svc.port, `${spn} cluster IP`), `-j ${internalChain}`),
    );
  } else {
    out.filterServices.push(
      rule("KUBE-SERVICES", portMatch(svc, svc.clusterIP, svc.port, filterComment), `-j ${filterTarget}`),
    );
  }
  for (const ip of svc.externalIPs) {
    if (hasEndpoints)
      out.natServices.push(
        rule("KUBE-SERVICES", portMatch(svc, ip, svc.port, `${spn} external IP`), `-j ${chains.ext}`),
      );
    if (!hasExternal) {
      out.filterExternalServices.push(
        rule("KUBE-EXTERNAL-SERVICES", portMatch(svc, ip, svc.port, filterComment), `-j ${filterTarget}`),
      );
    }
  }
  for (const ip of svc.loadBalancerIPs) {
    if (hasEndpoints)
      out.natServices.push(
        rule("KUBE-SERVICES", portMatch(svc, ip, svc.port, `${spn} loadbalancer IP`), `-j ${lbChain}`),
      );
    if (usesFw) {
      out.filterProxyFirewall.push(
        rule(
          "KUBE-PROXY-FIREWALL",
          portMatch(svc, ip, svc.port, `${spn} traffic not accepted by ${chains.fw}`),
          "-j DROP",
        ),
      );
    }
  }
  if (!hasExternal) {
    for (const ip of svc.loadBalancerIPs) {
      out.filterExternalServices.push(
        rule("KUBE-EXTERNAL-SERVICES", portMatch(svc, ip, svc.port, filterComment), `-j ${filterTarget}`),
      );
    }
  }
  if (svc.nodePort !== 0) {
    if (hasEndpoints) {
      out.natNodePorts.push(
        rule("KUBE-NODEPORTS", `-p ${proto}`, comment(spn), `-m ${proto} --dport ${svc.nodePort}`, `-j ${chains.ext}`),
      );
    }
    if (!hasExternal) {
      out.filterExternalServices.push(
        rule(
          "KUBE-EXTERNAL-SERVICES",
          `-p ${proto}`,
          comment(filterComment),
          `-m addrtype --dst-type LOCAL -m ${proto} --dport ${svc.nodePort}`,
          `-j ${filterTarget}`,
        ),
      );
    }
  }
  if (svc.healthCheckNodePort !== 0) {
    out.filterNodePorts.push(
      rule(
        "KUBE-NODEPORTS",
        "-p tcp",
        comment(`${spn} health check node port`),
        `-m tcp --dport ${svc.healthCheckNodePort}`,
        "-j ACCEPT",
      ),
    );
  }
  return out;
}

/**
 * The service port's own nat chains on this node (KUBE-EXT, KUBE-FW, KUBE-SVC, KUBE-SVL, then every
 * KUBE-SEP an endpoint set reaches), shared by every node with the same inputs.
 */
export function serviceChains(svc: ServicePortInfo, ctx: NodeContext, large: boolean): readonly SourceChain[] {
  const local = localSet(svc, ctx.node.name);
  const usesFw = svc.loadBalancerIPs.length > 0 && svc.sourceRanges.length > 0;
  const fromNode = usesFw && allowFromNode(svc, ctx) ? 1 : 0;
  const sources = `${sourceKey(ctx.ifLocal)}|${sourceKey(ctx.ifNotLocal)}`;
  const key = `${local.map((ep) => ep.hostPort).join(",")}|${sources}|${fromNode}`;
  let byKey = variants.get(svc);
  if (!byKey) variants.set(svc, (byKey = new Map()));
  let out = byKey.get(key);
  if (!out) byKey.set(key, (out = buildServiceChains(svc, ctx, local, large)));
  return out;
}

function sourceKey(m: SourceMatch | undefined): string {
  return m ? `${m.src ?? ""}/${m.inIface ?? ""}` : "-";
}

function buildServiceChains(
  svc: ServicePortInfo,
  ctx: NodeContext,
  local: readonly ProxyEndpointInfo[],
  large: boolean,
): SourceChain[] {
  const { spn, chains } = svc;
  const cluster = usesClusterEndpoints(svc) ? clusterEndpoints(svc.endpoints) : [];
  const hasEndpoints = anyUsable(svc.endpoints);
  const internalChain = svc.internalPolicyLocal ? chains.svl : chains.svc;
  const hasInternal = hasEndpoints && !(svc.internalPolicyLocal && local.length === 0);
  const externalPolicyChain = svc.externalPolicyLocal ? chains.svl : chains.svc;
  const hasExternal = hasEndpoints && !(svc.externalPolicyLocal && local.length === 0);
  // EXT is kept even without external endpoints: it carries the pod/LOCAL short-circuit rules.
  const usesExt = hasEndpoints && externallyAccessible(svc);
  const usesFw = hasEndpoints && svc.loadBalancerIPs.length > 0 && svc.sourceRanges.length > 0;
  const out: SourceChain[] = [];
  const add = (name: string, ...arrays: (readonly string[])[]) =>
    out.push({
      name,
      policy: null,
      parts: arrays.filter((a) => a.length > 0).map((lines) => ({ lines, start: 0, end: lines.length })),
    });

  // The masquerade rule heads the internal chain, whichever of SVC/SVL that is.
  let internalMasq: readonly string[] = [];
  if (hasInternal) {
    const text = `${spn} cluster IP`;
    if (ctx.config.masqueradeAll)
      internalMasq = [rule(internalChain, portMatch(svc, svc.clusterIP, svc.port, text), `-j ${MARK_MASQ}`)];
    else if (ctx.ifNotLocal) {
      internalMasq = [
        rule(internalChain, portMatch(svc, svc.clusterIP, svc.port, text, ctx.ifNotLocal), `-j ${MARK_MASQ}`),
      ];
    }
  }

  if (usesExt) add(chains.ext, externalChainRules(svc, ctx, hasExternal, externalPolicyChain));
  if (usesFw) add(chains.fw, firewallChainRules(svc, ctx));

  const common = sharedChains(svc, cluster, large);
  const usesCluster = cluster.length > 0 && usesClusterEndpoints(svc);
  const usesLocal = local.length > 0 && usesLocalEndpoints(svc);
  if (usesCluster) add(chains.svc, internalChain === chains.svc ? internalMasq : [], common.clusterChain);
  if (usesLocal)
    add(chains.svl, internalChain === chains.svl ? internalMasq : [], balanceRules(svc, chains.svl, local, large));
  // Every endpoint either set can reach gets its DNAT chain.
  const reachable = new Set<ProxyEndpointInfo>(cluster);
  for (const ep of local) reachable.add(ep);
  for (const ep of reachable) add(ep.chain, common.endpointChains.get(ep.chain)!);
  return out;
}

function externalChainRules(
  svc: ServicePortInfo,
  ctx: NodeContext,
  hasExternal: boolean,
  policyChain: string,
): string[] {
  const { spn, chains } = svc;
  const lines: string[] = [];
  if (!svc.externalPolicyLocal) {
    // Endpoints may be on another node, so the reply must come back through this one.
    lines.push(rule(chains.ext, comment(`masquerade traffic for ${spn} external destinations`), `-j ${MARK_MASQ}`));
  } else {
    if (ctx.ifLocal) {
      lines.push(
        rule(
          chains.ext,
          sourceHeader(ctx.ifLocal),
          comment(`pod traffic for ${spn} external destinations`),
          `-j ${chains.svc}`,
        ),
      );
    }
    lines.push(
      rule(
        chains.ext,
        comment(`masquerade LOCAL traffic for ${spn} external destinations`),
        "-m addrtype --src-type LOCAL",
        `-j ${MARK_MASQ}`,
      ),
    );
    lines.push(
      rule(
        chains.ext,
        comment(`route LOCAL traffic for ${spn} external destinations`),
        "-m addrtype --src-type LOCAL",
        `-j ${chains.svc}`,
      ),
    );
  }
  if (hasExternal) lines.push(rule(chains.ext, `-j ${policyChain}`));
  return lines;
}

/** Whether the node's IP is in one of the Service's loadBalancerSourceRanges. */
function allowFromNode(svc: ServicePortInfo, ctx: NodeContext): boolean {
  return svc.sourceRanges.some((range) => (ctx.node.ip & maskOf(range.length)) >>> 0 === range.network);
}

function firewallChainRules(svc: ServicePortInfo, ctx: NodeContext): string[] {
  const { spn, chains } = svc;
  const text = comment(`${spn} loadbalancer IP`);
  const lines: string[] = [];
  for (const range of svc.sourceRanges) lines.push(rule(chains.fw, `-s ${range.text}`, text, `-j ${chains.ext}`));
  // A node reaching its own LB VIP loops back with the VIP as source; let that through too.
  if (allowFromNode(svc, ctx))
    for (const ip of svc.loadBalancerIPs) lines.push(rule(chains.fw, `-s ${ip}/32`, text, `-j ${chains.ext}`));
  lines.push(rule(chains.fw, comment(`other traffic to ${spn} will be dropped by KUBE-PROXY-FIREWALL`)));
  return lines;
}

function sharedChains(svc: ServicePortInfo, eps: readonly ProxyEndpointInfo[], large: boolean): SharedChains {
  let s = shared.get(svc);
  if (s === undefined) {
    const endpointChains = new Map<string, readonly string[]>();
    for (const ep of svc.endpoints) endpointChains.set(ep.chain, endpointRules(svc, ep, large));
    s = { endpointChains, clusterChain: eps.length > 0 ? balanceRules(svc, svc.chains.svc, eps, large) : [] };
    shared.set(svc, s);
  }
  return s;
}

/** writeServiceToEndpointRules: affinity checks first, then 1/n, 1/(n-1), ... and a catch-all. */
function balanceRules(
  svc: ServicePortInfo,
  chain: string,
  endpoints: readonly ProxyEndpointInfo[],
  large: boolean,
): string[] {
  const lines: string[] = [];
  const n = endpoints.length;
  const label = (ep: ProxyEndpointInfo): string => (large ? "" : comment(`${svc.spn} -> ${ep.hostPort}`));
  if (svc.affinitySeconds > 0) {
    for (const ep of endpoints) {
      lines.push(
        rule(
          chain,
          label(ep),
          `-m recent --rcheck --seconds ${svc.affinitySeconds} --reap --name ${ep.chain} --mask 255.255.255.255 ` +
            `--rsource`,
          `-j ${ep.chain}`,
        ),
      );
    }
  }
  endpoints.forEach((ep, i) => {
    lines.push(rule(chain, label(ep), i < n - 1 ? probability(n - i) : "", `-j ${ep.chain}`));
  });
  return lines;
}

/** KUBE-SEP: hairpin masquerade for a pod reaching itself, then the DNAT (recording affinity). */
function endpointRules(svc: ServicePortInfo, ep: ProxyEndpointInfo, large: boolean): string[] {
  const text = large ? "" : comment(svc.spn);
  const affinity = svc.affinitySeconds > 0 ? `-m recent --set --name ${ep.chain} --mask 255.255.255.255 --rsource` : "";
  return [
    rule(ep.chain, `-s ${formatIpv4(ep.ip)}/32`, text, `-j ${MARK_MASQ}`),
    rule(ep.chain, `-p ${svc.proto}`, text, affinity, `-m ${svc.proto}`, `-j DNAT --to-destination ${ep.hostPort}`),
  ];
}
