// The typed facts of a trace: what decided each step (StepDetail) and each leg's end (EndDetail).
// Devices record these; the English reason is rendered from them in lib/output/reason.ts alone, and
// whatever asks a question of a trace reads these fields, never the reason. Addresses are dotted
// quads, as the JSON prints them.
import type { NoEndpointsCause } from "./cluster.ts";
import type { PodRef } from "./hop-at.ts";

/** An address with its port; no port for ICMP. */
export interface Endpoint {
  readonly ip: string;
  readonly port?: number;
}

/** Who answers at a socket. */
export type Receiver =
  | { readonly kind: "pod"; readonly namespace: string; readonly name: string }
  | { readonly kind: "node"; readonly name: string }
  | { readonly kind: "client"; readonly name: string };

/** A routing table entry, as the model holds it. */
export interface RouteFact {
  /** `default`, `10.244.0.0/16`, or a host address. */
  readonly prefix: string;
  readonly via?: string;
  readonly dev: string;
  readonly type: "unicast" | "blackhole" | "unreachable";
  /** Why the route exists (the model's Route.why): connected subnet, overlay, default gateway, Topology. */
  readonly origin: string;
}

/** An IPVS virtual service: protocol, address and port. */
export interface IpvsServiceFact {
  readonly proto: string;
  readonly ip: string;
  readonly port: number;
}

/** A WireGuard peer entry that matched. */
export interface PeerFact {
  readonly node: string;
  readonly publicKey: string;
  readonly allowedIp: string;
  readonly endpoint?: Endpoint;
}

export type HookName = "PREROUTING" | "INPUT" | "FORWARD" | "OUTPUT" | "POSTROUTING";

/** An nftables rule that acted: its table, the rule as listed, and the verdict-map element that led there. */
export interface NftRuleFact {
  readonly family: string;
  readonly table: string;
  /** The rule as `nft list ruleset` prints it. */
  readonly rule: string;
  /** The last verdict-map element on the way to the rule (or the rule's own), as listed. */
  readonly element?: { readonly map: string; readonly text: string };
}

/** Which of the netfilter engine's rule targets acted. */
export type NetfilterTarget =
  | "accept"
  | "drop"
  | "reject"
  | "dnat"
  | "snat"
  | "masquerade"
  | "mark"
  | "affinity"
  | "notrack";

export type ArpDetail = {
  readonly kind: "arp";
  /** eth0 of a pod, bridge0 of a node, the underlay segment, or the underlay's gateway router. */
  readonly segment: "eth0" | "bridge0" | "underlay" | "router";
  readonly target: string;
  readonly answered: boolean;
  readonly node?: string;
  readonly router?: string;
};

