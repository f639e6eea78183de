// What a real connection should show for each branch the simulator predicts.
import { arrival } from "../assert/facts.ts";
import type { Branch, Disposition, HopAt, Trace } from "../trace/types.ts";
import type { UpstreamRequest } from "../model/step.ts";
import type { Attempt, Echoed } from "./probe.ts";
import { sameGatewayRequest, sameLocation } from "./gateway-rows.ts";

export type Expectation =
  | { readonly kind: "answer"; readonly server: string; readonly seen: string }
  | { readonly kind: "refused" }
  | { readonly kind: "timeout" }
  /** Unreachable (ICMP error) or a timeout: the kernel's choice depends on where the packet died. */
  | { readonly kind: "fail" }
  /** curl through ingress: the controller's answer, or the pod's behind it and the request it received. */
  | HttpExpectation
  /** https: curl refuses the certificate the proxy presents (ingress-nginx's fake one for a host without one). */
  | { readonly kind: "tls-untrusted" }
  /** https: the proxy ends the handshake (no listener takes the server name: ssl_reject_handshake). */
  | { readonly kind: "tls-rejected" };

export interface HttpExpectation {
  readonly kind: "http";
  readonly status: number;
  /** `ns/name` of the pod that answers behind the controller, and the peer address it saw (the controller's). */
  readonly pod?: string;
  readonly seen?: string;
  readonly location?: string;
  readonly upstream?: UpstreamRequest;
  /** Through a Gateway: Location and upstream headers compare as the conformance suite does (gateway-rows.ts). */
  readonly gateway?: boolean;
}

export interface Group {
  readonly expect: Expectation;
  readonly key: string;
  probability: number;
  /** Dispositions of the branches in this group, for the table. */
  readonly dispositions: Set<Disposition>;
}

const REFUSED: readonly Disposition[] = ["REJECTED", "NO_ENDPOINTS", "CONNECTION_REFUSED"];
const TIMEOUT: readonly Disposition[] = ["DROPPED", "NO_LOCAL_ENDPOINTS", "WG_SOURCE_NOT_ALLOWED"];
const FAIL: readonly Disposition[] = [
  "NO_ROUTE",
  "NEIGHBOR_UNREACHABLE",
  "WG_NO_PEER",
  "MTU_EXCEEDED",
  "LOOP",
  "REPLY_MISMATCH",
];

/** The probe's echo server prints the peer it saw as `ip:port` (lib/emulate's server, another process). */
const ipOf = (addr: string | undefined): string => (addr ?? "").split(":")[0]!;

/** The emulation's name for who answers at a hop: `ns/name` for a pod, `client/NAME`, `node/NAME`. */
function serverAt(at: HopAt | undefined): string {
  if (at?.kind === "pod") return `${at.namespace}/${at.name}`;
  if (at?.kind === "client") return `client/${at.name}`;
  return at && "node" in at ? `node/${at.node}` : "";
}

/** Why the branch cannot be checked with a plain connection, or its expectation. */
export function expectationOf(trace: Trace, b: Branch): Expectation | { unverifiable: string } {
  const d = b.disposition;
  if (d === "DELIVERED") {
    if (b.reply && !["DELIVERED", "EXITS_NETWORK", "HTTP_RESPONSE"].includes(b.reply.disposition))
      return { kind: "fail" };
    if (trace.request.proto === "icmp") return { kind: "answer", server: `ip:${trace.request.dst}`, seen: "" };
    return { kind: "answer", server: serverAt(b.hops.at(-1)?.at), seen: arrival(b)?.peer.ip ?? "" };
  }
  if (REFUSED.includes(d)) return { kind: "refused" };
  if (TIMEOUT.includes(d)) return { kind: "timeout" };
  if (FAIL.includes(d)) return { kind: "fail" };
  const why =
    d === "EXITS_NETWORK"
      ? "leaves the emulated network"
      : "needs the ingress controller (curl through ingress is not emulated)";
  return { unverifiable: `${d}: ${why}` };
}

