// The published shape of a trace's typed facts (schemas/trace.schema.json): a hop's `at`, a step's
// `detail` and a leg's end `detail`, each a union discriminated on `kind`. Mirrors
// lib/model/hop-at.ts and lib/model/step-detail.ts; the assertions at the bottom fail to compile if
// they drift apart.
import { z } from "zod";
import type { HopAt } from "../model/hop-at.ts";
import type { EndDetail, StepDetail } from "../model/step-detail.ts";

const str = z.string();
const int = z.number().int();
const list = <T extends z.ZodType>(t: T) => z.array(t).readonly();
const fact = <K extends string, S extends z.ZodRawShape>(kind: K, shape: S, description: string) =>
  z.strictObject({ kind: z.literal(kind), ...shape }).meta({ description });

const PodRefSchema = z.strictObject({ namespace: str, name: str });
const EndpointSchema = z
  .strictObject({ ip: str, port: int.optional() })
  .meta({ description: "address, with a port but for ICMP" });
const FlowSchema = z.strictObject({ src: EndpointSchema, dst: EndpointSchema });
const ReceiverSchema = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("pod"), namespace: str, name: str }),
  z.strictObject({ kind: z.literal("node"), name: str }),
  z.strictObject({ kind: z.literal("client"), name: str }),
]);
const PortSchema = z.strictObject({ port: int, protocol: str });
const EchoHandlerSchema = z
  .enum(["echo", "health", "status", "retry", "websocket", "subtree-redirect"])
  .meta({ description: "the conformance echo server's handler (echo-basic.go's mux) that answered" });
const NftRuleSchema = z
  .strictObject({
    family: str,
    table: str,
    rule: str.meta({ description: "the rule as nft list ruleset prints it" }),
    element: z
      .strictObject({ map: str, text: str })
      .optional()
      .meta({ description: "the last verdict-map element on the way to the rule, as listed" }),
  })
  .meta({ description: "an nftables rule: its table, text and the map element that led to it" });
const PeerSchema = z.strictObject({ node: str, publicKey: str, allowedIp: str, endpoint: EndpointSchema.optional() });
const RouteSchema = z.strictObject({
  prefix: str,
  via: str.optional(),
  dev: str,
  type: z.enum(["unicast", "blackhole", "unreachable"]),
  origin: str.meta({ description: "why the route exists" }),
});
const IpvsServiceSchema = z.object({ proto: str, ip: str, port: int });
const HookSchema = z.enum(["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"]);
const MtuIface = z.enum(["eth0", "wg0"]);

export const HopAtSchema = z
  .discriminatedUnion("kind", [
    z.strictObject({ kind: z.literal("pod"), namespace: str, name: str, node: str }),
    z.strictObject({ kind: z.literal("veth"), node: str, iface: str, pod: PodRefSchema }),
    z.strictObject({ kind: z.literal("bridge"), node: str, iface: z.literal("bridge0") }),
    z.strictObject({ kind: z.literal("host"), node: str }),
    z.strictObject({ kind: z.literal("wg"), node: str, iface: z.literal("wg0") }),
    z.strictObject({ kind: z.literal("nic"), node: str, iface: z.literal("eth0") }),
    z.strictObject({ kind: z.literal("underlay") }),
    z.strictObject({ kind: z.literal("client"), name: str }),
    z.strictObject({ kind: z.literal("lb"), name: str }),
  ])
  .meta({ id: "HopAt", description: "the model object a hop stands at, by kind" });

