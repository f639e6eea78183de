// The model with the indexes the devices need, built once per cluster: who owns an address, each
// node's routes and wg0 (as the control plane derived them), its WireGuard peers and its netfilter
// ruleset.
import type { Ipv4 } from "../model/address.ts";
import type { Client, Cluster, Listener, LoadBalancer, Node, NodeNetwork, Pod, Route } from "../model/cluster.ts";
import type { Diagnostic } from "../model/diagnostic.ts";
import type { Netfilter } from "../netfilter/hooks.ts";
import type { IpvsMode } from "../model/ipvs.ts";
import type { LocalAddresses } from "../model/node-interfaces.ts";
import { localTest, selectSource } from "./addresses.ts";
import { lookupRoute } from "./routing.ts";
import { WireGuardPeers } from "./wireguard-peers.ts";

/** Supplies a node's ruleset (kube-proxy's, or a node dump's); none means every hook accepts. */
export type NetfilterProvider = (node: Node) => Netfilter | undefined;

export class Network {
  readonly podsByIp = new Map<Ipv4, Pod>();
  readonly podsByKey = new Map<string, Pod>();
  readonly nodesByName = new Map<string, Node>();
  readonly nodesByIp = new Map<Ipv4, Node>();
  readonly clientsByIp = new Map<Ipv4, Client>();
  readonly clientsByName = new Map<string, Client>();
  readonly lbsByVip = new Map<Ipv4, LoadBalancer>();
  readonly lbsByAddress = new Map<Ipv4, LoadBalancer>();
  readonly lbsByName = new Map<string, LoadBalancer>();
  /** hostNetwork pods by node: their ports are the node's ports. */
  readonly hostPodsByNode = new Map<string, Pod[]>();
  readonly peers: WireGuardPeers;
  private readonly listening = new Map<Node | Pod, readonly Listener[] | null>();
  private readonly rulesets = new Map<Node, Netfilter | undefined>();
  private readonly localTests = new Map<Node, (ip: Ipv4) => boolean>();

  /**
   * @param nodeNetworks each node's routes and wg0 by `Node.index`, as the control plane derived
   *   them (lib/control/node-network.ts)
   */
  constructor(
    readonly cluster: Cluster,
    private readonly nodeNetworks: readonly NodeNetwork[],
    private readonly netfilterOf: NetfilterProvider = () => undefined,
  ) {
    for (const n of cluster.nodes) {
      this.nodesByName.set(n.name, n);
      this.nodesByIp.set(n.ip, n);
    }
    for (const p of cluster.pods) {
      this.podsByKey.set(`${p.namespace}/${p.name}`, p);
      if (!p.hostNetwork) this.podsByIp.set(p.ip, p);
      else this.hostPodsByNode.set(p.node, [...(this.hostPodsByNode.get(p.node) ?? []), p]);
    }
    for (const c of cluster.clients) {
      this.clientsByIp.set(c.ip, c);
      this.clientsByName.set(c.name, c);
    }
    for (const lb of cluster.loadBalancers) {
      this.lbsByVip.set(lb.vip, lb);
      this.lbsByAddress.set(lb.address, lb);
      this.lbsByName.set(lb.name, lb);
    }
    this.peers = new WireGuardPeers(cluster, nodeNetworks);
  }

  node(name: string): Node {
    const n = this.nodesByName.get(name);
    if (!n) throw new Error(`internal: unknown node ${name}`);
    return n;
  }

  /** What listens in a pod: its declared container ports, or null (none declared: assumed listening). */
  podListeners(pod: Pod): readonly Listener[] | null {
    let l = this.listening.get(pod);
    if (l === undefined) {
      l =
        pod.ports.length > 0
          ? pod.ports.map((p) => ({ port: p.containerPort, protocol: p.protocol, process: p.name ?? "container" }))
          : null;
      this.listening.set(pod, l);
    }
    return l;
  }

  /** What listens on a node: its own processes and its hostNetwork pods' ports. */
  nodeListeners(node: Node): readonly Listener[] {
    let l = this.listening.get(node);
    if (!l) {
      const hostPods = this.hostPodsByNode.get(node.name) ?? [];
      l = [
        ...node.listeners,
        ...hostPods.flatMap((x) =>
          x.ports.map((port) => ({
            port: port.containerPort,
            protocol: port.protocol,
            process: `pod ${x.namespace}/${x.name}`,
          })),
        ),
      ];
      this.listening.set(node, l);
    }
    return l;
  }

  /** The node's main table: from its `ip route` dump when given, else derived. */
  routeTable(node: Node): readonly Route[] {
    return this.nodeNetwork(node).routes;
  }

  private nodeNetwork(node: Node): NodeNetwork {
    const n = this.nodeNetworks[node.index];
    if (!n) throw new Error(`internal: no derived network for node ${node.name}`);
    return n;
  }

  netfilter(node: Node): Netfilter | undefined {
    if (!this.rulesets.has(node)) this.rulesets.set(node, this.netfilterOf(node));
    return this.rulesets.get(node);
  }

  /** How many nodes' rulesets have been built so far (each is built on first use). */
  builtRulesets(): number {
    return this.rulesets.size;
  }

  /** Rules the netfilter engine could not interpret, on the nodes used so far (never silently skipped). */
  netfilterDiagnostics(): Diagnostic[] {
    return [...this.rulesets].flatMap(([node, nf]) =>
      nf ? [...nf.diagnostics, ...this.nodeNetwork(node).addresses.assumed] : [],
    );
  }

  /** Is this one of the node's own addresses: in its local table (127.0.0.0/8, every interface address)? */
  isLocal(node: Node, ip: Ipv4): boolean {
    let test = this.localTests.get(node);
    if (!test) this.localTests.set(node, (test = localTest(this.nodeNetwork(node).addresses.local)));
    return test(ip);
  }

  /** Its kube-proxy's IPVS mode, when its dumps show it. */
  ipvs(node: Node): IpvsMode | undefined {
    return this.nodeNetwork(node).ipvs;
  }

  /** The node's interfaces and local table, as the control plane derived them. */
  addresses(node: Node): LocalAddresses {
    return this.nodeNetwork(node).addresses;
  }

  /** The source address the kernel picks for a process on `node` sending to `dst`: the route's src. */
  sourceAddress(node: Node, dst: Ipv4): Ipv4 | undefined {
    const r = lookupRoute(this.routeTable(node), dst);
    return r ? (r.src ?? this.interfaceAddress(node, r.dev, r.via ?? dst)) : undefined;
  }

  /** The source the kernel picks for a packet leaving by `dev` towards `nextHop` (what MASQUERADE writes). */
  interfaceAddress(node: Node, dev: string, nextHop: Ipv4): Ipv4 | undefined {
    const { interfaces } = this.nodeNetwork(node).addresses;
    return selectSource(interfaces, interfaces.find((i) => i.model === dev)?.name ?? dev, nextHop);
  }
}
