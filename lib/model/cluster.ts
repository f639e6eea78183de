// The cluster as plain data: what the control plane computed from the input, with no behaviour.
// Devices in lib/dataplane read it; nothing here knows how a packet moves.
import type { Ipv4, Prefix } from "./address.ts";
import type { Diagnostic } from "./diagnostic.ts";
import type { PodRef } from "./hop-at.ts";
import type { GatewayState } from "./gateway.ts";
import type { IngressState } from "./ingress.ts";
import type { Ipsets } from "./ipset.ts";
import type { IpvsMode, IpvsTable } from "./ipvs.ts";
import type { LocalAddresses, ModelledDevice } from "./node-interfaces.ts";
import type { Origin } from "./origin.ts";
import type { Ruleset } from "./ruleset.ts";

export type { Origin } from "./origin.ts";

export type Protocol = "TCP" | "UDP" | "SCTP";
export type InterfaceName = ModelledDevice;

export interface Cluster {
  readonly clusterCidr: Prefix;
  readonly serviceCidr: Prefix;
  readonly nodes: readonly Node[];
  readonly pods: readonly Pod[];
  readonly clients: readonly Client[];
  readonly underlay: Underlay;
  readonly overlay: Overlay;
  readonly services: readonly Service[];
  readonly endpointSlices: readonly EndpointSlice[];
  readonly kubeProxy: KubeProxyConfig;
  readonly loadBalancers: readonly LoadBalancer[];
  /** Names resolved outside the cluster (the Topology's zone; Ingress hosts point at their LB's VIP). */
  readonly dns: readonly DnsRecord[];
  /** Which Ingresses the ingress-nginx controller serves, and which it ignores and why. */
  readonly ingress: IngressState;
  /** The Gateway API objects with the status a conformant controller would give them (lib/gateway/attach.ts). */
  readonly gateways: GatewayState;
  /** Per node name: what the node really has, where dumps were given. */
  readonly nodeDumps: ReadonlyMap<string, NodeDump>;
  /** What the input said that the simulation does not take into account, or assumes (warnings, info). */
  readonly diagnostics: readonly Diagnostic[];
}

export interface Node {
  readonly name: string;
  /** Position in `Cluster.nodes`; the data plane's indexes are keyed by it. */
  readonly index: number;
  /** eth0's address on the underlay (status.addresses InternalIP). */
  readonly ip: Ipv4;
  readonly podCidr: Prefix;
  /** bridge0's address: the pods' default gateway, the podCIDR's first host address. */
  readonly bridgeIp: Ipv4;
  readonly labels: Readonly<Record<string, string>>;
  /** Ports a process on the node listens on (sshd, kubelet, ...). */
  readonly listeners: readonly Listener[];
  /** Routes the Topology adds to the derived table (tried before the derived routes of equal length). */
  readonly extraRoutes: readonly Route[];
  readonly wireguard: NodeWireGuard;
  readonly origin?: Origin;
}

/**
 * What the control plane derives for one node's network, once for every node
 * (lib/control/node-network.ts), and the data plane reads: its main routing table and its wg0.
 */
export interface NodeNetwork {
  /** `ip route`'s main table: the node dump's when given, else the Topology's routes then the derived ones. */
  readonly routes: readonly Route[];
  /** wg0's own address: the given one, else what the overlay style gives it (see OverlayStyle). */
  readonly wg0Address?: Ipv4;
  /** The AllowedIPs the other nodes' derived peer entries for this node hold (see OverlayStyle). */
  readonly allowedIps: readonly Prefix[];
  /** Its interfaces and local table: from its `ip addr` dump, else its modelled devices. */
  readonly addresses: LocalAddresses;
  /** Set when its kube-proxy runs in IPVS mode (from its dumps): IPVS, not iptables, DNATs Service traffic. */
  readonly ipvs?: IpvsMode;
}

export interface Listener {
  readonly port: number;
  readonly protocol: Protocol;
  readonly process: string;
}

export interface Route {
  readonly dst: Prefix;
  readonly dev: InterfaceName;
  readonly via?: Ipv4;
  readonly src?: Ipv4;
  /** `kernel` for connected routes, `boot`/`static` for the rest, as `ip route` prints them. */
  readonly proto: "kernel" | "static" | "boot";
  readonly scope: "link" | "host" | "global";
  /** Unreachable/blackhole routes drop instead of forwarding. */
  readonly type?: "unicast" | "blackhole" | "unreachable";
  /** Why the route exists: connected subnet, overlay, default gateway, Topology. */
  readonly why: string;
}