const controllerAnswer = fact(
  "controller-answer",
  {
    controller: PodRefSchema,
    status: int,
    cause: z.enum([
      "redirect",
      "default-backend",
      "no-service",
      "no-port",
      "no-cluster-ip",
      "no-ready-endpoint",
      "body-too-large",
      "source-denied",
      "location-denied",
      "auth-denied",
      "auth-error",
      "plain-http-to-tls-port",
    ]),
    location: str.optional(),
    why: str.optional(),
    service: str.optional(),
    port: z.union([int, str]).optional(),
  },
  "the ingress controller answers itself: a redirect, its default backend, or 503",
);
const GatewayOutcomeSchema = z.enum([
  "forwarded",
  "redirected",
  "cors-preflight",
  "no-gateway",
  "no-listener-port",
  "tls-no-listener",
  "no-listener",
  "misdirected",
  "no-route",
  "no-backend",
  "InvalidKind",
  "RefNotPermitted",
  "BackendNotFound",
]);
const gatewayRoute = fact(
  "gateway-route",
  {
    proxy: PodRefSchema,
    gateway: str,
    listener: str.optional(),
    route: z.strictObject({ kind: z.enum(["HTTPRoute", "GRPCRoute"]), namespace: str, name: str }).optional(),
    rule: z.strictObject({ index: int, name: str.optional() }).optional(),
    outcome: GatewayOutcomeSchema,
    backend: z.strictObject({ namespace: str, service: str, port: int }).optional(),
    weight: z.strictObject({ weight: int, total: int }).optional(),
    notModelled: list(str),
  },
  "a Gateway's routing decision: listener, route, rule, and the backendRef its weight picked",
);
const gatewayAnswer = fact(
  "gateway-answer",
  {
    proxy: PodRefSchema,
    gateway: str,
    status: int.optional(),
    cause: z.union([GatewayOutcomeSchema, z.enum(["no-ready-endpoint", "plain-http-to-tls-port"])]),
    location: str.optional(),
    message: str.optional(),
    sni: str.optional(),
    service: str.optional(),
  },
  "a Gateway's proxy answers itself (redirect, 404, 421, 500, 503) or ends the TLS handshake",
);
const tlsRefused = fact(
  "tls-refused",
  { controller: PodRefSchema, port: int, sni: str },
  "the ingress controller's nginx takes a TLS handshake on a plain-HTTP port: no handshake",
);
const wgNoPeer = fact(
  "wg-no-peer",
  { node: str, destination: str, peer: PeerSchema.optional() },
  "no wg0 peer (with an endpoint) for the destination",
);
const wgUnknownPeer = fact("wg-unknown-peer", { node: str, source: str }, "a WireGuard packet from no known peer");
const wgSource = fact(
  "wg-source",
  { node: str, peer: str, source: str, allowedIps: list(str), match: str.optional(), owner: str.optional() },
  "the inner source against the sending peer's AllowedIPs",
);
const replyMismatch = fact(
  "reply-mismatch",
  { receiver: ReceiverSchema, sentTo: EndpointSchema, from: EndpointSchema, to: str },
  "a reply no socket of the originator matches",
);
const lbUntracked = fact("lb-untracked", { lb: str }, "a packet back at the LB that no connection of it matches");
const lbNoListener = fact(
  "lb-no-listener",
  { lb: str, port: int, proto: str, listeners: list(PortSchema) },
  "the LB does not listen on the port",
);
const lbNoHealthy = fact("lb-no-healthy", { lb: str }, "no node passes the LB's health check");
const notForPod = fact(
  "not-for-pod",
  { pod: PodRefSchema, destination: str, podIp: str },
  "a packet for another address reached the pod",
);
const loop = fact("loop", { location: str }, "the packet is back at a place with the same headers");

