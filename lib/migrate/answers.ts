// What one world answers one migration request, aspect by aspect, each as a distribution over the
// trace's branches (a canary weight or an allowlist that only some source addresses pass splits
// them), and where two worlds' answers differ. Pods are not compared: the same Service may well be
// served by other pods; the address a backend sees is compared as kept or lost, since the proxy in
// front of it is another pod in each world.
import { runRequest } from "../assert/expectations.ts";
import { branchOutcome } from "../diff/outcome.ts";
import type { Cluster } from "../model/cluster.ts";
import type { HttpOutcome } from "../model/step.ts";
import type { Topology } from "../topology.ts";
import { RequestError } from "../trace/request.ts";
import type { Branch, Trace } from "../trace/types.ts";
import type { MigrateRequest } from "./requests.ts";

export const ASPECTS = ["status", "backend", "location", "upstream", "client address", "tls"] as const;
export type Aspect = (typeof ASPECTS)[number];

export interface Share {
  readonly value: string;
  readonly probability: number;
}

export interface Answer {
  /** The request could not be made in this world (its host does not resolve there, ...). */
  readonly error?: string;
  readonly aspects: Readonly<Record<Aspect, readonly Share[]>>;
  /** The rules that decided: `Ingress ns/name /path (Prefix)` or `HTTPRoute ns/name rule N`. */
  readonly decidedBy: readonly string[];
  readonly trace?: Trace;
}

export interface Difference {
  readonly aspect: Aspect | "request";
  readonly ingress: string;
  readonly gateway: string;
}

/** The Gateway fields of a branch's http, read where the Gateway data path fills them. */
interface GatewayHttp {
  readonly route?: string;
  readonly rule?: number | { readonly index: number; readonly name?: string };
  readonly backend?: { readonly namespace?: string; readonly service: string; readonly port: number | string };
}

export function answerOf(topology: Topology, request: MigrateRequest, resolve: readonly string[]): Answer {
  const { url } = request;
  const options = {
    ...(resolve.length ? { resolve } : {}),
    ...(request.method !== undefined ? { method: request.method } : {}),
    ...(request.headers !== undefined ? { headers: request.headers } : {}),
  };
  let trace: Trace;
  try {
    trace = runRequest(topology, { kind: "curl", url, options });
  } catch (e) {
    if (!(e instanceof RequestError)) throw e;
    const none = Object.fromEntries(ASPECTS.map((a) => [a, []])) as unknown as Answer["aspects"];
    return { error: e.message, aspects: none, decidedBy: [] };
  }
  const https = url.startsWith("https:");
  const shares = (f: (b: Branch) => string) => distribution(trace.branches.map((b) => [f(b), b.probability]));
  return {
    trace,
    aspects: {
      status: shares((b) => (b.http && b.http.status > 0 ? String(b.http.status) : b.disposition)),
      backend: shares((b) => backendOf(topology.cluster, b.http)),
      location: shares((b) => (b.http?.location !== undefined ? normalisedLocation(b.http.location) : "-")),
      upstream: shares((b) => (b.http?.upstream ? `${b.http.upstream.host} ${b.http.upstream.path}` : "-")),
      "client address": shares((b) => (b.http?.upstream ? branchOutcome(trace, b).clientIP : "-")),
      tls: shares((b) => (!https ? "-" : b.http && b.http.status > 0 ? "ok" : `fails (${b.disposition})`)),
    },
    decidedBy: [...new Set(trace.branches.map((b) => decidedBy(b.http)).filter((d) => d !== ""))].sort(),
  };
}

/**
 * An absolute Location as a client follows it: https://host is https://host/ (RFC 3986 6.2.3, which
 * ingress-nginx's ssl-redirect writes for / when it drops the trailing slash), a default port left out.
 */
function normalisedLocation(location: string): string {
  try {
    return new URL(location).href;
  } catch {
    return location;
  }
}

/** `namespace/service:port`, the port as a number whichever way the rule wrote it. */
function backendOf(cluster: Cluster, h: (HttpOutcome & GatewayHttp) | undefined): string {
  if (!h?.backend || h.upstream === undefined) return "-";
  const namespace = h.backend.namespace ?? h.ingress?.split("/")[0] ?? "";
  const { service, port } = h.backend;
  const number =
    typeof port === "number"
      ? port
      : cluster.services
          .find((s) => s.namespace === namespace && s.name === service)
          ?.ports.find((p) => p.name === port)?.port;
  return `${namespace}/${service}:${number ?? port}`;
}

function decidedBy(h: (HttpOutcome & GatewayHttp) | undefined): string {
  if (h?.route !== undefined) {
    const rule = typeof h.rule === "number" ? `${h.rule}` : h.rule ? `${h.rule.name ?? h.rule.index}` : "";
    return `HTTPRoute ${h.route}${rule ? ` rule ${rule}` : ""}`;
  }
  if (h?.ingress !== undefined)
    return `Ingress ${h.ingress}${h.path !== undefined ? ` ${h.path} (${h.pathType})` : ""}`;
  return "";
}

function distribution(pairs: readonly [string, number][]): Share[] {
  const sum = new Map<string, number>();
  for (const [v, p] of pairs) sum.set(v, (sum.get(v) ?? 0) + p);
  return [...sum].map(([value, probability]) => ({ value, probability })).sort((a, b) => (a.value < b.value ? -1 : 1));
}

/** `200`, or `200 50%, 403 50%` when the branches part. */
export function sharesText(shares: readonly Share[]): string {
  if (shares.length === 0) return "(none)";
  if (shares.length === 1 && Math.abs(shares[0]!.probability - 1) < 1e-9) return shares[0]!.value;
  return shares.map((s) => `${s.value} ${percent(s.probability)}`).join(", ");
}

function percent(p: number): string {
  return `${Number((p * 100).toFixed(1))}%`;
}

export function differences(ingress: Answer, gateway: Answer): Difference[] {
  if (ingress.error || gateway.error) {
    if (ingress.error === gateway.error) return [];
    return [{ aspect: "request", ingress: notMade(ingress), gateway: notMade(gateway) }];
  }
  return ASPECTS.flatMap((aspect) => {
    const [a, b] = [sharesText(ingress.aspects[aspect]), sharesText(gateway.aspects[aspect])];
    return a === b ? [] : [{ aspect, ingress: a, gateway: b }];
  });
}

function notMade(a: Answer): string {
  return a.error ? `not made: ${a.error}` : "made";
}