export type StepDetail =
  | ArpDetail
  | { readonly kind: "to-host"; readonly node: string; readonly gateway: string }
  | {
      readonly kind: "fdb";
      readonly node: string;
      /** The address whose MAC the frame is for. */
      readonly target: string;
      readonly port: string;
      readonly pod: PodRef;
      readonly hairpin: boolean;
    }
  | {
      readonly kind: "un-nat";
      /** Whose conntrack: a node's IP stack, a node's bridge (br_netfilter), or a load balancer. */
      readonly tracker: "node" | "br_netfilter" | "lb";
      readonly name: string;
      readonly from: { readonly src: Endpoint; readonly dst: Endpoint };
      readonly to: { readonly src: Endpoint; readonly dst: Endpoint };
    }
  | { readonly kind: "receive"; readonly ip: string; readonly iface?: "eth0" }
  | { readonly kind: "uplink"; readonly gateway?: string }
  | { readonly kind: "local"; readonly node: string; readonly address: string; readonly iface: string }
  | { readonly kind: "loopback"; readonly pod: PodRef; readonly address: string }
  | { readonly kind: "route"; readonly node: string; readonly destination: string; readonly route?: RouteFact }
  | {
      readonly kind: "pod-route";
      readonly pod: PodRef;
      readonly destination: string;
      /** On the pod's own subnet (straight to it) or off it (to the gateway). */
      readonly onLink: boolean;
      readonly nextHop: string;
    }
  | { readonly kind: "to-wireguard"; readonly node: string; readonly port: number }
  | {
      readonly kind: "ipvs";
      readonly node: string;
      readonly service: IpvsServiceFact;
      /** rr, wrr, lc, wlc, sh, ... as ipvsadm names it. */
      readonly scheduler: string;
      readonly real: Endpoint;
      readonly weight: number;
      /** The weights of the real servers that take new connections, added up. */
      readonly totalWeight: number;
      /** Persistence (kube-proxy's ClientIP affinity), in seconds. */
      readonly persistent?: number;
    }
  | {
      readonly kind: "netfilter";
      readonly hook: HookName;
      readonly target: NetfilterTarget;
      readonly table: string;
      readonly chain: string;
      /** 1-based, as `iptables -L --line-numbers` counts. */
      readonly index: number;
      /** The chains walked to the rule, from the hook: `PREROUTING > KUBE-SERVICES > KUBE-SVC-...`. */
      readonly path: readonly string[];
      /** The engine's words for what the target did (`DNAT to 10.244.2.5:8080`). */
      readonly effect: string;
      /** For DNAT, SNAT and MASQUERADE: the address rewritten, before and after. */
      readonly nat?: { readonly field: "src" | "dst"; readonly from: Endpoint; readonly to: Endpoint };
      /** Set when the rule is an nftables rule. */
      readonly nft?: NftRuleFact;
    }
  | {
      readonly kind: "hook-pass";
      readonly hook: HookName;
      readonly walked: readonly string[];
      readonly verdict: string;
    }
  | {
      readonly kind: "health-check";
      readonly lb: string;
      readonly node: string;
      readonly externalTrafficPolicy: string;
      /** Absent when every node is in rotation (no health check node port asked). */
      readonly check?: { readonly url: string; readonly status: 200 | 503; readonly localEndpoints: number };
    }
  | { readonly kind: "lb-no-healthy"; readonly lb: string }
  | {
      readonly kind: "lb-no-listener";
      readonly lb: string;
      readonly port: number;
      readonly proto: string;
      readonly listeners: readonly { readonly port: number; readonly protocol: string }[];
    }
  | { readonly kind: "lb-untracked"; readonly lb: string }
  | {
      readonly kind: "lb-pick";
      readonly lb: string;
      readonly algorithm: string;
      readonly node: string;
      /** 1-based among the healthy nodes; absent for source-hash, which picks one. */
      readonly index?: number;
      readonly of?: number;
      /** The address source-hash hashed. */
      readonly source?: string;
      readonly listener: Endpoint;
      /** Absent in pass-through: the packet keeps the VIP. */
      readonly nodePort?: Endpoint;
      readonly clientIpKept: boolean;
      readonly lbAddress: string;
      readonly service: string;
    }
  | { readonly kind: "lb-return"; readonly lb: string; readonly to: string; readonly gateway?: string }
  | {
      readonly kind: "mtu";
      readonly node: string;
      readonly iface: "eth0" | "wg0";
      readonly mtu: number;
      readonly size: number;
      readonly df: boolean;
      /** When fragmented: how many fragments, and whether the packet is a WireGuard outer packet. */
      readonly fragments?: number;
      readonly tunnel?: boolean;
    }
  | { readonly kind: "icmp-frag-needed"; readonly node: string; readonly mtu: number }
  | { readonly kind: "icmp-host-unreachable"; readonly to: string }
  | { readonly kind: "veth"; readonly node: string; readonly veth: string; readonly towards: "bridge" | "pod" }
  | { readonly kind: "nic-transmit"; readonly node: string; readonly nextHop: string }
  | { readonly kind: "not-for-pod"; readonly pod: PodRef; readonly destination: string; readonly podIp: string }
  | { readonly kind: "icmp-echo"; readonly receiver: Receiver; readonly socket: Endpoint; readonly peer: Endpoint }
  | {
      readonly kind: "refused";
      readonly receiver: Receiver;
      readonly socket: Endpoint;
      readonly proto: string;
      /** What does listen there. */
      readonly open: readonly { readonly port: number; readonly protocol: string }[];
    }
  | {
      readonly kind: "socket";
      readonly receiver: Receiver;
      /** The local address and port of the socket the packet reached, after every DNAT. */
      readonly socket: Endpoint;
      /** The remote end as the receiver sees it: the source address, after every SNAT. */
      readonly peer: Endpoint;
      readonly proto: string;
      /** The process that listens, when declared; absent when the receiver declared no ports. */
      readonly process?: string;
    }
  | { readonly kind: "reply-match"; readonly receiver: Receiver; readonly sentTo: Endpoint; readonly peer: Endpoint }
  | {
      readonly kind: "reply-mismatch";
      readonly receiver: Receiver;
      readonly sentTo: Endpoint;
      readonly from: Endpoint;
      readonly to: string;
    }
  | {
      readonly kind: "app-answer";
      readonly receiver: Receiver;
      /** 200 for a pod kubehop does not run; the conformance echo server answers as its handler does. */
      readonly status: number;
      readonly method: string;
      readonly host: string;
      readonly path: string;
      readonly peer: Endpoint;
      /** Set when the pod runs the Gateway API conformance echo server: the handler that answered. */
      readonly echo?: EchoHandler;
      /** The answer's Location (the echo server's 301 to a subtree's slash). */
      readonly location?: string;
    }
  | {
      readonly kind: "accept-connection";
      readonly controller: PodRef;
      /** Set when the proxy serves a Gateway (`namespace/name`), not ingress-nginx. */
      readonly gateway?: string;
      /** The controller's socket, and the client address nginx sees as remote_addr. */
      readonly socket: Endpoint;
      readonly peer: Endpoint;
    }
  | {
      readonly kind: "tls";
      readonly controller: PodRef;
      readonly gateway?: string;
      /** At a Gateway: the listener whose certificate is presented. */
      readonly listener?: string;
      readonly sni: string;
      /** The Secret whose certificate is presented; absent: the controller's fake default certificate. */
      readonly secret?: string;
      /** Why that certificate (the controller's lookup), absent when no Ingress has TLS for the name. */
      readonly basis?: string;
      readonly insecure: boolean;
      readonly trusted: boolean;
    }
  | {
      readonly kind: "http-route";
      /** The nginx server that answered (`_` is the catch-all). */
      readonly server: string;
      readonly outcome: "backend" | "redirect" | "default-backend";
      readonly ingress?: string;
      readonly host?: string;
      readonly path?: string;
      readonly pathType?: string;
      readonly backend?: { readonly service: string; readonly port: number | string };
      readonly redirect?: { readonly status: number; readonly location: string; readonly by: RedirectCause };
      /** The router's explanation of the match, and of each candidate that lost. */
      readonly explanation: string;
      readonly considered: readonly string[];
    }
  | GatewayRouteDetail
  | GatewayAnswerDetail
  | {
      /** The ingress controller's nginx takes a TLS ClientHello on a plain-HTTP port: no handshake. */
      readonly kind: "tls-refused";
      readonly controller: PodRef;
      readonly port: number;
      readonly sni: string;
    }
  | {
      readonly kind: "controller-answer";
      readonly controller: PodRef;
      readonly status: number;
      readonly cause:
        | "redirect"
        | "default-backend"
        | "no-service"
        | "no-port"
        | "no-cluster-ip"
        | "no-ready-endpoint"
        | "body-too-large"
        | "source-denied"
        | "location-denied"
        | "auth-denied"
        | "auth-error"
        | "plain-http-to-tls-port";
      readonly location?: string;
      /** location-denied: why the controller denies the location; auth-error: why the subrequest failed. */
      readonly why?: string;
      /** `namespace/name` of the backend Service. */
      readonly service?: string;
      readonly port?: number | string;
    }
  | {
      readonly kind: "proxy";
      readonly controller: PodRef;
      readonly gateway?: string;
      readonly controllerIp: string;
      readonly upstream: Endpoint;
      /**
       * service-upstream: to the ClusterIP; endpoint: one endpoint of the nginx upstream;
       * custom-default-backend: one endpoint of the default-backend annotation's Service, the backend having none.
       */
      readonly via: "service-upstream" | "endpoint" | "custom-default-backend";
      readonly upstreamName?: string;
      readonly index?: number;
      readonly of?: number;
      /** backend-protocol, when not HTTP: how nginx speaks to the upstream. */
      readonly protocol?: "HTTPS" | "GRPC" | "GRPCS" | "AUTO_HTTP" | "FCGI";
      /** The affinity that pins later requests to the endpoint picked (affinity: cookie, upstream-hash-by). */
      readonly affinity?:
        | { readonly by: "cookie"; readonly cookie: string }
        | { readonly by: "hash"; readonly key: string };
    }
  | {
      readonly kind: "body-size";
      readonly controller: PodRef;
      /** The request's Content-Length and client_max_body_size, in bytes. */
      readonly size: number;
      readonly limit: number;
      readonly limitText: string;
      readonly from: "annotation" | "configmap" | "default";
      /** `namespace/name` of the controller's ConfigMap, when the limit is its proxy-body-size. */
      readonly configMap?: string;
      readonly ingress?: string;
    }
  | {
      readonly kind: "source-range";
      readonly controller: PodRef;
      /** remote_addr: the source of the connection nginx accepted, after any SNAT on the way. */
      readonly clientIp: string;
      /** X-Forwarded-For's first address, which use-forwarded-headers makes remote_addr. */
      readonly clientIpFrom?: "x-forwarded-for";
      readonly annotation: string;
      readonly ranges: readonly string[];
      /** `namespace/name` of the controller's ConfigMap, when the ranges are its key (no annotation). */
      readonly configMap?: string;
      readonly matched?: string;
      readonly ingress: string;
    }
  | {
      readonly kind: "auth-request";
      readonly controller: PodRef;
      readonly ingress: string;
      readonly url: string;
      /** The auth-url's host as a Service of the cluster, and the address nginx sends the subrequest to. */
      readonly service?: string;
      readonly upstream?: Endpoint;
      readonly readyEndpoints?: number;
      readonly verdict: "allowed" | "denied" | "error";
      /** given: --auth-verdict; unknown: the trace splits; no-service / no-endpoint: the subrequest fails. */
      readonly basis: "given" | "unknown" | "no-service" | "no-port" | "no-endpoint";
    }
  | {
      readonly kind: "canary";
      readonly controller: PodRef;
      /** The canary Ingress, and the two Services the request may go to. */
      readonly ingress: string;
      readonly primary: string;
      readonly canary: string;
      readonly by: "header" | "cookie" | "weight";
      readonly header?: string;
      readonly cookie?: string;
      /** The request's header or cookie value that decided. */
      readonly value?: string;
      readonly weight?: number;
      readonly weightTotal?: number;
    }
  | { readonly kind: "wg-peer"; readonly node: string; readonly destination: string; readonly peer: PeerFact }
  | { readonly kind: "wg-no-peer"; readonly node: string; readonly destination: string; readonly peer?: PeerFact }
  | {
      readonly kind: "encapsulation";
      readonly node: string;
      readonly outer: { readonly src: Endpoint; readonly dst: Endpoint };
      readonly overhead: number;
      readonly padding: number;
    }
  | { readonly kind: "wg-unknown-peer"; readonly node: string; readonly source: string }
  | { readonly kind: "decapsulation"; readonly node: string; readonly from: Endpoint }
  | {
      readonly kind: "wg-authenticated";
      readonly node: string;
      readonly peer: string;
      readonly publicKey: string;
      readonly allowedIps: readonly string[];
    }
  | {
      readonly kind: "wg-source";
      readonly node: string;
      readonly peer: string;
      readonly source: string;
      readonly allowedIps: readonly string[];
      /** The AllowedIPs entry that matched; absent when the source is not allowed. */
      readonly match?: string;
      /** The node whose AllowedIPs hold the source instead, when another does. */
      readonly owner?: string;
    }
  | {
      readonly kind: "switched";
      readonly target: string;
      readonly to: { readonly kind: "lb" | "node"; readonly name: string };
    }
  | {
      readonly kind: "router";
      readonly gateway: string;
      readonly destination: string;
      readonly decision: "lb-vip" | "lb-return" | "client" | "connected" | "not-routed" | "internet";
      /** The load balancer, client or node the router sends to; the connected prefix. */
      readonly to?: string;
      readonly prefix?: string;
    }
  | { readonly kind: "loop"; readonly location: string };

