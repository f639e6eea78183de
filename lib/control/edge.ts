// The cluster's edge: external load balancers in front of LoadBalancer Services, and the DNS names
// clients outside the cluster resolve.
import { formatIpv4, type Prefix, parseIpv4, prefixContains } from "../model/address.ts";
import type { Cluster, DnsRecord, EndpointSlice, LoadBalancer, Node, Service, Underlay } from "../model/cluster.ts";
import { type Diagnostic, diagnostic } from "../model/diagnostic.ts";
import { type InputProblem, problem } from "../input/errors.ts";
import type { TopologyInput } from "../input/load.ts";
import type { ClassSelection } from "../model/ingress.ts";
import { isControllerLabels } from "../ingress/controller.ts";
import { type GatewayState, routeKey } from "../model/gateway.ts";
import { GATEWAY_NAME_LABEL } from "./gateway-defaults.ts";

/** The default LB's VIP and, on the underlay, its own address (documentation ranges, RFC 5737). */
export const EDGE_DEFAULTS = { name: "edge", vip: "203.0.113.10", addressOffset: 2 } as const;
/** Where the default VIP goes when the cluster uses 203.0.113.0/24: the benchmarking range, RFC 2544. */
const FALLBACK_VIP = "198.18.0.10";

/** The default controller's VIP, outside every range the cluster uses. */
export function defaultVip(used: readonly Prefix[]): string {
  const taken = (text: string) => used.some((p) => prefixContains(p, parseIpv4(text)!));
  return taken(EDGE_DEFAULTS.vip) && !taken(FALLBACK_VIP) ? FALLBACK_VIP : EDGE_DEFAULTS.vip;
}

/**
 * LBs given in the Topology, plus one for every LoadBalancer Service that has an ingress IP and no LB:
 * NodePort mode, round-robin, the client IP not kept (what most cloud LBs do by default).
 */
export function buildLoadBalancers(
  input: TopologyInput,
  services: readonly Service[],
  underlay: Underlay,
  nodes: readonly Node[],
  problems: InputProblem[],
): LoadBalancer[] {
  const given = input.topology?.obj.spec?.loadBalancers ?? [];
  const out: LoadBalancer[] = [];
  // A kind cluster's nodes start at .2, where the LBs' addresses start too.
  const usedAddresses = new Set<number>(nodes.map((n) => n.ip));
  let nextAddress = underlay.cidr.network + EDGE_DEFAULTS.addressOffset;
  const address = (): number => {
    while (usedAddresses.has(nextAddress) || nextAddress === underlay.gateway) nextAddress++;
    usedAddresses.add(nextAddress);
    return nextAddress++;
  };
  const named = new Set<string>();
  const vips = new Map<string, string>();
  given.forEach((lb, i) => {
    const at = (f: string) => input.topology!.src.at(["spec", "loadBalancers", i, f]);
    // lb/NAME names one load balancer; a VIP answers for one.
    if (named.has(lb.name))
      problems.push(
        problem("duplicate", at("name"), `duplicate load balancer "${lb.name}"; load balancer names must be unique`),
      );
    const other = vips.get(lb.vip);
    if (other !== undefined)
      problems.push(
        problem(
          "address-conflict",
          at("vip"),
          `load balancer ${lb.name}: VIP ${lb.vip} is already load balancer ${other}'s; each needs its own VIP`,
        ),
      );
    named.add(lb.name);
    vips.set(lb.vip, lb.name);
    const [namespace, name] = lb.service.split("/") as [string, string];
    const svc = services.find((s) => s.namespace === namespace && s.name === name);
    if (!svc)
      problems.push(
        problem(
          "dangling-reference",
          at("service"),
          `load balancer ${lb.name}: no Service ${lb.service}; it must name a LoadBalancer Service`,
        ),
      );
    else if (svc.type !== "LoadBalancer")
      problems.push(
        problem(
          "invalid-value",
          at("service"),
          `load balancer ${lb.name}: Service ${lb.service} is of type ${svc.type}; expected type LoadBalancer`,
        ),
      );
    const own = lb.address ? parseIpv4(lb.address)! : undefined;
    if (own !== undefined && !prefixContains(underlay.cidr, own))
      problems.push(
        problem(
          "address-outside",
          at("address"),
          `load balancer ${lb.name}: address ${lb.address} is outside the underlay ${underlay.cidr.text}`,
        ),
      );
    if (own !== undefined) usedAddresses.add(own);
    out.push({
      name: lb.name,
      vip: parseIpv4(lb.vip)!,
      address: own ?? 0,
      mode: lb.mode ?? "nodeport",
      algorithm: lb.algorithm ?? "round-robin",
      preserveClientIp: lb.preserveClientIP ?? false,
      service: { namespace, name },
    });
  });
  for (const lb of out) if (lb.address === 0) Object.assign(lb, { address: address() });
  for (const svc of services) {
    if (svc.type !== "LoadBalancer") continue;
    for (const vip of svc.loadBalancerIngress) {
      if (out.some((lb) => lb.vip === vip)) continue;
      const name = out.some((lb) => lb.name === EDGE_DEFAULTS.name)
        ? `lb-${svc.namespace}-${svc.name}`
        : EDGE_DEFAULTS.name;
      out.push({
        name,
        vip,
        address: address(),
        mode: "nodeport",
        algorithm: "round-robin",
        preserveClientIp: false,
        service: { namespace: svc.namespace, name: svc.name },
      });
    }
  }
  return out;
}

