// `kubehop drift`: for each node with dumps, where its real rules, routes and peers differ from what
// kubehop derives from the objects, and which requests each difference breaks. A request breaks when
// its outcome (the dispositions, and the pods it reaches) differs between the derived model and the
// model with that part of the node's dump in place. Requests tried per node: every Service port from
// a pod on the node, and pod to pod between the node and one pod on every other node, both ways.
import type { Diagnostic } from "../model/diagnostic.ts";
import type { Cluster, Node, NodeDump, Pod, Route } from "../model/cluster.ts";
import { Topology } from "../topology.ts";
import type { TraceQuery } from "../trace/request.ts";
import { routeFact } from "../dataplane/facts.ts";
import { nodeOf } from "../model/hop-at.ts";
import { safe } from "../output/terminal.ts";
import type { Hop, Step, Trace } from "../trace/types.ts";
import { compareNode } from "./compare.ts";
import type { Difference, DriftPart } from "./difference.ts";

/** Enough to cover a node's Services and peers; more only repeats the same paths. */
export const MAX_REQUESTS_PER_NODE = 400;

export interface Request {
  readonly label: string;
  readonly query: TraceQuery;
  /** kube-proxy's name of the Service port, for Service requests. */
  readonly service?: string;
  /** The nodes it starts and ends on: its pods' nodes, or the node it starts from. */
  readonly nodes: readonly string[];
}

export interface BrokenRequest {
  readonly request: string;
  readonly derived: string;
  readonly dumped: string;
}

export interface DriftDifference {
  readonly part: DriftPart;
  readonly kind: string;
  readonly text: string;
  readonly at?: string;
  readonly breaks: BrokenRequest[];
}

export interface NodeDrift {
  readonly node: string;
  readonly files: string[];
  readonly differences: DriftDifference[];
  /** Requests this node's dumps change that no single difference explains. */
  readonly alsoBreaks: BrokenRequest[];
  readonly info: string[];
  readonly requestsTried: number;
  readonly requestsLeftOut: number;
}

export interface DriftReport {
  readonly drift: boolean;
  readonly nodes: NodeDrift[];
  /** What the topology and its dumps could not be read as, as every command reports it. */
  readonly diagnostics: Diagnostic[];
}

const PARTS: Record<DriftPart, (d: NodeDump) => Partial<NodeDump>> = {
  iptables: (d) => (d.iptablesSave ? { iptablesSave: d.iptablesSave } : {}),
  nftables: (d) => (d.nftRuleset ? { nftRuleset: d.nftRuleset } : {}),
  routes: (d) => ({ ...(d.routes ? { routes: d.routes } : {}), ...(d.addresses ? { addresses: d.addresses } : {}) }),
  wireguard: (d) => (d.wireguard ? { wireguard: d.wireguard } : {}),
};

export function drift(cluster: Cluster): DriftReport {
  const derived = new Topology({ ...cluster, nodeDumps: new Map() });
  const nodes: NodeDrift[] = [];
  for (const node of cluster.nodes) {
    const dump = cluster.nodeDumps.get(node.name);
    if (!dump) continue;
    nodes.push(nodeDrift(cluster, node, dump, derived));
  }
  return { drift: nodes.some((n) => n.differences.length > 0), nodes, diagnostics: [...cluster.diagnostics] };
}

function nodeDrift(cluster: Cluster, node: Node, dump: NodeDump, derived: Topology): NodeDrift {
  const { differences, info } = compareNode(cluster, node, dump);
  const all = requestsFor(cluster, node);
  const requests = all.slice(0, MAX_REQUESTS_PER_NODE);
  const base = new Map(requests.map((r) => [r.label, run(derived, r)]));
  const out: DriftDifference[] = differences.map((d) => ({
    part: d.part,
    kind: d.kind,
    text: d.text,
    ...(d.at ? { at: d.at } : {}),
    breaks: [],
  }));
  const alsoBreaks: BrokenRequest[] = [];
  for (const part of ["iptables", "nftables", "routes", "wireguard"] as const) {
    const only = PARTS[part](dump);
    if (Object.keys(only).length === 0 || !differences.some((d) => d.part === part)) continue;
    const real = new Topology({ ...cluster, nodeDumps: new Map([[node.name, { node: node.name, ...only }]]) });
    for (const r of requests) {
      const before = base.get(r.label)!;
      const after = run(real, r);
      if (before.outcome === after.outcome) continue;
      const broken = { request: r.label, derived: before.outcome, dumped: after.outcome };
      let placed = false;
      differences.forEach((d, i) => {
        if (d.part === part && touches(d, r, [before.trace, after.trace], node)) {
          out[i]!.breaks.push(broken);
          placed = true;
        }
      });
      if (!placed) alsoBreaks.push(broken);
    }
  }
  const files = [
    dump.iptablesSave?.file,
    dump.nftRuleset?.file,
    dump.routes?.file,
    dump.addresses?.file,
    dump.wireguard?.file,
  ].filter((f): f is string => f !== undefined);
  return {
    node: node.name,
    files,
    differences: out,
    alsoBreaks,
    info,
    requestsTried: requests.length,
    requestsLeftOut: all.length - requests.length,
  };
}

/** Whether the request is one the difference can have changed: by what it asked for and where its traces went. */
function touches(d: Difference, r: Request, traces: readonly (Trace | undefined)[], node: Node): boolean {
  const t = d.touches;
  if ("service" in t) return r.service === t.service;
  const anyHop = (test: (h: Hop) => boolean) =>
    traces.some((tr) => tr?.branches.some((b) => b.hops.some(test)) ?? false);
  if ("node" in t) return r.nodes.includes(t.node) || anyHop((h) => isOnNode(h, t.node));
  return anyHop((h) => isOnNode(h, node.name) && h.steps.some((s) => usesRoute(s, t.routes)));
}