/** What a Gateway's router decided (lib/gateway/router.ts GatewayOutcome), and a forward with no endpoint. */
export type GatewayOutcomeFact =
  | "forwarded"
  | "redirected"
  | "cors-preflight"
  | "no-gateway"
  | "no-listener-port"
  | "tls-no-listener"
  | "no-listener"
  | "misdirected"
  | "no-route"
  | "no-backend"
  | "InvalidKind"
  | "RefNotPermitted"
  | "BackendNotFound";

/** The Gateway's routing decision: listener, route, rule and, for a forward, the backendRef and its weight. */
export interface GatewayRouteDetail {
  readonly kind: "gateway-route";
  readonly proxy: PodRef;
  /** `namespace/name` */
  readonly gateway: string;
  readonly listener?: string;
  readonly route?: { readonly kind: "HTTPRoute" | "GRPCRoute"; readonly namespace: string; readonly name: string };
  readonly rule?: { readonly index: number; readonly name?: string };
  readonly outcome: GatewayOutcomeFact;
  readonly backend?: { readonly namespace: string; readonly service: string; readonly port: number };
  /** The backendRef's weight among the rule's backendRefs of non-zero weight. */
  readonly weight?: { readonly weight: number; readonly total: number };
  /** Filters the rule names that kubehop does not apply. */
  readonly notModelled: readonly string[];
}

