// The one place a trace's typed facts become English: a step's reason from its detail (and action),
// a leg's reason from what decided its end. Everything else reads the facts themselves.
import { causeText } from "../control/references.ts";
import type { PodRef } from "../model/hop-at.ts";
import type { StepAction } from "../model/step.ts";
import type { EndDetail, Endpoint, NftRuleFact, PeerFact, Receiver, StepDetail } from "../model/step-detail.ts";
import {
  authReason,
  bodySizeReason,
  canaryReason,
  protocolText,
  refusalReason,
  sourceRangeReason,
} from "./ingress-reason.ts";
import { echoAnswerReason, echoUndecidedReason } from "./echo-reason.ts";
import { gatewayAnswerReason, gatewayProxy, gatewayRouteReason, PLAIN_HTTP_TO_TLS } from "./gateway-reason.ts";

const endpoint = (e: Endpoint): string => (e.port === undefined ? e.ip : `${e.ip}:${e.port}`);
const pod = (p: PodRef): string => `${p.namespace}/${p.name}`;
const controller = (p: PodRef): string => `ingress-nginx in pod ${pod(p)}`;

function receiver(r: Receiver): string {
  return r.kind === "pod" ? `pod ${r.namespace}/${r.name}` : `${r.kind} ${r.name}`;
}

function peer(p: PeerFact): string {
  const at = p.endpoint ? ` endpoint ${endpoint(p.endpoint)}` : " (no endpoint)";
  return `peer ${p.publicKey.slice(0, 8)}... (${p.node})${at} allowed-ips ${p.allowedIp}`;
}

