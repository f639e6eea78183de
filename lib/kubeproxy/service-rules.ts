// The rules syncProxyRules writes for one service port on one node, already in iptables-save's
// argument order. Chains whose text is the same on every node (KUBE-SVC for the cluster endpoint
// set, KUBE-SEP) are built once per service port and reused.
import { maskOf } from "../model/address.ts";
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

/** Where one node's rules accumulate; top-level chains are shared by all services. */
export interface RuleSink {
  readonly filterServices: string[];
  readonly filterExternalServices: string[];
  readonly filterNodePorts: string[];
  readonly filterProxyFirewall: string[];
  readonly natServices: string[];
  readonly natNodePorts: string[];
  /** Per-service nat chains: name and its rules as one text block (lines joined with \n). */
  readonly natChains: Array<readonly [string, string]>;
}

interface SharedChains {
  readonly clusterChain?: string;
  readonly endpointChains: ReadonlyMap<string, string>;
}

const shared = new WeakMap<ServicePortInfo, SharedChains>();

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

export function writeServicePort(svc: ServicePortInfo, ctx: NodeContext, large: boolean, out: RuleSink): void {
  const { spn, proto, chains } = svc;
  const all = svc.endpoints;
  const cluster = usesClusterEndpoints(svc) ? clusterEndpoints(all) : [];
  const local = usesLocalEndpoints(svc) ? localEndpoints(all, ctx.node.name) : [];
  const hasEndpoints = anyUsable(all);
  const internalChain = svc.internalPolicyLocal ? chains.svl : chains.svc;
  const hasInternal = hasEndpoints && !(svc.internalPolicyLocal && local.length === 0);
  const externalPolicyChain = svc.externalPolicyLocal ? chains.svl : chains.svc;
  const hasExternal = hasEndpoints && !(svc.externalPolicyLocal && local.length === 0);
  // EXT is kept even without external endpoints: it carries the pod/LOCAL short-circuit rules.
  const usesExt = hasEndpoints && externallyAccessible(svc);
  const usesFw = hasEndpoints && svc.loadBalancerIPs.length > 0 && svc.sourceRanges.length > 0;
  const lbChain = usesFw ? chains.fw : chains.ext;

  // No endpoints anywhere: REJECT. Endpoints elsewhere but a Local policy here: DROP.
  const [filterTarget, filterComment] = hasEndpoints
    ? ["DROP", `${spn} has no local endpoints`]
    : [REJECT, `${spn} has no endpoints`];

  if (hasInternal) {
    out.natServices.push(rule("KUBE-SERVICES", portMatch(svc, svc.clusterIP, svc.port, `${spn} cluster IP`), `-j ${internalChain}`));
  } else {
    out.filterServices.push(rule("KUBE-SERVICES", portMatch(svc, svc.clusterIP, svc.port, filterComment), `-j ${filterTarget}`));
  }
  for (const ip of svc.externalIPs) {
    if (hasEndpoints) out.natServices.push(rule("KUBE-SERVICES", portMatch(svc, ip, svc.port, `${spn} external IP`), `-j ${chains.ext}`));
    if (!hasExternal) {
      out.filterExternalServices.push(rule("KUBE-EXTERNAL-SERVICES", portMatch(svc, ip, svc.port, filterComment), `-j ${filterTarget}`));
    }
  }
  for (const ip of svc.loadBalancerIPs) {
    if (hasEndpoints) out.natServices.push(rule("KUBE-SERVICES", portMatch(svc, ip, svc.port, `${spn} loadbalancer IP`), `-j ${lbChain}`));
    if (usesFw) {
      out.filterProxyFirewall.push(
        rule("KUBE-PROXY-FIREWALL", portMatch(svc, ip, svc.port, `${spn} traffic not accepted by ${chains.fw}`), "-j DROP"),
      );
    }
  }
  if (!hasExternal) {
    for (const ip of svc.loadBalancerIPs) {
      out.filterExternalServices.push(rule("KUBE-EXTERNAL-SERVICES", portMatch(svc, ip, svc.port, filterComment), `-j ${filterTarget}`));
    }
  }
  if (svc.nodePort !== 0) {
    if (hasEndpoints) {
      out.natNodePorts.push(rule("KUBE-NODEPORTS", `-p ${proto}`, comment(spn), `-m ${proto} --dport ${svc.nodePort}`, `-j ${chains.ext}`));
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
      rule("KUBE-NODEPORTS", "-p tcp", comment(`${spn} health check node port`), `-m tcp --dport ${svc.healthCheckNodePort}`, "-j ACCEPT"),
    );
  }

  // The masquerade rule heads the internal chain, whichever of SVC/SVL that is.
  let internalMasq = "";
  if (hasInternal) {
    const text = `${spn} cluster IP`;
    if (ctx.config.masqueradeAll) internalMasq = rule(internalChain, portMatch(svc, svc.clusterIP, svc.port, text), `-j ${MARK_MASQ}`);
    else if (ctx.ifNotLocal) {
      internalMasq = rule(internalChain, portMatch(svc, svc.clusterIP, svc.port, text, ctx.ifNotLocal), `-j ${MARK_MASQ}`);
    }
  }

  if (usesExt) out.natChains.push([chains.ext, externalChainRules(svc, ctx, hasExternal, externalPolicyChain)]);
  if (usesFw) out.natChains.push([chains.fw, firewallChainRules(svc, ctx)]);

  const common = sharedChains(svc, cluster, large);
  const usesCluster = cluster.length > 0 && usesClusterEndpoints(svc);
  const usesLocal = local.length > 0 && usesLocalEndpoints(svc);
  if (usesCluster) {
    const body = common.clusterChain ?? "";
    out.natChains.push([chains.svc, internalChain === chains.svc && internalMasq ? `${internalMasq}\n${body}` : body]);
  }
  if (usesLocal) {
    const body = balanceRules(svc, chains.svl, local, large);
    out.natChains.push([chains.svl, internalChain === chains.svl && internalMasq ? `${internalMasq}\n${body}` : body]);
  }
  // Every endpoint either set can reach gets its DNAT chain.
  const reachable = new Set<ProxyEndpointInfo>(cluster);
  for (const ep of local) reachable.add(ep);
  for (const ep of reachable) out.natChains.push([ep.chain, common.endpointChains.get(ep.chain)!]);
}