export const StepDetailSchema = z
  .discriminatedUnion("kind", [
    fact(
      "arp",
      {
        segment: z.enum(["eth0", "bridge0", "underlay", "router"]),
        target: str,
        answered: z.boolean(),
        node: str.optional(),
        router: str.optional(),
      },
      "ARP for the next hop's address",
    ),
    fact("to-host", { node: str, gateway: str }, "a frame for bridge0's own MAC goes up to the node's IP stack"),
    fact(
      "fdb",
      { node: str, target: str, port: str, pod: PodRefSchema, hairpin: z.boolean() },
      "bridge0's forwarding decision: the port (a pod's veth) behind the destination MAC",
    ),
    fact(
      "un-nat",
      { tracker: z.enum(["node", "br_netfilter", "lb"]), name: str, from: FlowSchema, to: FlowSchema },
      "conntrack reverses the NAT done to the request",
    ),
    fact("receive", { ip: str, iface: z.literal("eth0").optional() }, "received on an interface"),
    fact("uplink", { gateway: str.optional() }, "an external client's way to the underlay's gateway"),
    fact("local", { node: str, address: str, iface: str }, "the destination is the node's own address"),
    fact("loopback", { pod: PodRefSchema, address: str }, "the destination is the pod's own address"),
    fact("route", { node: str, destination: str, route: RouteSchema.optional() }, "the node's routing decision"),
    fact(
      "pod-route",
      { pod: PodRefSchema, destination: str, onLink: z.boolean(), nextHop: str },
      "the pod's routing decision",
    ),
    fact("to-wireguard", { node: str, port: int }, "UDP to wg0's listen port is handed to WireGuard"),
    fact(
      "ipvs",
      {
        node: str,
        service: IpvsServiceSchema,
        scheduler: str,
        real: EndpointSchema,
        weight: int,
        totalWeight: int,
        persistent: int.optional(),
      },
      "IPVS (kube-proxy's IPVS mode) rewrote the destination to one real server, a branch per server",
    ),
    fact(
      "netfilter",
      {
        hook: HookSchema,
        target: z.enum(["accept", "drop", "reject", "dnat", "snat", "masquerade", "mark", "affinity", "notrack"]),
        table: str,
        chain: str,
        index: int.meta({ description: "1-based, as iptables -L --line-numbers counts" }),
        path: list(str).meta({ description: "the chains walked from the hook to the rule" }),
        effect: str.meta({ description: "what the target did, in the engine's words" }),
        nat: z
          .strictObject({ field: z.enum(["src", "dst"]), from: EndpointSchema, to: EndpointSchema })
          .optional()
          .meta({ description: "DNAT, SNAT, MASQUERADE: the address rewritten" }),
        nft: NftRuleSchema.optional(),
      },
      "the iptables or nftables rule that acted",
    ),
    fact("hook-pass", { hook: HookSchema, walked: list(str), verdict: str }, "no rule of the hook acted"),
    fact(
      "health-check",
      {
        lb: str,
        node: str,
        externalTrafficPolicy: str,
        check: z
          .strictObject({ url: str, status: z.union([z.literal(200), z.literal(503)]), localEndpoints: int })
          .optional(),
      },
      "whether a node is in the LB's rotation",
    ),
    lbNoHealthy,
    lbNoListener,
    lbUntracked,
    fact(
      "lb-pick",
      {
        lb: str,
        algorithm: str,
        node: str,
        index: int.optional(),
        of: int.optional(),
        source: str.optional(),
        listener: EndpointSchema,
        nodePort: EndpointSchema.optional(),
        clientIpKept: z.boolean(),
        lbAddress: str,
        service: str,
      },
      "the LB's choice of node, and the NodePort it sends to (absent in pass-through)",
    ),
    fact("lb-return", { lb: str, to: str, gateway: str.optional() }, "the LB sends the answer back"),
    fact(
      "mtu",
      {
        node: str,
        iface: MtuIface,
        mtu: int,
        size: int,
        df: z.boolean(),
        fragments: int.optional(),
        tunnel: z.boolean().optional(),
      },
      "a packet over an interface's MTU: dropped (DF) or fragmented",
    ),
    fact("icmp-frag-needed", { node: str, mtu: int }, "ICMP fragmentation needed to the sender"),
    fact("icmp-host-unreachable", { to: str }, "ICMP host unreachable to the sender"),
    fact("veth", { node: str, veth: str, towards: z.enum(["bridge", "pod"]) }, "across a pod's veth pair"),
    fact("nic-transmit", { node: str, nextHop: str }, "out of eth0 to the next hop"),
    notForPod,
    fact(
      "icmp-echo",
      { receiver: ReceiverSchema, socket: EndpointSchema, peer: EndpointSchema },
      "an ICMP echo answered",
    ),
    fact(
      "refused",
      { receiver: ReceiverSchema, socket: EndpointSchema, proto: str, open: list(PortSchema) },
      "nothing listens on the port",
    ),
    fact(
      "socket",
      { receiver: ReceiverSchema, socket: EndpointSchema, peer: EndpointSchema, proto: str, process: str.optional() },
      "delivered to a socket: its address after every DNAT, and the source it sees",
    ),
    fact(
      "reply-match",
      { receiver: ReceiverSchema, sentTo: EndpointSchema, peer: EndpointSchema },
      "the reply matches the connection the originator opened",
    ),
    replyMismatch,
    fact(
      "app-answer",
      {
        receiver: ReceiverSchema,
        status: int,
        method: str,
        host: str,
        path: str,
        peer: EndpointSchema,
        echo: EchoHandlerSchema.optional(),
        location: str.optional(),
      },
      "the application answers (assumed 200; the conformance echo server as its handler does)",
    ),
    fact(
      "accept-connection",
      { controller: PodRefSchema, gateway: str.optional(), socket: EndpointSchema, peer: EndpointSchema },
      "the ingress controller ends the client's TCP connection",
    ),
    fact(
      "tls",
      {
        controller: PodRefSchema,
        gateway: str.optional(),
        listener: str.optional(),
        sni: str,
        secret: str.optional(),
        basis: str.optional(),
        insecure: z.boolean(),
        trusted: z.boolean(),
      },
      "TLS at the ingress controller: the certificate presented and whether curl trusts it",
    ),
    fact(
      "http-route",
      {
        server: str,
        outcome: z.enum(["backend", "redirect", "default-backend"]),
        ingress: str.optional(),
        host: str.optional(),
        path: str.optional(),
        pathType: str.optional(),
        backend: z.strictObject({ service: str, port: z.union([int, str]) }).optional(),
        redirect: z
          .strictObject({
            status: int,
            location: str,
            by: z.enum([
              "trailing-slash",
              "app-root",
              "permanent-redirect",
              "temporal-redirect",
              "ssl-redirect",
              "force-ssl-redirect",
            ]),
          })
          .optional(),
        explanation: str,
        considered: list(str),
      },
      "the ingress controller's routing decision: Ingress, host, path match and backend",
    ),
    controllerAnswer,
    gatewayRoute,
    gatewayAnswer,
    tlsRefused,
    fact(
      "proxy",
      {
        controller: PodRefSchema,
        gateway: str.optional(),
        controllerIp: str,
        upstream: EndpointSchema,
        via: z.enum(["service-upstream", "endpoint", "custom-default-backend"]),
        upstreamName: str.optional(),
        index: int.optional(),
        of: int.optional(),
        protocol: z.enum(["HTTPS", "GRPC", "GRPCS", "AUTO_HTTP", "FCGI"]).optional(),
        affinity: z
          .discriminatedUnion("by", [
            z.strictObject({ by: z.literal("cookie"), cookie: str }),
            z.strictObject({ by: z.literal("hash"), key: str }),
          ])
          .optional(),
      },
      "the ingress controller opens a new connection upstream",
    ),
    fact(
      "body-size",
      {
        controller: PodRefSchema,
        size: int,
        limit: int,
        limitText: str,
        from: z.enum(["annotation", "configmap", "default"]),
        configMap: str.optional(),
        ingress: str.optional(),
      },
      "the request's Content-Length against client_max_body_size (proxy-body-size)",
    ),
    fact(
      "source-range",
      {
        controller: PodRefSchema,
        clientIp: str,
        clientIpFrom: z.literal("x-forwarded-for").optional(),
        annotation: str,
        ranges: list(str),
        configMap: str.optional(),
        matched: str.optional(),
        ingress: str,
      },
      "the client address nginx sees against the allowlist/denylist-source-range annotations (or ConfigMap keys)",
    ),
    fact(
      "auth-request",
      {
        controller: PodRefSchema,
        ingress: str,
        url: str,
        service: str.optional(),
        upstream: EndpointSchema.optional(),
        readyEndpoints: int.optional(),
        verdict: z.enum(["allowed", "denied", "error"]),
        basis: z.enum(["given", "unknown", "no-service", "no-port", "no-endpoint"]),
      },
      "the auth-url subrequest and its verdict",
    ),
    fact(
      "canary",
      {
        controller: PodRefSchema,
        ingress: str,
        primary: str,
        canary: str,
        by: z.enum(["header", "cookie", "weight"]),
        header: str.optional(),
        cookie: str.optional(),
        value: str.optional(),
        weight: int.optional(),
        weightTotal: int.optional(),
      },
      "a canary Ingress's rule deciding between the primary and the canary backend",
    ),
    fact("wg-peer", { node: str, destination: str, peer: PeerSchema }, "the wg0 peer chosen by AllowedIPs"),
    wgNoPeer,
    fact(
      "encapsulation",
      { node: str, outer: FlowSchema, overhead: int, padding: int },
      "WireGuard's outer UDP header",
    ),
    wgUnknownPeer,
    fact("decapsulation", { node: str, from: EndpointSchema }, "the outer header removed"),
    fact(
      "wg-authenticated",
      { node: str, peer: str, publicKey: str, allowedIps: list(str) },
      "decrypted and authenticated as a peer",
    ),
    wgSource,
    fact(
      "switched",
      { target: str, to: z.strictObject({ kind: z.enum(["lb", "node"]), name: str }) },
      "the underlay switches to a node or LB",
    ),
    fact(
      "router",
      {
        gateway: str,
        destination: str,
        decision: z.enum(["lb-vip", "lb-return", "client", "connected", "not-routed", "internet"]),
        to: str.optional(),
        prefix: str.optional(),
      },
      "the underlay's gateway router decides",
    ),
    loop,
  ])
  .meta({ id: "StepDetail", description: "what decided a step, as typed facts, by kind" });

