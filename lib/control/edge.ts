// The cluster's edge: external load balancers in front of LoadBalancer Services, and the DNS names
// clients outside the cluster resolve.
import { parseIpv4, prefixContains } from "../model/address.ts";
import type { DnsRecord, LoadBalancer, Service, Underlay } from "../model/cluster.ts";
import { type InputProblem, problem } from "../input/errors.ts";
import type { TopologyInput } from "../input/load.ts";
import type { ClassSelection } from "../model/ingress.ts";
import { isControllerLabels } from "../ingress/controller.ts";

/** The default LB's VIP and, on the underlay, its own address (documentation ranges, RFC 5737). */
export const EDGE_DEFAULTS = { name: "edge", vip: "203.0.113.10", addressOffset: 2 } as const;

/**
 * LBs given in the Topology, plus one for every LoadBalancer Service that has an ingress IP and no LB:
 * NodePort mode, round-robin, the client IP not kept (what most cloud LBs do by default).
 */
export function buildLoadBalancers(
  input: TopologyInput,
  services: readonly Service[],
  underlay: Underlay,
  problems: InputProblem[],
): LoadBalancer[] {
  const given = input.topology?.obj.spec?.loadBalancers ?? [];
  const out: LoadBalancer[] = [];
  const usedAddresses = new Set<number>();
  let nextAddress = underlay.cidr.network + EDGE_DEFAULTS.addressOffset;
  const address = (): number => {
    while (usedAddresses.has(nextAddress) || nextAddress === underlay.gateway) nextAddress++;
    usedAddresses.add(nextAddress);
    return nextAddress++;
  };
  given.forEach((lb, i) => {
    const at = (f: string) => input.topology!.src.at(["spec", "loadBalancers", i, f]);
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
