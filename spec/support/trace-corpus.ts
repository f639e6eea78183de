// A broad set of traces for the specs that hold every trace to a property (typed facts, schema):
// each topology of topologies/ and spec/fixtures/topologies, from every pod, node and client to
// every Service port, pod port and node, and curl to every Ingress host and path, also over https
// and with unknown hosts and paths; requests the topology cannot make are skipped.
import { readdirSync } from "node:fs";
import { formatIpv4 } from "../../lib/model/address.ts";
import { loadTopologySync, type Topology } from "../../lib/topology.ts";
import { RequestError } from "../../lib/trace/errors.ts";
import type { Trace } from "../../lib/trace/types.ts";

export const CORPUS_TOPOLOGIES = [
  "topologies/default.yaml",
  "topologies/dumps-example",
  "topologies/gateway.yaml",
  ...readdirSync("topologies/hard-cases").map((f) => `topologies/hard-cases/${f}`),
  ...readdirSync("spec/fixtures/topologies").map((f) => `spec/fixtures/topologies/${f}`),
];

export interface CorpusTrace {
  readonly topology: string;
  readonly request: string;
  readonly trace: Trace;
}

function attempt(run: () => Trace): Trace | undefined {
  try {
    return run();
  } catch (e) {
    if (e instanceof RequestError) return undefined;
    throw e;
  }
}

function requests(t: Topology): { text: string; run: () => Trace }[] {
  const c = t.cluster;
  const pods = c.pods.filter((_, i) => i % Math.ceil(c.pods.length / 6) === 0);
  const froms = [
    ...pods.map((p) => `pod/${p.namespace}/${p.name}`),
    ...c.nodes.slice(0, 2).map((n) => `node/${n.name}`),
    ...c.nodes.slice(0, 1).map((n) => `node/${n.name}:eth0`),
    ...c.clients.map((x) => `client/${x.name}`),
  ];
  const tos = [
    ...c.services.flatMap((s) =>
      s.ports.map((p) => ({ to: `svc/${s.namespace}/${s.name}:${p.port}`, proto: p.protocol })),
    ),
    ...c.services.flatMap((s) =>
      s.ports
        .filter((p) => p.nodePort !== undefined)
        .map((p) => ({ to: `${formatIpv4(c.nodes[0]!.ip)}:${p.nodePort}`, proto: p.protocol })),
    ),
    ...c.loadBalancers.map((lb) => ({ to: `${formatIpv4(lb.vip)}:443`, proto: "TCP" })),
    ...pods.flatMap((p) =>
      p.ports.slice(0, 1).map((x) => ({ to: `pod/${p.namespace}/${p.name}:${x.containerPort}`, proto: x.protocol })),
    ),
    ...pods.slice(0, 1).map((p) => ({ to: `pod/${p.namespace}/${p.name}:1`, proto: "TCP" })),
    ...c.nodes.slice(0, 2).map((n) => ({ to: `node/${n.name}:22`, proto: "TCP" })),
    { to: "8.8.8.8:53", proto: "UDP" },
    { to: "10.244.99.9:80", proto: "TCP" },
  ];
  const out: { text: string; run: () => Trace }[] = [];
  for (const from of froms)
    for (const { to, proto } of tos) {
      const p = proto.toLowerCase() as "tcp" | "udp";
      out.push({ text: `trace --from ${from} --to ${to} --proto ${p}`, run: () => t.trace({ from, to, proto: p }) });
    }
  for (const from of froms.slice(0, 1)) {
    out.push({
      text: `trace --from ${from} --to 192.168.10.11 icmp`,
      run: () => t.trace({ from, to: `${formatIpv4(c.nodes[0]!.ip)}`, proto: "icmp" }),
    });
    out.push({
      text: `trace --from ${from} size 1480`,
      // Not default/kubernetes, whose endpoint is a node on the underlay: a pod's path crosses wg0.
      run: () => t.trace({ from, to: tos.find((x) => !x.to.startsWith("svc/default/kubernetes:"))!.to, size: 1480 }),
    });
  }
  const urls = new Set<string>(["http://unknown.example.com/", "https://unknown.example.com/x"]);
  for (const { ingress } of c.ingress.served)
    for (const rule of ingress.rules) {
      const host = rule.host?.replace(/^\*\./, "www.") ?? "any.example.com";
      for (const path of rule.paths ?? [{ path: "/" }]) {
        const p = path.path || "/";
        urls.add(`http://${host}${p}`);
        urls.add(`https://${host}${p}`);
        urls.add(`https://${host}${p.replace(/\/$/, "")}/more`);
      }
      urls.add(`http://${host}/nothing-here`);
    }
  // A Gateway's names: its routes' paths, a redirect, a 500, and what no rule matches.
  for (const r of c.dns.filter((d) => d.source.startsWith("Gateway ")))
    for (const p of ["/", "/checkout", "/api/x", "/old-shop", "/legacy/x", "/reviews"]) {
      urls.add(`http://${r.name}${p}`);
      urls.add(`https://${r.name}${p}`);
    }
  for (const url of urls) {
    out.push({ text: `curl ${url}`, run: () => t.curl(url) });
    out.push({ text: `curl -k -L ${url}`, run: () => t.curl(url, { insecure: true, follow: true }) });
    if (pods[0]) {
      const from = `pod/${pods[0].namespace}/${pods[0].name}`;
      out.push({ text: `curl --from ${from} ${url}`, run: () => t.curl(url, { from, traceDns: true }) });
    }
  }
  return out;
}

/** Every trace of the corpus, with the traces it followed (-L) and its DNS query. */
export function traceCorpus(): CorpusTrace[] {
  const out: CorpusTrace[] = [];
  for (const topology of CORPUS_TOPOLOGIES) {
    const t = loadTopologySync(topology);
    for (const r of requests(t)) {
      const trace = attempt(r.run);
      if (!trace) continue;
      for (const x of [trace, ...(trace.followed ?? []), ...(trace.dns ? [trace.dns] : [])])
        out.push({ topology, request: r.text, trace: x });
    }
  }
  return out;
}