/** The Topology's zone. Ingress hosts are added by the ingress layer, pointing at their LB's VIP. */
export function buildDns(input: TopologyInput): DnsRecord[] {
  return (input.topology?.obj.spec?.dns?.records ?? []).map((r) => ({
    name: r.name.toLowerCase(),
    ip: parseIpv4(r.ip)!,
    source: "Topology dns",
  }));
}

/**
 * Every host of a served Ingress resolves to the VIP in front of the controller: the load balancer
 * of the LoadBalancer Service that selects the controller pods (or that Service's ingress IP).
 */
export function ingressDns(
  selection: ClassSelection,
  services: readonly Service[],
  lbs: readonly LoadBalancer[],
  zone: readonly DnsRecord[],
): DnsRecord[] {
  const front = services.find(
    (s) => s.type === "LoadBalancer" && s.selector !== undefined && isControllerLabels(s.selector),
  );
  const vip = front
    ? (lbs.find((lb) => lb.service.namespace === front.namespace && lb.service.name === front.name)?.vip ??
      front.loadBalancerIngress[0])
    : undefined;
  if (vip === undefined) return [];
  const out: DnsRecord[] = [];
  for (const { ingress } of selection.served) {
    for (const host of [...ingress.rules.map((r) => r.host), ...ingress.tls.flatMap((t) => t.hosts)]) {
      if (!host || zone.some((r) => r.name === host) || out.some((r) => r.name === host)) continue;
      out.push({
        name: host.toLowerCase(),
        ip: vip,
        source: `Ingress ${ingress.namespace}/${ingress.name} (via ${front!.namespace}/${front!.name})`,
      });
    }
  }
  return out;
}

/**
 * Every listener hostname and attached route hostname of a Gateway (not a wildcard) resolves to its
 * VIP: the load balancer of the LoadBalancer Service that selects its proxy pods. A name the zone or
 * an Ingress already holds keeps that record; one an Ingress holds is said, naming both.
 */
export function gatewayDns(
  state: GatewayState,
  services: readonly Service[],
  lbs: readonly LoadBalancer[],
  known: readonly DnsRecord[],
): { records: DnsRecord[]; notes: Diagnostic[] } {
  const records: DnsRecord[] = [];
  const notes: Diagnostic[] = [];
  for (const gw of state.world.gateways) {
    const key = routeKey(gw);
    const front = services.find(
      (s) => s.type === "LoadBalancer" && s.namespace === gw.namespace && s.selector?.[GATEWAY_NAME_LABEL] === gw.name,
    );
    const vip = front
      ? (lbs.find((lb) => lb.service.namespace === front.namespace && lb.service.name === front.name)?.vip ??
        front.loadBalancerIngress[0])
      : undefined;
    if (vip === undefined) continue;
    const hosts = [
      ...gw.listeners.map((l) => l.hostname),
      ...state.attachments.filter((a) => a.gateway === key).flatMap((a) => a.hostnames),
    ];
    for (const host of hosts) {
      if (!host || host.startsWith("*") || records.some((r) => r.name === host)) continue;
      const held = known.find((r) => r.name === host);
      if (held?.source.startsWith("Ingress "))
        notes.push(
          diagnostic(
            "gateway-host-conflict",
            gw.origin ?? { object: { kind: "Gateway", namespace: gw.namespace, name: gw.name } },
            `${host} is served by ${held.source.replace(/ \(via .*\)$/, "")} and by Gateway ${key}: DNS resolves it ` +
              `to the Ingress's VIP ${formatIpv4(held.ip)}, so curl reaches the Gateway only with --resolve ` +
              `${host}:${listenerPort(gw, host)}:${formatIpv4(vip)}`,
            "serve each name from one of them, or give the name its own DNS record in the Topology",
          ),
        );
      if (held) continue;
      records.push({ name: host, ip: vip, source: `Gateway ${key} (via ${front!.namespace}/${front!.name})` });
    }
  }
  return { records, notes };
}

