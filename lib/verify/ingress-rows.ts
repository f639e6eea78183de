// curl through ingress, checked against real nginx: what each branch of kubehop's curl trace says the
// client gets (the status, a redirect's Location) and, when the controller proxies, which pod answers,
// the address it sees the request come from (the controller's) and the request it receives (method,
// Host, target, headers: rewrite-target and X-Forwarded-* included).
import { arrival } from "../assert/facts.ts";
import type { Disposition, Trace } from "../trace/types.ts";
import { type Group, type HttpExpectation, keyOf } from "./expect.ts";
import type { HttpProbe } from "./probe.ts";

/** Why an https:// row is not sent. */
export const HTTPS_SKIP =
  "https through ingress: nginx serves the controller's plain-HTTP port only (no certificates in the emulation); " +
  "the L4 leg to its TLS port is checked by the LB and NodePort rows";

/** The branches grouped by what a real curl would see, probabilities summed. */
export function ingressGroups(trace: Trace): { groups: Group[] } | { unverifiable: string } {
  const groups = new Map<string, Group>();
  for (const b of trace.branches) {
    const h = b.http;
    if (!h || h.status === 0) return { unverifiable: `${b.disposition}: no HTTP answer predicted (${b.reason})` };
    const proxied = h.pod !== undefined && h.upstream !== undefined;
    const expect: HttpExpectation = {
      kind: "http",
      status: h.status,
      ...(proxied ? { pod: h.pod, seen: arrival(b)?.peer.ip ?? "", upstream: h.upstream } : {}),
      ...(h.location !== undefined ? { location: h.location } : {}),
      ...(h.gateway !== undefined ? { gateway: true } : {}),
    };
    const key = keyOf(expect);
    const g = groups.get(key) ?? { expect, key, probability: 0, dispositions: new Set<Disposition>() };
    g.probability += b.probability;
    g.dispositions.add(b.disposition);
    groups.set(key, g);
  }
  return { groups: [...groups.values()] };
}

/** The request curl sends: the traced method, target and headers, Host as curl writes it. */
export function ingressRequest(trace: Trace): HttpProbe | undefined {
  const h = trace.request.http;
  if (!h) return undefined;
  return { method: h.method, target: h.path, headers: { host: h.host, ...h.headers } };
}

/** The Ingresses the branches went through (`ns/name`), to skip rows nginx's configuration does not cover. */
export function ingressesOf(trace: Trace): string[] {
  return [...new Set(trace.branches.flatMap((b) => (b.http?.ingress ? [b.http.ingress] : [])))].sort();
}