/** Why a step did what it did. */
export function stepReason(d: StepDetail, action: StepAction): string {
  switch (d.kind) {
    case "arp":
      return arpReason(d);
    case "to-host":
      return `frame for bridge0's own MAC (${d.gateway}, the pods' gateway): up to ${d.node}'s IP stack`;
    case "fdb":
      return d.hairpin
        ? `back out of ${d.port}, the port the frame came in on: the pod reached itself through a Service, which ` +
            `needs hairpin_mode on the port (the bridge CNI's hairpinMode)`
        : `FDB: ${d.target} (pod ${pod(d.pod)}) is behind port ${d.port}`;
    case "un-nat": {
      const where = d.tracker === "br_netfilter" ? "br_netfilter:" : `${d.tracker === "lb" ? "lb/" : ""}${d.name}'s`;
      return `reply of a tracked connection: ${where} conntrack reverses the NAT done to the request`;
    }
    case "receive":
      return d.iface ? `on ${d.iface} (${d.ip})` : `at ${d.ip}`;
    case "uplink":
      return d.gateway === undefined
        ? "the underlay has no gateway: nothing connects clients to the nodes"
        : `through the internet to the underlay's gateway ${d.gateway}`;
    case "local":
      return `${d.address} is ${d.node}'s own address`;
    case "loopback":
      return "destination is the pod's own address: loopback";
    case "route":
      if (action === "NO_ROUTE")
        return `no route to ${d.destination} in ${d.node}'s main table; the sender gets ICMP network unreachable`;
      return action === "DISCARDED" ? "blackhole route" : (d.route?.origin ?? "");
    case "pod-route":
      return d.onLink
        ? "destination is on the pod's subnet: sent straight to it on the bridge"
        : "off-subnet: to the default gateway, bridge0";
    case "to-wireguard":
      return `UDP ${d.port} is wg0's listen port: handed to WireGuard`;
    case "ipvs":
      return ipvsReason(d);
    case "netfilter":
      if (d.nft)
        return `${nftTable(d.nft)} ${d.path.join(" > ")}: ${d.effect} (rule ${d.index})${viaElement(d.nft, d.effect)}`;
      return `${d.table} ${d.path.join(" > ")}: ${d.effect} (rule ${d.index})`;
    case "hook-pass": {
      const via = d.walked.length ? ` (walked ${d.walked.join(", ")})` : "";
      return `${d.hook}: no rule acted on the packet${via}; ${d.verdict}`;
    }
    case "health-check":
      return healthReason(d);
    case "lb-no-healthy":
      return `no node passes lb/${d.lb}'s health check: the connection is reset`;
    case "lb-no-listener": {
      const open = d.listeners.map((l) => `${l.port}/${l.protocol}`).join(", ") || "none";
      return `lb/${d.lb} has no listener on ${d.port}/${d.proto} (listeners: ${open})`;
    }
    case "lb-untracked":
      return `no connection of lb/${d.lb} matches this packet`;
    case "lb-pick":
      return lbPickReason(d);
    case "lb-return":
      return d.gateway === undefined
        ? `back to ${d.to} through the internet`
        : `back to ${d.to} through the underlay's router ${d.gateway}`;
    case "mtu":
      return mtuReason(d);
    case "icmp-frag-needed":
      return `the sender gets ICMP fragmentation needed (next-hop MTU ${d.mtu}) from ${d.node}`;
    case "icmp-host-unreachable":
      return `wg0 drops it and sends ICMP host unreachable to ${d.to} (a local socket sees ENOKEY)`;
    case "veth":
      return d.towards === "bridge" ? `pod eth0 -> ${d.veth}, a port of bridge0` : `${d.veth} -> pod eth0`;
    case "nic-transmit":
      return `out of eth0 to ${d.nextHop}'s MAC`;
    case "not-for-pod":
      return `${d.destination} is not this pod's address (${d.podIp}) and pods do not forward`;
    case "icmp-echo":
      return `${receiver(d.receiver)} answers ICMP echo`;
    case "refused": {
      const open = d.open.map((l) => `${l.port}/${l.protocol}`).join(", ") || "none";
      const answer = d.proto === "TCP" ? "answers with TCP RST" : "answers with ICMP port unreachable";
      return (
        `nothing listens on ${d.socket.port}/${d.proto} in ${receiver(d.receiver)} (open: ${open}); the ` +
        `kernel ${answer}`
      );
    }
    case "socket": {
      const by = d.process !== undefined ? ` (${d.process})` : " (no ports declared: assumed listening)";
      return `socket ${endpoint(d.socket)}/${d.proto} in ${receiver(d.receiver)}${by}`;
    }
    case "reply-match":
      return `the reply matches the connection ${receiver(d.receiver)} opened to ${endpoint(d.sentTo)}`;
    case "reply-mismatch":
      return (
        `${receiver(d.receiver)} sent to ${endpoint(d.sentTo)} but the answer comes from ${endpoint(d.from)} ` +
        `to ${d.to}: no socket matches, the kernel resets it`
      );
    case "app-answer":
      return d.echo === undefined
        ? `${d.method} ${d.host}${d.path} answered by ${receiver(d.receiver)} (the application's status is ` +
            "assumed 200)"
        : `${d.method} ${d.host}${d.path} answered by ${receiver(d.receiver)} with ${d.status}, ${echoAnswerReason(d)}`;
    case "accept-connection":
      return d.gateway !== undefined
        ? `${gatewayProxy(d.gateway, d.controller)} ends the client's TCP connection (client address seen: ` +
            `${d.peer.ip})`
        : `${controller(d.controller)} ends the client's TCP connection (remote_addr ${d.peer.ip})`;
    case "tls":
      return tlsReason(d);
    case "http-route":
      return `${d.explanation}${d.considered.length ? `; also considered: ${d.considered.join("; ")}` : ""}`;
    case "controller-answer":
      return answerReason(d);
    case "gateway-route":
      return gatewayRouteReason(d);
    case "gateway-answer":
      return gatewayAnswerReason(d);
    case "tls-refused":
      return tlsRefusedReason(d);
    case "proxy": {
      if (d.gateway !== undefined)
        return (
          `backend ${d.upstreamName}: endpoint ${d.index} of ${d.of}, ${endpoint(d.upstream)}; a new connection ` +
          `from the proxy's pod IP ${d.controllerIp}`
        );
      const why =
        d.via === "service-upstream"
          ? `service-upstream: to the ClusterIP ${endpoint(d.upstream)}, kube-proxy picks the pod`
          : `upstream ${d.upstreamName} (round_robin): endpoint ${d.index} of ${d.of}, ${endpoint(d.upstream)}`;
      const fallback =
        d.via === "custom-default-backend"
          ? "the backend has no ready endpoint, so the default-backend annotation's "
          : "";
      return `${fallback}${why}; a new connection from the controller's pod IP ${d.controllerIp}${protocolText(d)}`;
    }
    case "body-size":
      return bodySizeReason(d);
    case "source-range":
      return sourceRangeReason(d, action === "DENIED");
    case "auth-request":
      return authReason(d);
    case "canary":
      return canaryReason(d, action === "CANARY");
    case "wg-peer":
      return `peer chosen by longest match of ${d.destination} over AllowedIPs: ${d.peer.allowedIp} (${d.peer.node})`;
    case "wg-no-peer":
      return d.peer
        ? `${peer(d.peer)} has no endpoint`
        : `no peer of ${d.node}'s wg0 has AllowedIPs containing ${d.destination}`;
    case "encapsulation": {
      const padding = d.padding > 0 ? ` + ${d.padding} padding` : "";
      return (
        `UDP ${endpoint(d.outer.src)} -> ${endpoint(d.outer.dst)}, +${d.overhead} bytes (IPv4 20 + UDP 8 + ` +
        `WireGuard 32)${padding}, DF off`
      );
    }
    case "wg-unknown-peer":
      return `no peer of ${d.node}'s wg0 has endpoint ${d.source}: the handshake fails and the packet is dropped`;
    case "decapsulation":
      return `UDP from ${endpoint(d.from)}`;
    case "wg-authenticated":
      return `authenticated as peer ${d.peer}`;
    case "wg-source":
      return d.match !== undefined
        ? `inner source ${d.source} matches ${d.match} of peer ${d.peer}`
        : `inner source ${d.source} is not in peer ${d.peer}'s AllowedIPs ` +
            `(${d.allowedIps.join(", ") || "none"})${d.owner ? `; it belongs to ${d.owner}` : ""}: dropped ` +
            `silently, no ICMP`;
    case "switched":
      return d.to.kind === "lb"
        ? `to load balancer ${d.to.name} (${d.target})`
        : `to ${d.to.name}'s eth0 (${d.target})`;
    case "router":
      return routerReason(d);
    case "loop":
      return `the packet is back at ${d.location} with the same headers`;
  }
}