export interface NodeWireGuard {
  /** wg0's own address, when it has one (flannel gives it the podCIDR's network address /32). */
  readonly address?: Ipv4;
  readonly publicKey: string;
  /** Given explicitly in the Topology; undefined means "derived from the other nodes" (see Overlay). */
  readonly peers?: readonly WireGuardPeer[];
}

export interface WireGuardPeer {
  /** The remote node this peer entry stands for. */
  readonly node: string;
  readonly publicKey: string;
  readonly endpoint?: { readonly ip: Ipv4; readonly port: number };
  readonly allowedIps: readonly Prefix[];
}

/**
 * How AllowedIPs are derived when a node's peers are not given:
 * - `kilo`: a peer's AllowedIPs are its podCIDR and its node IP /32 (Kilo, full mesh granularity);
 * - `flannel`: a peer's AllowedIPs are its podCIDR only, and wg0 carries the podCIDR's network address.
 */
export type OverlayStyle = "kilo" | "flannel";

export interface Overlay {
  readonly interface: "wg0";
  readonly listenPort: number;
  readonly mtu: number;
  readonly style: OverlayStyle;
}

export interface Underlay {
  readonly cidr: Prefix;
  /** The router towards clients and the rest of the world; absent means nodes have no default route. */
  readonly gateway?: Ipv4;
  readonly mtu: number;
}

export interface Client {
  readonly name: string;
  readonly ip: Ipv4;
}

export interface ContainerPort {
  readonly name?: string;
  readonly containerPort: number;
  readonly protocol: Protocol;
}

/** A workload in the pod's namespace, by kind (Deployment, StatefulSet, ..., or any controller's kind). */
export interface WorkloadRef {
  readonly kind: string;
  readonly name: string;
}

export interface Pod {
  readonly namespace: string;
  readonly name: string;
  readonly node: string;
  readonly ip: Ipv4;
  readonly labels: Readonly<Record<string, string>>;
  /** Declared container ports; a pod with none is assumed to listen wherever it is asked (with a warning). */
  readonly ports: readonly ContainerPort[];
  /** The containers' images, where given: a backend answers as its image does (the Gateway API's echo server). */
  readonly images?: readonly string[];
  readonly ready: boolean;
  readonly terminating: boolean;
  readonly hostNetwork: boolean;
  /** The workload that made this pod, e.g. `{kind: "Deployment", name: "web"}`. */
  readonly owner?: WorkloadRef;
  /** Host end of the pod's veth pair, a stable name derived from the pod (CNI names it vethXXXXXXXX). */
  readonly veth: string;
  readonly origin?: Origin;
}

export type TrafficPolicy = "Cluster" | "Local";

export interface ServicePort {
  readonly name: string;
  readonly protocol: Protocol;
  readonly port: number;
  /** As written: a number or the name of a container port. */
  readonly targetPort: number | string;
  readonly nodePort?: number;
  /** Why kube-proxy has no usable endpoint for this port; absent when it has one. */
  readonly noEndpoints?: NoEndpointsCause;
}

/**
 * Why a Service port has no ready endpoint, as the EndpointSlice controllers would leave it: what
 * validate reports and a NO_ENDPOINTS trace names.
 */
export type NoEndpointsCause =
  /** A selector, and no pod in the namespace carries its labels (or none is scheduled). */
  | { readonly kind: "selector-matches-no-pod"; readonly selector: Readonly<Record<string, string>> }
  /** The selected pods declare no container port of the targetPort's name and protocol. */
  | { readonly kind: "target-port-unresolved"; readonly targetPort: string; readonly pods: number }
  /** The selected pods exist, none ready. */
  | { readonly kind: "pods-not-ready"; readonly pods: number }
  /** No selector, and no Endpoints or EndpointSlice for the Service in the input. */
  | { readonly kind: "no-endpoints-given" }
  /** The given Endpoints or EndpointSlices name no port of this name and protocol. */
  | { readonly kind: "given-endpoints-lack-port" }
  /** The given Endpoints or EndpointSlices list addresses for the port, none ready. */
  | { readonly kind: "given-endpoints-not-ready"; readonly endpoints: number };

export interface Service {
  readonly namespace: string;
  readonly name: string;
  readonly type: "ClusterIP" | "NodePort" | "LoadBalancer" | "ExternalName";
  /** Empty for headless and ExternalName Services. */
  readonly clusterIPs: readonly Ipv4[];
  readonly headless: boolean;
  readonly ports: readonly ServicePort[];
  readonly selector?: Readonly<Record<string, string>>;
  readonly externalIPs: readonly Ipv4[];
  /** From status.loadBalancer.ingress[].ip. */
  readonly loadBalancerIngress: readonly Ipv4[];
  readonly loadBalancerSourceRanges: readonly Prefix[];
  readonly externalTrafficPolicy: TrafficPolicy;
  readonly internalTrafficPolicy: TrafficPolicy;
  readonly sessionAffinity: "None" | "ClientIP";
  readonly sessionAffinityTimeoutSeconds: number;
  readonly healthCheckNodePort?: number;
  readonly annotations: Readonly<Record<string, string>>;
  /** The `service.kubernetes.io/service-proxy-name` label: another proxy handles it, kube-proxy skips it. */
  readonly proxyName?: string;
  readonly origin?: Origin;
}

