// What a device decides, as every layer names it: the closed set of dispositions a branch ends in,
// the kinds of step a device records, and the HTTP outcome an ingress controller settles. The
// trace (lib/trace/types.ts) is built from these; it re-exports them.

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
  "HTTP_404",
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

/** Packet headers as printed in JSON: addresses as text. */
export interface PacketJson {
  proto: string;
  src: string;
  dst: string;
  size: number;
  ttl: number;
  mark?: string;
  inner?: PacketJson;
}

export interface Step {
  type: StepType;
  /** What the device did, in a few words (`FORWARDED`, `DNAT`, `ENCRYPTED`, ...). */
  action: string;
  /** Why, in networking terms: the thing that decided it. */
  reason: string;
  /** The deciding rule, route, peer or AllowedIPs entry, as the real system would print it. */
  rule?: string;
  before?: PacketJson;
  after?: PacketJson;
  /** `field: old -> new` for each header the step changed. */
  changes?: string[];
}

/** The HTTP outcome of a branch that crossed an ingress controller (`kubehop curl`). */
export interface HttpOutcome {
  status: number;
  /** `namespace/name` of the Ingress whose rule matched. */
  ingress?: string;
  host?: string;
  /** The rule's path and pathType, as written in the Ingress. */
  path?: string;
  pathType?: string;
  /** The backend as written in the Ingress: a port number or a port name. */
  backend?: { service: string; port: number | string };
  /** `namespace/name` of the pod that answered. */
  pod?: string;
  /** The client address the ingress controller saw (what X-Forwarded-For carries on). */
  clientIP?: string;
  /** For a redirect: where to. */
  location?: string;
}
