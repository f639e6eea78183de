// curl through ingress, checked against real nginx: what each branch of kubehop's curl trace says the
// client gets (the status, a redirect's Location) and, when the controller proxies, which pod answers,
// the address it sees the request come from (the controller's) and the request it receives (method,
// Host, target, headers: rewrite-target and X-Forwarded-* included).
import { arrival } from "../assert/facts.ts";
import type { Disposition, Trace } from "../trace/types.ts";
import { type Group, type HttpExpectation, keyOf } from "./expect.ts";
import type { HttpProbe } from "./probe.ts";

/** What curl sees when the simulator says the TLS handshake does not complete. */
const TLS_FAILURES: Partial<Record<Disposition, "tls-untrusted" | "tls-rejected">> = {
  TLS_CERT_UNTRUSTED: "tls-untrusted",
  TLS_HANDSHAKE_FAILED: "tls-rejected",
};

/** The branches grouped by what a real curl would see, probabilities summed. */
export function ingressGroups(trace: Trace): { groups: Group[] } | { unverifiable: string } {
  const groups = new Map<string, Group>();
  for (const b of trace.branches) {
    const h = b.http;
    const tls = TLS_FAILURES[b.disposition];
    if (tls) {
      const g = groups.get(tls) ?? { expect: { kind: tls }, key: tls, probability: 0, dispositions: new Set() };
      g.probability += b.probability;
      g.dispositions.add(b.disposition);
      groups.set(tls, g);
      continue;
    }
    if (!h || h.status === 0) return { unverifiable: `${b.disposition}: no HTTP answer predicted (${b.reason})` };
    const proxied = h.pod !== undefined && h.upstream !== undefined;
    const expect: HttpExpectation = {
      kind: "http",
      status: h.status,
      ...(proxied ? { pod: h.pod, seen: arrival(b)?.peer.ip ?? "", upstream: h.upstream } : {}),
      ...(h.location !== undefined ? { location: h.location } : {}),
      ...(h.gateway !== undefined ? { gateway: true } : {}),
    };
    // Branches the key shows alike may still send the pod different headers (X-Real-IP: the address the
    // controller saw, which node masqueraded): grouped apart, the client's address added to the label.
    const shown = keyOf(expect);
    const id = `${shown}\n${JSON.stringify(h.upstream?.headers ?? {})}`;
    const clash = [...groups.entries()].some(([k, x]) => k !== id && x.key === shown);
    const ip = h.upstream?.headers["x-real-ip"];
    const key = clash && ip ? `${shown}, X-Real-IP ${ip}` : shown;
    const g = groups.get(id) ?? { expect, key, probability: 0, dispositions: new Set<Disposition>() };
    g.probability += b.probability;
    g.dispositions.add(b.disposition);
    groups.set(id, g);
  }
  // The first of a clashing label gets the address too.
  const list = [...groups.values()];
  return {
    groups: list.map((g) => {
      const ip = g.expect.kind === "http" ? g.expect.upstream?.headers["x-real-ip"] : undefined;
      const twin = list.some((x) => x !== g && x.key.startsWith(`${g.key}, X-Real-IP `));
      return twin && ip ? { ...g, key: `${g.key}, X-Real-IP ${ip}` } : g;
    }),
  };
}

/** The request curl sends: the traced method, target and headers, Host as curl writes it. */
export function ingressRequest(trace: Trace): HttpProbe | undefined {
  const h = trace.request.http;
  if (!h) return undefined;
  return { method: h.method, target: h.path, headers: { host: h.host, ...h.headers } };
}

/** https: the server name curl sends, the URL's host (none for an IP address, as curl leaves it out). */
export function tlsOf(trace: Trace): { sni?: string } | undefined {
  const h = trace.request.http;
  if (h?.scheme !== "https") return undefined;
  const host = new URL(h.url).hostname;
  return /^[0-9.]+$|^\[/.test(host) ? {} : { sni: host };
}

/** The Ingresses the branches went through (`ns/name`), to skip rows nginx's configuration does not cover. */
export function ingressesOf(trace: Trace): string[] {
  return [...new Set(trace.branches.flatMap((b) => (b.http?.ingress ? [b.http.ingress] : [])))].sort();
}