/** The hop stands on the node: its IP stack, one of its interfaces, or one of its pods. */
function isOnNode(h: Hop, node: string): boolean {
  return nodeOf(h.at) === node;
}

/** The step's routing decision was one of the routes: the same prefix, type, device and gateway. */
function usesRoute(s: Step, routes: readonly Route[]): boolean {
  if (s.detail.kind !== "route" || s.detail.route === undefined) return false;
  const used = s.detail.route;
  return routes
    .map(routeFact)
    .some((r) => r.prefix === used.prefix && r.type === used.type && r.dev === used.dev && r.via === used.via);
}

/** The pod a hop stands at, as `namespace/name`. */
function podAt(h: Hop | undefined): string | undefined {
  return h?.at.kind === "pod" ? `${h.at.namespace}/${h.at.name}` : undefined;
}

/** The outcome compared: each disposition with the pod it reached, and its share of the branches. */
function run(topo: Topology, r: Request): { outcome: string; trace?: Trace } {
  let trace: Trace;
  try {
    trace = topo.trace(r.query);
  } catch (e) {
    return { outcome: `cannot trace: ${(e as Error).message}` };
  }
  const shares = new Map<string, number>();
  for (const b of trace.branches) {
    const pod = podAt(b.hops.at(-1));
    const key = b.disposition === "DELIVERED" && pod !== undefined ? `DELIVERED to ${pod}` : b.disposition;
    shares.set(key, (shares.get(key) ?? 0) + b.probability);
  }
  const outcome = [...shares]
    .sort((a, b) => (a[0] < b[0] ? -1 : 1))
    .map(([k, p]) => (shares.size === 1 ? k : `${k} ${percent(p)}`))
    .join(", ");
  return { outcome, trace };
}

function percent(p: number): string {
  return `${Math.round(p * 1000) / 10}%`;
}

/** A pod to start from: the first ready, non-host-network pod by namespace/name. */
function podOn(cluster: Cluster, node: string): Pod | undefined {
  return cluster.pods
    .filter((p) => p.node === node && !p.hostNetwork && p.ready && !p.terminating)
    .sort((a, b) => (`${a.namespace}/${a.name}` < `${b.namespace}/${b.name}` ? -1 : 1))[0];
}

export function requestsFor(cluster: Cluster, node: Node): Request[] {
  const out: Request[] = [];
  const mine = podOn(cluster, node.name);
  const from = mine ? `pod/${mine.namespace}/${mine.name}` : `node/${node.name}`;
  for (const svc of cluster.services) {
    if (svc.clusterIPs.length === 0) continue;
    for (const port of svc.ports) {
      if (port.protocol === "SCTP") continue;
      const ref = port.name || String(port.port);
      const to = `svc/${svc.namespace}/${svc.name}:${ref}`;
      out.push({
        label: `${from} -> ${to}`,
        query: { from, to, proto: port.protocol === "UDP" ? "udp" : "tcp" },
        service: `${svc.namespace}/${svc.name}${port.name ? `:${port.name}` : ""}`,
        nodes: [node.name],
      });
    }
  }
  for (const other of cluster.nodes) {
    if (other === node) continue;
    const theirs = podOn(cluster, other.name);
    if (!theirs) continue;
    const there = `pod/${theirs.namespace}/${theirs.name}`;
    const port = (p: Pod) => p.ports[0]?.containerPort ?? 80;
    const proto = (p: Pod) => (p.ports[0]?.protocol === "UDP" ? "udp" : "tcp");
    out.push({
      label: `${from} -> ${there}:${port(theirs)}`,
      query: { from, to: `${there}:${port(theirs)}`, proto: proto(theirs) },
      nodes: [node.name, other.name],
    });
    if (mine)
      out.push({
        label: `${there} -> ${from}:${port(mine)}`,
        query: { from: there, to: `${from}:${port(mine)}`, proto: proto(mine) },
        nodes: [other.name, node.name],
      });
  }
  return out;
}

export function driftText(report: DriftReport): string {
  if (report.nodes.length === 0) return "no node dumps: nothing to compare (see kubehop collect)\n";
  const lines: string[] = [];
  for (const n of report.nodes) {
    const count = n.differences.length;
    lines.push(
      `${n.node}: ${count === 0 ? "no drift" : `${count} difference${count === 1 ? "" : "s"}`} (${n.requestsTried} ` +
        `requests tried${n.requestsLeftOut ? `, ${n.requestsLeftOut} left out` : ""})`,
    );
    for (const part of ["iptables", "nftables", "routes", "wireguard"] as const) {
      const ds = n.differences.filter((d) => d.part === part);
      if (ds.length === 0) continue;
      lines.push(`  ${part}`);
      for (const d of ds) {
        lines.push(`    ${d.kind}: ${d.text}${d.at ? `  [${d.at}]` : ""}`);
        if (d.breaks.length === 0) lines.push("      breaks none of the requests tried");
        for (const b of d.breaks)
          lines.push(`      breaks ${b.request}`, `        derived:   ${b.derived}`, `        as dumped: ${b.dumped}`);
      }
    }
    for (const b of n.alsoBreaks)
      lines.push(`  also breaks ${b.request}`, `    derived:   ${b.derived}`, `    as dumped: ${b.dumped}`);
    for (const i of n.info) lines.push(`  info: ${i}`);
  }
  // Dumps are text from other people's nodes: nothing in them may drive the terminal.
  return `${lines.map(safe).join("\n")}\n`;
}