/** The port of the Gateway's listener for the host (the first listener's when none names it). */
function listenerPort(gw: GatewayState["world"]["gateways"][number], host: string): number {
  return (gw.listeners.find((l) => l.hostname === host) ?? gw.listeners[0])?.port ?? 80;
}

/**
 * LoadBalancer Services that have no address yet (no status.loadBalancer.ingress, no LB in the
 * Topology): a cloud provider or MetalLB would give one; until then they are reached by their
 * NodePorts, which kube-proxy opens on every node.
 */
export function pendingLoadBalancers(
  input: TopologyInput,
  services: readonly Service[],
  lbs: readonly LoadBalancer[],
  slices: readonly EndpointSlice[],
  nodes: readonly Node[],
): Diagnostic[] {
  return services.flatMap((s) => {
    if (!isPending(s, lbs)) return [];
    const given = input.services.find(
      (r) => r.obj.metadata.name === s.name && (r.obj.metadata.namespace ?? "default") === s.namespace,
    );
    const way = nodePortWay(s, slices, nodes);
    const via = way
      ? `: reach it through a node's NodePort, e.g. ${way.address} (node ${way.node}, ` +
        `port ${way.port})${isControllerLabels(s.selector ?? {}) ? `; for an Ingress host, ${way.curl}` : ""}`
      : "";
    return [
      diagnostic(
        "lb-pending",
        given?.src.at(["spec", "type"]) ?? { object: { kind: "Service", namespace: s.namespace, name: s.name } },
        `Service ${s.namespace}/${s.name} is a LoadBalancer with no address yet (status.loadBalancer.ingress is ` +
          `empty until a cloud provider or MetalLB gives one)${via}`,
        "give the address in status.loadBalancer.ingress, or a load balancer in the Topology's spec.loadBalancers",
      ),
    ];
  });
}

/** Why an Ingress host resolves nowhere when the controller's LoadBalancer Service has no address yet. */
export function pendingFront(cluster: Cluster, host: string): string | undefined {
  const front = cluster.services.find(
    (s) => s.type === "LoadBalancer" && s.selector !== undefined && isControllerLabels(s.selector),
  );
  if (!front || !isPending(front, cluster.loadBalancers)) return undefined;
  const way = nodePortWay(front, cluster.endpointSlices, cluster.nodes);
  const curl = way?.curl.replaceAll("HOST", host);
  return (
    `the ingress controller's LoadBalancer Service ${front.namespace}/${front.name} has no address ` +
    `yet${curl ? `; reach it through its NodePort on node ${way!.node}: ${curl}` : ""}`
  );
}

function isPending(s: Service, lbs: readonly LoadBalancer[]): boolean {
  return (
    s.type === "LoadBalancer" &&
    s.loadBalancerIngress.length === 0 &&
    !lbs.some((lb) => lb.service.namespace === s.namespace && lb.service.name === s.name)
  );
}

/** A node to reach the Service on: under externalTrafficPolicy Local, one with a ready endpoint. */
function nodePortWay(s: Service, slices: readonly EndpointSlice[], nodes: readonly Node[]) {
  const port = s.ports.find((p) => p.nodePort !== undefined && p.port === 80) ?? s.ports.find((p) => p.nodePort);
  const local = new Set(
    slices
      .filter((sl) => sl.namespace === s.namespace && sl.serviceName === s.name)
      .flatMap((sl) => sl.endpoints.filter((e) => e.ready).map((e) => e.nodeName)),
  );
  const node = s.externalTrafficPolicy === "Local" ? nodes.find((n) => local.has(n.name)) : nodes[0];
  if (!port || !node) return undefined;
  const ip = formatIpv4(node.ip);
  return {
    node: node.name,
    port: port.name || String(port.port),
    address: `${ip}:${port.nodePort}`,
    curl: `curl --resolve HOST:${port.nodePort}:${ip} http://HOST:${port.nodePort}/`,
  };
}