/** The Gateway's proxy answers itself (a redirect, 404, 421, 500, 503), or ends the TLS handshake. */
export interface GatewayAnswerDetail {
  readonly kind: "gateway-answer";
  readonly proxy: PodRef;
  readonly gateway: string;
  /** Absent when no HTTP exchange happened (the TLS handshake failed). */
  readonly status?: number;
  /** plain-http-to-tls-port: nginx's 400 "The plain HTTP request was sent to HTTPS port". */
  readonly cause: GatewayOutcomeFact | "no-ready-endpoint" | "plain-http-to-tls-port";
  readonly location?: string;
  /** Why, where the input caused it (a backendRef that does not resolve). */
  readonly message?: string;
  /** The TLS server name, when no listener takes it. */
  readonly sni?: string;
  /** `namespace/name` of the backend Service without a ready endpoint. */
  readonly service?: string;
}

/** What made the controller answer with a redirect. */
export type RedirectCause =
  | "trailing-slash"
  | "app-root"
  | "permanent-redirect"
  | "temporal-redirect"
  | "ssl-redirect"
  | "force-ssl-redirect";

export type StepDetailKind = StepDetail["kind"];

/** Which handler of the conformance echo server (echo-basic.go's mux) answered. */
export type EchoHandler = "echo" | "health" | "status" | "retry" | "websocket" | "subtree-redirect";

