// What a device decides, as every layer names it: the closed set of dispositions a branch ends in,
// the kinds of step a device records, and the HTTP outcome an ingress controller settles. The
// trace (lib/trace/types.ts) is built from these; it re-exports them.
import type { StepDetail, StepDetailKind } from "./step-detail.ts";

export const SUCCESS_DISPOSITIONS = ["DELIVERED", "EXITS_NETWORK", "HTTP_RESPONSE"] as const;
export const FAILURE_DISPOSITIONS = [
  "NO_ROUTE",
  "NEIGHBOR_UNREACHABLE",
  "DROPPED",
  "REJECTED",
  "NO_ENDPOINTS",
  "NO_LOCAL_ENDPOINTS",
  "WG_NO_PEER",
  "WG_SOURCE_NOT_ALLOWED",
  "MTU_EXCEEDED",
  "CONNECTION_REFUSED",
  "LOOP",
  "REPLY_MISMATCH",
  "TLS_CERT_UNTRUSTED",
  "TLS_HANDSHAKE_FAILED",
  "UNDECIDED",
  "HTTP_400",
  "HTTP_401",
  "HTTP_403",
  "HTTP_404",
  "HTTP_413",
  "HTTP_421",
  "HTTP_500",
  "HTTP_503",
] as const;

export type SuccessDisposition = (typeof SUCCESS_DISPOSITIONS)[number];
export type FailureDisposition = (typeof FAILURE_DISPOSITIONS)[number];
export type Disposition = SuccessDisposition | FailureDisposition;

export function isSuccess(d: Disposition): boolean {
  return (SUCCESS_DISPOSITIONS as readonly string[]).includes(d);
}

export type StepType =
  | "originate"
  | "route"
  | "arp"
  | "bridge"
  | "transmit"
  | "receive"
  | "netfilter"
  | "dnat"
  | "snat"
  | "masquerade"
  | "mark"
  | "conntrack"
  | "encrypt"
  | "encapsulate"
  | "decapsulate"
  | "decrypt"
  | "allowed-ips"
  | "mtu"
  | "icmp"
  | "deliver"
  | "proxy"
  | "drop";

/** Everything a step may say it did: a closed set, each fitting the detail kinds of STEP_ACTIONS. */
export const HTTP_STATUS_ACTIONS = [
  "HTTP_200",
  // Every code the redirect annotations accept (300-308), not only the usual ones.
  "HTTP_300",
  "HTTP_301",
  "HTTP_302",
  "HTTP_303",
  "HTTP_304",
  "HTTP_305",
  "HTTP_306",
  "HTTP_307",
  "HTTP_308",
  "HTTP_400",
  "HTTP_401",
  "HTTP_403",
  "HTTP_404",
  "HTTP_413",
  "HTTP_421",
  "HTTP_500",
  "HTTP_503",
] as const;

/** For each kind of detail, the actions a step with that detail may have. */
export const STEP_ACTIONS = {
  arp: ["RESOLVED", "NO_ANSWER"],
  "to-host": ["TO_HOST"],
  fdb: ["FORWARDED", "HAIRPIN"],
  "un-nat": ["UN-NAT"],
  receive: ["RECEIVED"],
  uplink: ["FORWARDED", "NO_ROUTE"],
  local: ["LOCAL"],
  loopback: ["LOCAL"],
  route: ["FORWARDED", "ROUTED", "NO_ROUTE", "DISCARDED"],
  "pod-route": ["FORWARDED"],
  "to-wireguard": ["TO_WIREGUARD"],
  ipvs: ["DNAT"],
  netfilter: ["ACCEPT", "DROP", "REJECT", "DNAT", "SNAT", "MASQUERADE", "MARK", "AFFINITY", "NOTRACK"],
  "hook-pass": ["PASS"],
  "health-check": ["HEALTHY", "UNHEALTHY"],
  "lb-no-healthy": ["NO_BACKEND"],
  "lb-no-listener": ["REFUSED"],
  "lb-untracked": ["DROPPED"],
  "lb-pick": ["NAT", "FORWARDED"],
  "lb-return": ["FORWARDED", "EXITS_NETWORK"],
  mtu: ["TOO_BIG", "FRAGMENTED"],
  "icmp-frag-needed": ["ICMP_FRAG_NEEDED"],
  "icmp-host-unreachable": ["ICMP_HOST_UNREACHABLE"],
  veth: ["TRANSMITTED"],
  "nic-transmit": ["TRANSMITTED"],
  "not-for-pod": ["DROPPED"],
  "icmp-echo": ["DELIVERED"],
  refused: ["REFUSED"],
  socket: ["DELIVERED"],
  "reply-match": ["DELIVERED"],
  "reply-mismatch": ["RESET"],
  // HTTP_RESPONSE: a status the closed set has no action of its own for (the echo server's /status/418).
  "app-answer": [...HTTP_STATUS_ACTIONS, "HTTP_RESPONSE"],
  "accept-connection": ["ACCEPTED"],
  tls: ["TLS", "TLS_UNTRUSTED"],
  "http-route": ["HTTP_ROUTE"],
  "gateway-route": ["HTTP_ROUTE"],
  "gateway-answer": [...HTTP_STATUS_ACTIONS, "TLS_HANDSHAKE_FAILED"],
  "tls-refused": ["TLS_HANDSHAKE_FAILED"],
  "controller-answer": HTTP_STATUS_ACTIONS,
  "body-size": ["ALLOWED", "TOO_LARGE"],
  "source-range": ["ALLOWED", "DENIED"],
  "auth-request": ["AUTH_ALLOWED", "AUTH_DENIED", "AUTH_ERROR"],
  canary: ["CANARY", "PRIMARY"],
  proxy: ["PROXIED"],
  "wg-peer": ["ENCRYPTED"],
  "wg-no-peer": ["NO_PEER"],
  encapsulation: ["ENCAPSULATED"],
  "wg-unknown-peer": ["UNKNOWN_PEER"],
  decapsulation: ["DECAPSULATED"],
  "wg-authenticated": ["DECRYPTED"],
  "wg-source": ["ALLOWED", "SOURCE_NOT_ALLOWED"],
  switched: ["SWITCHED"],
  router: ["FORWARDED", "NO_ROUTE", "EXITS_NETWORK"],
  loop: ["LOOP"],
} as const satisfies Record<StepDetailKind, readonly string[]>;