export interface EndpointPort {
  readonly name: string;
  readonly port: number;
  readonly protocol: Protocol;
}

export interface Endpoint {
  readonly ip: Ipv4;
  readonly ready: boolean;
  readonly serving: boolean;
  readonly terminating: boolean;
  readonly nodeName?: string;
  /** The pod behind the endpoint (its targetRef), when known. */
  readonly pod?: PodRef;
}

export interface EndpointSlice {
  readonly namespace: string;
  readonly name: string;
  readonly serviceName: string;
  readonly ports: readonly EndpointPort[];
  readonly endpoints: readonly Endpoint[];
  /** True when kubehop derived it from a selector, false when the input gave it. */
  readonly derived: boolean;
}

/**
 * kube-proxy's proxy mode: which rules it writes on each node. Modes kubehop has no rules for (Windows'
 * kernelspace) are read as iptables, with a kube-proxy-mode warning.
 */
export type KubeProxyMode = "iptables" | "nftables" | "ipvs";

/** kube-proxy's settings (KubeProxyConfiguration, kubeproxy.config.k8s.io/v1alpha1), defaults applied. */
export interface KubeProxyConfig {
  readonly mode: KubeProxyMode;
  readonly clusterCidr?: Prefix;
  readonly detectLocalMode: "ClusterCIDR" | "NodeCIDR" | "BridgeInterface" | "InterfaceNamePrefix";
  readonly masqueradeAll: boolean;
  readonly masqueradeBit: number;
  readonly nodePortAddresses: readonly string[];
  readonly localhostNodePorts: boolean;
}

/** An external load balancer: a VIP in front of the nodes, for one LoadBalancer Service. */
export interface LoadBalancer {
  readonly name: string;
  readonly vip: Ipv4;
  /** The LB's own underlay address, the source NodePort-mode traffic gets when the client IP is not kept. */
  readonly address: Ipv4;
  /** nodeport: to nodeIP:nodePort; passthrough: the packet keeps the VIP and meets kube-proxy's LB-IP rule. */
  readonly mode: "nodeport" | "passthrough";
  readonly algorithm: "round-robin" | "random" | "source-hash";
  readonly preserveClientIp: boolean;
  readonly service: { readonly namespace: string; readonly name: string };
}

export interface DnsRecord {
  /** A host name, or `*.domain` for one label under it. */
  readonly name: string;
  readonly ip: Ipv4;
  /** Why the record exists: the Topology's zone, or the Ingress that made it. */
  readonly source: string;
}

/**
 * What a node really has, from dumps collected on it (`kubehop collect`); each part, when present,
 * replaces what kubehop would derive for that node, so a trace follows the node as it is.
 */
export interface NodeDump {
  readonly node: string;
  /** `iptables-save` output (any tables), parsed once when the dump is read. */
  readonly iptablesSave?: Ruleset;
  /**
   * `nft list ruleset` text, read by the nft engine when the data plane is built (its reader reports
   * what it cannot read rather than refusing): the node's whole ruleset, iptables-nft's tables included.
   */
  readonly nftRuleset?: { readonly text: string; readonly file: string };
  /** `ipvsadm-save -n` (or `ipvsadm -Ln`): kube-proxy's IPVS virtual services and their real servers. */
  readonly ipvs?: IpvsTable;
  /**
   * `ip route` (main table), parsed; with `show table all` (or `table local`), `local` holds the local
   * table's local routes: the addresses and prefixes the node takes as its own (addrtype LOCAL).
   */
  readonly routes?: { readonly routes: readonly Route[]; readonly local?: readonly Prefix[]; readonly file: string };
  /** `ip -o addr`: the node's own IPv4 addresses per interface. */
  readonly addresses?: {
    readonly addresses: readonly { readonly dev: string; readonly ip: Ipv4; readonly prefix: Prefix }[];
    readonly file: string;
  };
  /** `ipset save` or `ipset list`: the sets `-m set --match-set` tests. */
  readonly ipsets?: Ipsets;
  /** `wg show all dump` (or `wg show`): wg0's peers as configured on the node. */
  readonly wireguard?: {
    readonly peers: readonly WireGuardPeer[];
    readonly listenPort?: number;
    readonly file: string;
  };
}
