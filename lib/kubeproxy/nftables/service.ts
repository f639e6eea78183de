// One service port's share of a node's table (proxier.go syncProxyRules' loop body): its elements
// in the dispatch, no-endpoint and firewall maps, then its service-, local-, external-, firewall-
// and endpoint- chains and affinity sets, as the node's endpoints and traffic policies decide.
import { formatIpv4, prefixContains } from "../../model/address.ts";
import { anyUsable, clusterEndpoints } from "../endpoints.ts";
import { localSet } from "../service-rules.ts";
import {
  externallyAccessible,
  type ProxyEndpointInfo,
  type ServicePortInfo,
  usesClusterEndpoints,
  usesLocalEndpoints,
} from "../service-ports.ts";
import { TableBuilder } from "./builder.ts";
import { endpointNames, type ServicePortNames, servicePortNames } from "./names.ts";
import type { NftNodeView } from "./node-view.ts";
import type { NftPart, NftTable } from "./table.ts";
import {
  CLUSTER_IPS,
  FIREWALL_IPS,
  MARK_MASQ,
  NO_ENDPOINT_NODEPORTS,
  NO_ENDPOINT_SERVICES,
  REJECT_CHAIN,
  SERVICE_IPS,
  SERVICE_NODEPORTS,
} from "./setup.ts";

interface Plan {
  readonly names: ServicePortNames;
  readonly cluster: readonly ProxyEndpointInfo[];
  readonly local: readonly ProxyEndpointInfo[];
  readonly hasEndpoints: boolean;
  readonly hasInternal: boolean;
  readonly hasExternal: boolean;
  readonly internalChain: string;
  readonly externalPolicyChain: string;
  readonly usesExternal: boolean;
  readonly usesFirewall: boolean;
}

function plan(svc: ServicePortInfo, nodeName: string): Plan {
  const names = servicePortNames(svc);
  const cluster = usesClusterEndpoints(svc) ? clusterEndpoints(svc.endpoints) : [];
  const local = localSet(svc, nodeName);
  const hasEndpoints = anyUsable(svc.endpoints);
  return {
    names,
    cluster,
    local,
    hasEndpoints,
    hasInternal: hasEndpoints && !(svc.internalPolicyLocal && local.length === 0),
    hasExternal: hasEndpoints && !(svc.externalPolicyLocal && local.length === 0),
    internalChain: svc.internalPolicyLocal ? names.local : names.cluster,
    externalPolicyChain: svc.externalPolicyLocal ? names.local : names.cluster,
    // Kept without external endpoints too: it carries the short-circuit rules for local traffic.
    usesExternal: hasEndpoints && externallyAccessible(svc),
    usesFirewall: svc.loadBalancerIPs.length > 0 && svc.sourceRanges.length > 0,
  };
}

export type Part = Pick<NftTable, "sets" | "chains">;

// One part per service port and distinct node inputs (its local endpoints, the detector, whether
// the node may reach its own LB VIP): every node without local endpoints shares one.
const parts = new WeakMap<ServicePortInfo, Map<string, Part>>();

/** The service port's objects on this node, built once per distinct set of node inputs. */
export function servicePortPart(view: NftNodeView, svc: ServicePortInfo): Part {
  const p = plan(svc, view.node.name);
  const fromNode = p.usesFirewall && svc.sourceRanges.some((r) => prefixContains(r, view.node.ip));
  const detector = `${view.ifLocal?.map(partKey).join(" ")}|${view.ifNotLocal?.map(partKey).join(" ")}`;
  const key = `${p.local.map((ep) => ep.hostPort).join(",")}|${fromNode}|${detector}|${view.masqueradeAll}`;
  let byKey = parts.get(svc);
  if (byKey === undefined) parts.set(svc, (byKey = new Map()));
  let part = byKey.get(key);
  if (part === undefined) {
    const own = new TableBuilder();
    for (const name of SHARED_SETS) own.set(name, { kind: "map", type: "" });
    addElements(own, svc, p);
    addChains(own, view, svc, p);
    byKey.set(key, (part = own.build("", "")));
  }
  return part;
}

/** The node-wide sets a service port adds elements to; declared by setupTable. */
const SHARED_SETS = [
  CLUSTER_IPS,
  SERVICE_IPS,
  NO_ENDPOINT_SERVICES,
  FIREWALL_IPS,
  SERVICE_NODEPORTS,
  NO_ENDPOINT_NODEPORTS,
];

function partKey(part: NftPart): string {
  return typeof part === "string" ? part : JSON.stringify(part);
}