/** Why a leg ended with its disposition. */
function serviceText(s: { proto: string; ip: string; port: number }): string {
  return `${s.proto.toUpperCase()} ${s.ip}:${s.port}`;
}

function endpointText(e: { ip: string; port?: number }): string {
  return e.port === undefined ? e.ip : `${e.ip}:${e.port}`;
}

/** What a scheduler's pick means as a probability: the real servers' weights are all kubehop knows. */
function ipvsReason(d: Extract<StepDetail, { kind: "ipvs" }>): string {
  const share = `${d.weight} of ${d.totalWeight}`;
  const how = /^w?rr$/.test(d.scheduler)
    ? `the real servers take connections in turn, so this one gets its weight's share (${share})`
    : /^(w?lc|sed|nq|lblc|lblcr)$/.test(d.scheduler)
      ? `the server with the fewest active connections per weight wins; with equal load, its weight's share (${share})`
      : /^(sh|dh|mh)$/.test(d.scheduler)
        ? `a hash of the packet's addresses picks one server for good; which one is not modelled, so each gets its ` +
          `weight's share (${share})`
        : `taken as its weight's share (${share})`;
  const sticky = d.persistent !== undefined ? `; persistent ${d.persistent}s: a client keeps the server it got` : "";
  return (
    `IPVS on ${d.node} (kube-proxy's IPVS mode): ${serviceText(d.service)} to ${endpointText(d.real)}, ` +
    `scheduler ${d.scheduler}: ${how}${sticky}`
  );
}