function externalChainRules(svc: ServicePortInfo, ctx: NodeContext, hasExternal: boolean, policyChain: string): string {
  const { spn, chains } = svc;
  const lines: string[] = [];
  if (!svc.externalPolicyLocal) {
    // Endpoints may be on another node, so the reply must come back through this one.
    lines.push(rule(chains.ext, comment(`masquerade traffic for ${spn} external destinations`), `-j ${MARK_MASQ}`));
  } else {
    if (ctx.ifLocal) {
      lines.push(rule(chains.ext, sourceHeader(ctx.ifLocal), comment(`pod traffic for ${spn} external destinations`), `-j ${chains.svc}`));
    }
    lines.push(
      rule(chains.ext, comment(`masquerade LOCAL traffic for ${spn} external destinations`), "-m addrtype --src-type LOCAL", `-j ${MARK_MASQ}`),
    );
    lines.push(
      rule(chains.ext, comment(`route LOCAL traffic for ${spn} external destinations`), "-m addrtype --src-type LOCAL", `-j ${chains.svc}`),
    );
  }
  if (hasExternal) lines.push(rule(chains.ext, `-j ${policyChain}`));
  return lines.join("\n");
}

function firewallChainRules(svc: ServicePortInfo, ctx: NodeContext): string {
  const { spn, chains } = svc;
  const text = comment(`${spn} loadbalancer IP`);
  const lines: string[] = [];
  let allowFromNode = false;
  for (const range of svc.sourceRanges) {
    lines.push(rule(chains.fw, `-s ${range.text}`, text, `-j ${chains.ext}`));
    if (((ctx.node.ip & maskOf(range.length)) >>> 0) === range.network) allowFromNode = true;
  }
  // A node reaching its own LB VIP loops back with the VIP as source; let that through too.
  if (allowFromNode) for (const ip of svc.loadBalancerIPs) lines.push(rule(chains.fw, `-s ${ip}/32`, text, `-j ${chains.ext}`));
  lines.push(rule(chains.fw, comment(`other traffic to ${spn} will be dropped by KUBE-PROXY-FIREWALL`)));
  return lines.join("\n");
}

function sharedChains(svc: ServicePortInfo, eps: readonly ProxyEndpointInfo[], large: boolean): SharedChains {
  let s = shared.get(svc);
  if (s === undefined) {
    const endpointChains = new Map<string, string>();
    for (const ep of svc.endpoints) endpointChains.set(ep.chain, endpointRules(svc, ep, large));
    s = { endpointChains, ...(eps.length > 0 ? { clusterChain: balanceRules(svc, svc.chains.svc, eps, large) } : {}) };
    shared.set(svc, s);
  }
  return s;
}

/** writeServiceToEndpointRules: affinity checks first, then 1/n, 1/(n-1), ... and a catch-all. */
function balanceRules(svc: ServicePortInfo, chain: string, endpoints: readonly ProxyEndpointInfo[], large: boolean): string {
  const lines: string[] = [];
  const n = endpoints.length;
  const label = (ep: ProxyEndpointInfo): string => (large ? "" : comment(`${svc.spn} -> ${ep.hostPort}`));
  if (svc.affinitySeconds > 0) {
    for (const ep of endpoints) {
      lines.push(
        rule(
          chain,
          label(ep),
          `-m recent --rcheck --seconds ${svc.affinitySeconds} --reap --name ${ep.chain} --mask 255.255.255.255 --rsource`,
          `-j ${ep.chain}`,
        ),
      );
    }
  }
  endpoints.forEach((ep, i) => {
    lines.push(rule(chain, label(ep), i < n - 1 ? probability(n - i) : "", `-j ${ep.chain}`));
  });
  return lines.join("\n");
}

/** KUBE-SEP: hairpin masquerade for a pod reaching itself, then the DNAT (recording affinity). */
function endpointRules(svc: ServicePortInfo, ep: ProxyEndpointInfo, large: boolean): string {
  const text = large ? "" : comment(svc.spn);
  const affinity = svc.affinitySeconds > 0 ? `-m recent --set --name ${ep.chain} --mask 255.255.255.255 --rsource` : "";
  return [
    rule(ep.chain, `-s ${ep.hostPort.slice(0, ep.hostPort.lastIndexOf(":"))}/32`, text, `-j ${MARK_MASQ}`),
    rule(ep.chain, `-p ${svc.proto}`, text, affinity, `-m ${svc.proto}`, `-j DNAT --to-destination ${ep.hostPort}`),
  ].join("\n");
}