function addElements(t: TableBuilder, svc: ServicePortInfo, p: Plan): void {
  const { proto, port, spn } = svc;
  const key = (ip: string) => [ip, proto, String(port)];
  // No endpoints anywhere: reject. Endpoints elsewhere but a Local policy here: drop.
  const internalVerdict = p.hasEndpoints ? "drop" : `goto ${REJECT_CHAIN}`;
  const externalVerdict = internalVerdict;
  const external = `goto ${p.names.external}`;

  t.element(CLUSTER_IPS, { key: [svc.clusterIP] });
  if (p.hasInternal) t.element(SERVICE_IPS, { key: key(svc.clusterIP), value: `goto ${p.internalChain}` });
  else t.element(NO_ENDPOINT_SERVICES, { key: key(svc.clusterIP), value: internalVerdict, comment: spn });

  for (const ip of svc.externalIPs) {
    if (p.hasEndpoints) t.element(SERVICE_IPS, { key: key(ip), value: external });
    if (!p.hasExternal) t.element(NO_ENDPOINT_SERVICES, { key: key(ip), value: externalVerdict, comment: spn });
  }
  if (p.usesFirewall) t.chain(p.names.firewall);
  for (const ip of svc.loadBalancerIPs) {
    if (p.hasEndpoints) t.element(SERVICE_IPS, { key: key(ip), value: external });
    if (p.usesFirewall) t.element(FIREWALL_IPS, { key: key(ip), value: `goto ${p.names.firewall}` });
  }
  if (!p.hasExternal) {
    for (const ip of svc.loadBalancerIPs)
      t.element(NO_ENDPOINT_SERVICES, { key: key(ip), value: externalVerdict, comment: spn });
  }
  if (svc.nodePort !== 0) {
    const nodePortKey = [proto, String(svc.nodePort)];
    if (p.hasEndpoints) t.element(SERVICE_NODEPORTS, { key: nodePortKey, value: external });
    if (!p.hasExternal) t.element(NO_ENDPOINT_NODEPORTS, { key: nodePortKey, value: externalVerdict, comment: spn });
  }
}

function addChains(t: TableBuilder, view: NftNodeView, svc: ServicePortInfo, p: Plan): void {
  const { names } = p;
  const reachable = [...new Set([...p.cluster, ...p.local])];
  const usesCluster = p.cluster.length > 0 && usesClusterEndpoints(svc);
  const usesLocal = p.local.length > 0 && usesLocalEndpoints(svc);
  for (const ep of reachable) t.chain(endpointNames(svc, ep).chain);
  if (usesCluster) t.chain(names.cluster);
  if (usesLocal) t.chain(names.local);
  if (p.usesExternal) t.chain(names.external);

  if (p.hasInternal) {
    const masq = `ip daddr ${svc.clusterIP}`;
    if (view.masqueradeAll) t.rule(p.internalChain, `${masq} jump ${MARK_MASQ}`);
    else if (view.ifNotLocal) t.rule(p.internalChain, [masq, ...view.ifNotLocal, `jump ${MARK_MASQ}`]);
  }
  if (p.usesExternal) externalRules(t, view, svc, p);
  if (p.usesFirewall) firewallRule(t, view, svc, names.firewall);
  if (svc.affinitySeconds > 0) {
    for (const ep of reachable) {
      t.set(endpointNames(svc, ep).affinitySet, {
        kind: "set",
        type: "ipv4_addr",
        // "dynamic" as well: some kernels add it to a timeout set, and the next add would then fail.
        flags: ["dynamic", "timeout"],
        timeoutSeconds: svc.affinitySeconds,
      });
    }
  }
  if (usesCluster) balanceRules(t, svc, names.cluster, p.cluster);
  if (usesLocal) balanceRules(t, svc, names.local, p.local);
  for (const ep of reachable) endpointRules(t, svc, ep);
}

function externalRules(t: TableBuilder, view: NftNodeView, svc: ServicePortInfo, p: Plan): void {
  const chain = p.names.external;
  if (!svc.externalPolicyLocal) {
    // Endpoints may be on another node, so the reply must come back through this one.
    t.rule(chain, `jump ${MARK_MASQ}`);
  } else {
    // Pods and the node itself reach the Service as if through an external LB, so any endpoint.
    if (view.ifLocal) t.rule(chain, [...view.ifLocal, `goto ${p.names.cluster}`], "short-circuit pod traffic");
    t.rule(chain, `fib saddr type local jump ${MARK_MASQ}`, "masquerade local traffic");
    t.rule(chain, `fib saddr type local goto ${p.names.cluster}`, "short-circuit local traffic");
  }
  if (p.hasExternal) t.rule(chain, `goto ${p.externalPolicyChain}`);
}

function firewallRule(t: TableBuilder, view: NftNodeView, svc: ServicePortInfo, chain: string): void {
  const sources = svc.sourceRanges.map((r) => r.text);
  // A node reaching its own VIP loops back with the VIP as source; allow that when the node may.
  if (svc.sourceRanges.some((r) => prefixContains(r, view.node.ip))) sources.push(...svc.loadBalancerIPs);
  t.rule(chain, ["ip saddr !=", { kind: "addresses", items: sources }, "drop"]);
}

/** writeServiceToEndpointRules: affinity lookups first, then one numgen vmap over the endpoints. */
function balanceRules(t: TableBuilder, svc: ServicePortInfo, chain: string, eps: readonly ProxyEndpointInfo[]): void {
  const named = eps.map((ep) => endpointNames(svc, ep));
  if (svc.affinitySeconds > 0) for (const n of named) t.rule(chain, `ip saddr @${n.affinitySet} goto ${n.chain}`);
  const verdicts = named.map((n) => `goto ${n.chain}`);
  t.rule(chain, [`numgen random mod ${eps.length} vmap`, { kind: "vmap", verdicts }]);
}

/** Hairpin masquerade for an endpoint reaching itself, the affinity record, then the DNAT. */
function endpointRules(t: TableBuilder, svc: ServicePortInfo, ep: ProxyEndpointInfo): void {
  const ip = formatIpv4(ep.ip);
  const n = endpointNames(svc, ep);
  t.rule(n.chain, `ip saddr ${ip} jump ${MARK_MASQ}`);
  if (svc.affinitySeconds > 0) t.rule(n.chain, `update @${n.affinitySet} { ip saddr }`);
  t.rule(n.chain, `meta l4proto ${svc.proto} dnat to ${ip}:${ep.port}`);
}