export function endReason(d: EndDetail): string {
  switch (d.kind) {
    case "neighbor-unreachable":
      return d.segment === "bridge0"
        ? `no pod on ${d.node} has ${d.address}`
        : `nothing on the underlay has ${d.address}`;
    case "no-gateway":
      return "no gateway between the client and the underlay";
    case "no-route":
      return `${d.node} has no route to ${d.destination}`;
    case "not-routed":
      return routerReason({ gateway: d.router, destination: d.destination, decision: "not-routed" });
    case "blackhole":
      return `blackhole route on ${d.node}`;
    case "ipvs-unknown":
      return (
        `${d.node} is in kube-proxy's IPVS mode (${d.evidence}): IPVS, not iptables, picks the real server for ` +
        (`${endpointText(d.destination)}, and its table is not given; add \`ipvsadm-save -n\` to the node's dump as ` +
          `ipvsadm.txt`)
      );
    case "ipvs-no-server":
      return (
        `IPVS on ${d.node}: ${serviceText(d.service)} has no real server that takes connections (ICMP port ` +
        `unreachable)`
      );
    case "verdict": {
      const by = d.rule
        ? ` by ${d.nft ? `${nftTable(d.nft)} ` : ""}${d.rule.chain} rule ${d.rule.index}` +
          (d.nft ? ` (${d.nft.rule})${viaElement(d.nft, d.nft.rule)}` : "")
        : " by chain policy";
      const why = d.noEndpoints
        ? `: Service ${d.noEndpoints.service} port ${d.noEndpoints.port} has no ready ` +
          `endpoint: ${causeText(d.noEndpoints.cause)}`
        : "";
      return `${d.hook}: ${d.verdict}${d.rejectWith ? ` with ${d.rejectWith}` : ""}${by}${why}`;
    }
    case "ttl-expired":
      return `TTL expired on ${d.node}`;
    case "outside":
      return `${d.destination} is outside the modelled network`;
    case "lb-untracked":
      return `lb/${d.lb} tracks no such connection`;
    case "lb-no-listener":
      return `lb/${d.lb} does not listen on port ${d.port}`;
    case "lb-no-healthy":
      return `lb/${d.lb} has no healthy node`;
    case "mtu-exceeded":
      return d.iface === "wg0"
        ? `${d.size}-byte packet with DF over wg0's MTU ${d.mtu} on ${d.node}`
        : `${d.size}-byte packet over the underlay MTU ${d.mtu} on ${d.node}`;
    case "not-for-pod":
      return "packet for another address reached the pod";
    case "delivered":
      return `delivered to ${receiver(d.receiver)}${d.port !== undefined ? ` on ${d.port}/${d.proto}` : ""}`;
    case "refused":
      return `nothing listens on ${endpoint(d.socket)} in ${receiver(d.receiver)}`;
    case "reply-delivered":
      return `reply delivered to ${receiver(d.receiver)}`;
    case "http-answer":
      return `HTTP ${d.status} from ${receiver(d.receiver)}`;
    case "echo-undecided":
      return `${receiver(d.receiver)}, ${echoUndecidedReason(d)}`;
    case "controller-answer":
      return `HTTP ${d.status} from ${controller(d.controller)}: ${answerReason(d)}`;
    case "gateway-answer":
      return d.status === undefined
        ? `${gatewayProxy(d.gateway, d.proxy)} ends the TLS handshake: ${gatewayAnswerReason(d)}`
        : `HTTP ${d.status} from ${gatewayProxy(d.gateway, d.proxy)}: ${gatewayAnswerReason(d)}`;
    case "tls-refused":
      return tlsRefusedReason(d);
    case "tls-untrusted":
      return `curl rejects the certificate ${controller(d.controller)} presents for ${d.sni} (use -k to accept it)`;
    case "controller-other-port":
      return (
        `port ${d.port} of pod ${pod(d.controller)} is neither the controller's --http-port (${d.httpPort}) nor ` +
        `its --https-port (${d.httpsPort}): nginx serves no Ingress there, and kubehop does not know what else ` +
        "listens (upstream's manifests run the admission webhook on 8443)"
      );
    case "loop":
      return `forwarding loop: ${d.location} reached twice with the same headers`;
    case "wg-no-peer":
      return stepReason(d, "NO_PEER");
    case "wg-unknown-peer":
      return stepReason(d, "UNKNOWN_PEER");
    case "wg-source":
      return stepReason(d, "SOURCE_NOT_ALLOWED");
    case "reply-mismatch":
      return stepReason(d, "RESET");
  }
}

type Detail<K extends StepDetail["kind"]> = Extract<StepDetail, { kind: K }>;

function arpReason(d: Detail<"arp">): string {
  switch (d.segment) {
    case "eth0":
      return `ARP for ${d.target} on eth0`;
    case "bridge0":
      return `ARP for ${d.target} on bridge0 gets no answer: no pod on ${d.node} has that address`;
    case "underlay":
      return `ARP for ${d.target} on the underlay gets no answer`;
    case "router":
      return `router ${d.router}: ARP for ${d.target} gets no answer`;
  }
}

function healthReason(d: Detail<"health-check">): string {
  const c = d.check;
  if (!c) return `${d.node}: in rotation (externalTrafficPolicy ${d.externalTrafficPolicy}: every node forwards)`;
  return c.status === 200
    ? `${d.node}: health check ${c.url} -> 200 (${c.localEndpoints} local endpoint${c.localEndpoints === 1 ? "" : "s"})`
    : `${d.node}: health check ${c.url} -> 503 (no local endpoint): out of rotation`;
}