/** Why kube-proxy had no endpoint for the Service port it rejected (lib/model/cluster.ts). */
const NoEndpointsCauseSchema = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("selector-matches-no-pod"), selector: z.record(str, str) }),
  z.strictObject({ kind: z.literal("target-port-unresolved"), targetPort: str, pods: int }),
  z.strictObject({ kind: z.literal("pods-not-ready"), pods: int }),
  z.strictObject({ kind: z.literal("no-endpoints-given") }),
  z.strictObject({ kind: z.literal("given-endpoints-lack-port") }),
  z.strictObject({ kind: z.literal("given-endpoints-not-ready"), endpoints: int }),
]);

export const EndDetailSchema = z
  .discriminatedUnion("kind", [
    wgNoPeer,
    wgUnknownPeer,
    wgSource,
    replyMismatch,
    lbUntracked,
    lbNoListener,
    lbNoHealthy,
    notForPod,
    controllerAnswer,
    gatewayAnswer,
    tlsRefused,
    loop,
    fact(
      "neighbor-unreachable",
      { segment: z.enum(["bridge0", "underlay"]), node: str.optional(), address: str },
      "ARP got no answer",
    ),
    fact("no-gateway", {}, "nothing connects clients to the nodes"),
    fact("no-route", { node: str, destination: str }, "the node has no route"),
    fact("not-routed", { router: str, destination: str }, "pod and Service addresses are not routed outside"),
    fact("blackhole", { node: str }, "a blackhole route"),
    fact(
      "ipvs-unknown",
      { node: str, destination: EndpointSchema, evidence: str },
      "a node in IPVS mode whose IPVS table is not given: which real server is undecided",
    ),
    fact("ipvs-no-server", { node: str, service: IpvsServiceSchema }, "an IPVS service with no real server"),
    fact(
      "verdict",
      {
        hook: HookSchema,
        verdict: z.enum(["DROP", "REJECT"]),
        rejectWith: str.optional(),
        rule: z.strictObject({ table: str, chain: str, index: int }).optional(),
        nft: NftRuleSchema.optional(),
        noEndpoints: z.strictObject({ service: str, port: str, cause: NoEndpointsCauseSchema }).optional(),
      },
      "a netfilter DROP or REJECT, by a rule or (no rule) the chain's policy",
    ),
    fact("ttl-expired", { node: str }, "the TTL ran out"),
    fact("outside", { destination: str }, "the destination is outside the modelled network"),
    fact("mtu-exceeded", { node: str, iface: MtuIface, size: int, mtu: int }, "a packet with DF over an MTU"),
    fact(
      "delivered",
      { receiver: ReceiverSchema, port: int.optional(), proto: str.optional() },
      "delivered to the receiver",
    ),
    fact("refused", { receiver: ReceiverSchema, socket: EndpointSchema }, "nothing listens"),
    fact("reply-delivered", { receiver: ReceiverSchema }, "the reply reached the originator"),
    fact("http-answer", { receiver: ReceiverSchema, status: int }, "the application answered"),
    fact(
      "echo-undecided",
      {
        receiver: ReceiverSchema,
        handler: EchoHandlerSchema,
        cause: z.enum(["connection-closed", "status-over-599", "retry-attempts", "websocket"]),
      },
      "the conformance echo server's answer is not decided by the request alone",
    ),
    fact("tls-untrusted", { controller: PodRefSchema, sni: str }, "curl rejects the certificate"),
    fact(
      "controller-other-port",
      { controller: PodRefSchema, port: int, httpPort: int, httpsPort: int },
      "a port of the ingress controller's pod where nginx serves no Ingress: what answers is not known",
    ),
  ])
  .meta({ id: "EndDetail", description: "what decided a leg's disposition, as typed facts, by kind" });

type Equals<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;
export type DetailSchemasMatchTypes = [
  Assert<Equals<z.infer<typeof HopAtSchema>, HopAt>>,
  Assert<Equals<z.infer<typeof StepDetailSchema>, StepDetail>>,
  Assert<Equals<z.infer<typeof EndDetailSchema>, EndDetail>>,
];