export function keyOf(e: Expectation): string {
  if (e.kind === "http")
    return [
      `HTTP ${e.status}`,
      ...(e.pod ? [`${e.pod} saw ${e.seen}`] : []),
      ...(e.location ? [`Location ${e.location}`] : []),
      ...(e.upstream ? [`upstream ${e.upstream.method} ${e.upstream.path} (Host ${e.upstream.host})`] : []),
    ].join(", ");
  return e.kind === "answer" ? `${e.server}${e.seen ? ` saw ${e.seen}` : ""}` : e.kind;
}

/** The predicted branches grouped by what a connection would show, probabilities summed. */
export function groupsOf(trace: Trace): { groups: Group[] } | { unverifiable: string } {
  const groups = new Map<string, Group>();
  for (const b of trace.branches) {
    const e = expectationOf(trace, b);
    if ("unverifiable" in e) return { unverifiable: e.unverifiable };
    const key = keyOf(e);
    const g = groups.get(key) ?? { expect: e, key, probability: 0, dispositions: new Set<Disposition>() };
    g.probability += b.probability;
    g.dispositions.add(b.disposition);
    groups.set(key, g);
  }
  return { groups: [...groups.values()] };
}

export function matches(e: Expectation, a: Attempt): boolean {
  switch (e.kind) {
    case "answer":
      return a.outcome === "answer" && a.server === e.server && (e.seen === "" || ipOf(a.seen) === e.seen);
    case "refused":
      return a.outcome === "refused";
    case "timeout":
      return a.outcome === "timeout";
    case "fail":
      return a.outcome !== "answer";
    case "tls-untrusted":
    case "tls-rejected":
      return a.outcome === e.kind;
    case "http":
      return (
        a.outcome === "answer" &&
        a.status === e.status &&
        (e.gateway ? sameLocation(e.location, a.location) : a.location === e.location) &&
        (e.pod === undefined
          ? a.echoed === undefined
          : a.server === e.pod &&
            ipOf(a.seen) === e.seen &&
            (e.gateway ? sameGatewayRequest(e.upstream, a.echoed) : sameRequest(e.upstream, a.echoed)))
      );
  }
}

/**
 * The request the pod received is the one predicted: method, Host, target and every header, no more; but for an
 * X-Request-ID kubehop leaves out, nginx's random $request_id (32 hex digits).
 */
function sameRequest(want: UpstreamRequest | undefined, got: Echoed | undefined): boolean {
  if (!want || !got) return want === undefined;
  const keys = (h: Readonly<Record<string, string>>) => Object.keys(h).sort().join("\n");
  const random = got.headers["x-request-id"];
  if (!("x-request-id" in want.headers) && random !== undefined) {
    if (!/^[0-9a-f]{32}$/.test(random)) return false;
    const { "x-request-id": _, ...rest } = got.headers;
    return sameRequest(want, { ...got, headers: rest });
  }
  return (
    want.method === got.method &&
    want.host === got.host &&
    want.path === got.path &&
    keys(want.headers) === keys(got.headers) &&
    Object.entries(want.headers).every(([k, v]) => got.headers[k] === v)
  );
}

export function describeAttempt(a: Attempt): string {
  if (a.status !== undefined) {
    const e = a.echoed;
    const headers = e ? Object.entries(e.headers).map(([k, v]) => `${k}: ${v}`) : [];
    return [
      `HTTP ${a.status}`,
      ...(a.server ? [`${a.server} saw ${ipOf(a.seen)}`] : []),
      ...(a.location !== undefined ? [`Location ${a.location}`] : []),
      ...(e ? [`upstream ${e.method} ${e.path} (Host ${e.host}) [${headers.join("; ")}]`] : []),
    ].join(", ");
  }
  return a.outcome === "answer"
    ? `${a.server}${a.seen ? ` saw ${ipOf(a.seen)}` : ""}`
    : `${a.outcome}${a.detail ? ` (${a.detail})` : ""}`;
}