export type StepAction = (typeof STEP_ACTIONS)[StepDetailKind][number];

/** Every action, each once, in a fixed order. */
export const ALL_STEP_ACTIONS: readonly StepAction[] = [...new Set(Object.values(STEP_ACTIONS).flat())].sort();

/**
 * Packet headers as printed in JSON: `src` and `dst` as display text (`ip:port`, the address alone for
 * ICMP), and the same endpoints typed beside them (`saddr`/`sport`, `daddr`/`dport`, the kernel's names)
 * for whatever reads a packet: those read the typed fields, never the text.
 */
export interface PacketJson {
  proto: string;
  src: string;
  dst: string;
  saddr: string;
  /** Absent for ICMP, which has no ports. */
  sport?: number;
  daddr: string;
  dport?: number;
  size: number;
  ttl: number;
  mark?: string;
  inner?: PacketJson;
}

/** A header field a step rewrote; addresses as dotted quads and the mark in hex, as the packet prints them. */
export type FieldChange =
  | { readonly field: "src" | "dst" | "proto" | "mark"; readonly from: string; readonly to: string }
  | { readonly field: "sport" | "dport" | "size" | "ttl"; readonly from: number; readonly to: number };

/**
 * What a step did to the packet's headers: fields rewritten, or a whole packet: a tunnel wrapped it
 * (the step's `after` is the outer packet) or unwrapped it (`after` is the inner one), or an L7 proxy
 * opened a new connection (`after` is its first packet).
 */
export type HeaderChange =
  | FieldChange
  | { readonly field: "packet"; readonly change: "encapsulated" | "decapsulated" | "new-connection" };

export interface Step {
  type: StepType;
  /** What the device did, in a few words (`FORWARDED`, `DNAT`, `ENCRYPTED`, ...). */
  action: StepAction;
  /** What decided it, as typed facts; the reason is rendered from these. */
  detail: StepDetail;
  /** Why, in networking terms: the detail in words. */
  reason: string;
  /** The deciding rule, route, peer or AllowedIPs entry, as the real system would print it. */
  rule?: string;
  before?: PacketJson;
  after?: PacketJson;
  /** Each header the step changed, in the order the text prints them (`field: old -> new`). */
  changes?: HeaderChange[];
}

/** The HTTP outcome of a branch that crossed an ingress controller (`kubehop curl`). */
export interface HttpOutcome {
  status: number;
  /** `namespace/name` of the Ingress whose rule matched. */
  ingress?: string;
  /** `namespace/name` of the Gateway, its listener, the route (`namespace/name`) and rule that matched. */
  gateway?: string;
  listener?: string;
  route?: string;
  rule?: { index: number; name?: string };
  host?: string;
  /** The rule's path and pathType, as written in the Ingress. */
  path?: string;
  pathType?: string;
  /** The backend as written in the Ingress (a port number or a port name), or a Gateway route's backendRef. */
  backend?: { namespace?: string; service: string; port: number | string };
  /** `namespace/name` of the pod that answered. */
  pod?: string;
  /** The client address the ingress controller saw (what X-Forwarded-For carries on). */
  clientIP?: string;
  /** For a redirect: where to. */
  location?: string;
  /** The request as the backend pod receives it: after rewrite-target and the headers the controller sets. */
  upstream?: UpstreamRequest;
  /** The response headers kubehop knows the controller sends (a redirect's Location); names lower-case. */
  responseHeaders?: Record<string, string>;
}

/** An HTTP request as a proxy sends it on: header names lower-case, sorted. */
export interface UpstreamRequest {
  method: string;
  /** The Host header sent upstream. */
  host: string;
  /** The request target, with the query. */
  path: string;
  headers: Record<string, string>;
}
