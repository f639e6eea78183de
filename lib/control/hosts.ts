// Hosts' addresses as a network admits them: no node, load balancer or client on the underlay's
// gateway, network or broadcast address or on another host's address, and no client (outside the
// cluster) holding an address of the pod or Service ranges.
import { formatIpv4, type Ipv4, parseIpv4, type Prefix, prefixContains, prefixSize } from "../model/address.ts";
import type { Node, Origin } from "../model/cluster.ts";
import { type InputProblem, problem } from "../input/errors.ts";
import type { TopologyInput } from "../input/load.ts";

export interface HostRanges {
  readonly clusterCidr: Prefix;
  readonly serviceCidr: Prefix;
  readonly underlayCidr: Prefix;
  readonly gateway?: Ipv4;
}

const DEFAULTS_ORIGIN: Origin = { file: "<defaults>", line: 1, col: 1 };

interface Host {
  readonly what: string;
  readonly ip: Ipv4;
  readonly at: Origin;
}

export function checkHostAddresses(
  input: TopologyInput,
  nodes: readonly Node[],
  ranges: HostRanges,
  problems: InputProblem[],
): void {
  const spec = input.topology?.obj.spec;
  const at = (...path: (string | number)[]) => input.topology!.src.at(["spec", ...path]);
  // A derived underlay is only the smallest prefix around the nodes: its edges may be real hosts.
  const edges = spec?.underlay?.cidr !== undefined;
  const taken = new Map<Ipv4, string>(nodes.map((n) => [n.ip, `node ${n.name}`]));
  for (const n of nodes)
    reserved({ what: `node ${n.name}`, ip: n.ip, at: n.origin ?? DEFAULTS_ORIGIN }, ranges, edges, problems);
  const hosts: Host[] = [
    ...(spec?.loadBalancers ?? []).flatMap((lb, i) => {
      const ip = lb.address === undefined ? undefined : parseIpv4(lb.address);
      return ip === undefined ? [] : [{ what: `load balancer ${lb.name}`, ip, at: at("loadBalancers", i, "address") }];
    }),
    ...(spec?.clients ?? []).map((c, i) => ({
      what: `client ${c.name}`,
      ip: parseIpv4(c.ip)!,
      at: at("clients", i, "ip"),
    })),
  ];
  (spec?.loadBalancers ?? []).forEach((lb, i) => {
    const vip = parseIpv4(lb.vip)!;
    const node = taken.get(vip);
    if (node?.startsWith("node "))
      problems.push(
        problem(
          "address-conflict",
          at("loadBalancers", i, "vip"),
          `load balancer ${lb.name}: VIP ${lb.vip} is ${node}'s address; a VIP is the load balancer's own: use ` +
            "another address",
        ),
      );
    else taken.set(vip, `load balancer ${lb.name}'s VIP`);
  });
  for (const h of hosts) {
    reserved(h, ranges, edges, problems);
    const other = taken.get(h.ip);
    if (other !== undefined)
      problems.push(
        problem(
          "address-conflict",
          h.at,
          `${h.what}: address ${formatIpv4(h.ip)} is already ${other}'s; each host needs its own address`,
        ),
      );
    else taken.set(h.ip, h.what);
    if (!h.what.startsWith("client")) continue;
    const inside = prefixContains(ranges.clusterCidr, h.ip)
      ? `the cluster CIDR ${ranges.clusterCidr.text} (pod addresses)`
      : prefixContains(ranges.serviceCidr, h.ip)
        ? `the serviceCIDR ${ranges.serviceCidr.text} (ClusterIPs)`
        : undefined;
    if (inside)
      problems.push(
        problem(
          "address-conflict",
          h.at,
          `${h.what}: address ${formatIpv4(h.ip)} is inside ${inside}; a client is outside the cluster: give it an ` +
            "address outside the cluster's ranges (198.51.100.10, say)",
        ),
      );
  }
}

/** The underlay's router and, when the underlay is given, its network and broadcast addresses. */
function reserved(h: Host, ranges: HostRanges, edges: boolean, problems: InputProblem[]): void {
  const u = ranges.underlayCidr;
  const last = u.network + prefixSize(u) - 1;
  const role =
    h.ip === ranges.gateway
      ? "gateway"
      : edges && u.length < 31 && prefixContains(u, h.ip) && (h.ip === u.network || h.ip === last)
        ? h.ip === u.network
          ? "network address"
          : "broadcast address"
        : undefined;
  if (role)
    problems.push(
      problem(
        "address-conflict",
        h.at,
        `${h.what}: address ${formatIpv4(h.ip)} is the underlay ${u.text}'s ${role}; use a host address from ` +
          `${formatIpv4(u.network + 1)} to ${formatIpv4(last - 1)} other than the gateway`,
      ),
    );
}