/**
 * Why the echo server's answer is not decided by the request alone: it closes the connection (a
 * /status/ code under 100, which Go's WriteHeader refuses) or answers a code above 599, and the
 * proxy in front answers as its implementation does; /retry/ fails or echoes by how many earlier
 * requests carried the uuid; a WebSocket upgrade is not modelled.
 */
export type EchoUndecided = "connection-closed" | "status-over-599" | "retry-attempts" | "websocket";

/** What decided a leg's disposition. */
export type EndDetail =
  | Extract<
      StepDetail,
      {
        kind:
          | "wg-no-peer"
          | "wg-unknown-peer"
          | "wg-source"
          | "reply-mismatch"
          | "lb-untracked"
          | "lb-no-listener"
          | "lb-no-healthy"
          | "not-for-pod"
          | "controller-answer"
          | "gateway-answer"
          | "tls-refused"
          | "loop";
      }
    >
  | {
      readonly kind: "neighbor-unreachable";
      readonly segment: "bridge0" | "underlay";
      readonly node?: string;
      readonly address: string;
    }
  | { readonly kind: "no-gateway" }
  | { readonly kind: "no-route"; readonly node: string; readonly destination: string }
  | { readonly kind: "not-routed"; readonly router: string; readonly destination: string }
  | { readonly kind: "blackhole"; readonly node: string }
  | {
      readonly kind: "ipvs-unknown";
      readonly node: string;
      readonly destination: Endpoint;
      /** What says the node is in kube-proxy's IPVS mode. */
      readonly evidence: string;
    }
  | { readonly kind: "ipvs-no-server"; readonly node: string; readonly service: IpvsServiceFact }
  | {
      readonly kind: "verdict";
      readonly hook: HookName;
      readonly verdict: "DROP" | "REJECT";
      readonly rejectWith?: string;
      /** The rule that decided; absent: the chain's policy. */
      readonly rule?: { readonly table: string; readonly chain: string; readonly index: number };
      /** Set when the rule is an nftables rule. */
      readonly nft?: NftRuleFact;
      /** kube-proxy's REJECT of a Service port without endpoints: which port, and why it has none. */
      readonly noEndpoints?: { readonly service: string; readonly port: string; readonly cause: NoEndpointsCause };
    }
  | { readonly kind: "ttl-expired"; readonly node: string }
  | { readonly kind: "outside"; readonly destination: string }
  | {
      readonly kind: "mtu-exceeded";
      readonly node: string;
      readonly iface: "eth0" | "wg0";
      readonly size: number;
      readonly mtu: number;
    }
  | { readonly kind: "delivered"; readonly receiver: Receiver; readonly port?: number; readonly proto?: string }
  | { readonly kind: "refused"; readonly receiver: Receiver; readonly socket: Endpoint }
  | { readonly kind: "reply-delivered"; readonly receiver: Receiver }
  | { readonly kind: "http-answer"; readonly receiver: Receiver; readonly status: number }
  | {
      readonly kind: "echo-undecided";
      readonly receiver: Receiver;
      readonly handler: EchoHandler;
      readonly cause: EchoUndecided;
    }
  | { readonly kind: "tls-untrusted"; readonly controller: PodRef; readonly sni: string }
  /** HTTP to a port of the controller's pod where nginx serves no Ingress (neither --http-port nor --https-port). */
  | {
      readonly kind: "controller-other-port";
      readonly controller: PodRef;
      readonly port: number;
      readonly httpPort: number;
      readonly httpsPort: number;
    };

export type EndDetailKind = EndDetail["kind"];