function lbPickReason(d: Detail<"lb-pick">): string {
  const why =
    d.source !== undefined
      ? `source-hash of ${d.source} picks ${d.node}`
      : `${d.algorithm} picks ${d.node} (${d.index} of ${d.of})`;
  const how = !d.nodePort
    ? `pass-through: the packet keeps the VIP ${endpoint(d.listener)} and goes to ${d.node}`
    : `to ${d.node}'s NodePort ${endpoint(d.nodePort)}` +
      (d.clientIpKept ? ", client IP kept" : `, source rewritten to the LB's ${d.lbAddress}`);
  return `${why}: ${how}`;
}

function mtuReason(d: Detail<"mtu">): string {
  if (d.fragments !== undefined) {
    const why = d.tunnel
      ? "WireGuard sends its UDP packets without DF: a too-high wg0 MTU makes the outer packet fragment"
      : "DF is not set";
    return `${d.size} bytes exceed eth0's MTU ${d.mtu}; ${why} (${d.fragments} fragments, reassembled by the receiver)`;
  }
  return d.iface === "wg0"
    ? `${d.size} bytes exceed wg0's MTU ${d.mtu} and DF is set`
    : `${d.size} bytes exceed eth0's MTU ${d.mtu} with DF set; the sender gets ICMP fragmentation needed`;
}

function tlsReason(d: Detail<"tls">): string {
  if (d.secret !== undefined) return `TLS ends here with the certificate of Secret ${d.secret} (${d.basis})`;
  const fake =
    `the controller's default "Kubernetes Ingress Controller Fake ` +
    `Certificate"${d.basis !== undefined ? ` (${d.basis})` : ` (no Ingress has a tls section for ${d.sni})`}`;
  return d.trusted
    ? `TLS ends here with ${fake}; accepted because of -k`
    : `TLS: nginx presents ${fake}, which does not verify for ${d.sni}: curl aborts (SSL certificate problem)`;
}

function tlsRefusedReason(d: Detail<"tls-refused">): string {
  return (
    `${controller(d.controller)}'s port ${d.port} speaks plain HTTP: nginx answers curl's TLS handshake ` +
    `(server name ${d.sni}) with no TLS, the handshake fails, no HTTP exchange`
  );
}

function answerReason(d: Detail<"controller-answer">): string {
  switch (d.cause) {
    case "body-too-large":
    case "source-denied":
    case "location-denied":
    case "auth-denied":
    case "auth-error":
      return refusalReason(d);
    case "plain-http-to-tls-port":
      return `port ${d.port} speaks TLS and curl sent plain HTTP: 400 (${PLAIN_HTTP_TO_TLS})`;
    case "redirect":
      return `redirect to ${d.location}`;
    case "default-backend":
      return "no Ingress rule matches: the controller's default backend answers 404";
    case "no-service":
      return `Service ${d.service} does not exist: 503`;
    case "no-port":
      return `Service ${d.service} has no port ${d.port}: 503`;
    case "no-cluster-ip":
      return `service-upstream, but Service ${d.service} has no ClusterIP: 503`;
    case "no-ready-endpoint":
      return `Service ${d.service} has no ready endpoint for port ${d.port}: 503 Service Temporarily Unavailable`;
  }
}

function routerReason(d: Pick<Detail<"router">, "gateway" | "destination" | "decision" | "to" | "prefix">): string {
  const gw = d.gateway;
  switch (d.decision) {
    case "lb-vip":
      return `router ${gw}: ${d.destination} is load balancer ${d.to}'s VIP`;
    case "lb-return":
      return `router ${gw}: the answer of a connection load balancer ${d.to} opened goes back through it`;
    case "client":
      return `router ${gw} forwards to client ${d.to}`;
    case "connected":
      return `router ${gw}: ${d.prefix} is connected; to ${d.to}`;
    case "not-routed":
      return (
        `router ${gw} has no route to ${d.destination}: pod and Service addresses are not routed outside the ` +
        `cluster`
      );
    case "internet":
      return `router ${gw} sends ${d.destination} on towards the internet`;
  }
}

function nftTable(n: NftRuleFact): string {
  return `table ${n.family} ${n.table}`;
}

/** The map element that sent the walk to the rule, unless the words already hold it. */
function viaElement(n: NftRuleFact, said: string): string {
  const el = n.element;
  return el && !said.includes(el.text) ? `, from ${el.map} element ${el.text}` : "";
}
