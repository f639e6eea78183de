// Where a node's iptables differ from kube-proxy's, by Service port and endpoint: the derived side is
// what kube-proxy programs (lib/kubeproxy, from the data its rules are made of), the dumped side the
// node dump's parsed ruleset, read for the same facts: which Service ports have rules in
// KUBE-SERVICES, and which addresses each one's KUBE-SEP chains DNAT to.
import { formatIpv4, type Ipv4 } from "../model/address.ts";
import type { Cluster, Node } from "../model/cluster.ts";
import { BUILTIN_CHAINS, type Chain, type Rule, type Ruleset } from "../model/ruleset.ts";
import { programmedServicePorts } from "../kubeproxy/index.ts";
import type { Difference } from "./difference.ts";

/** A KUBE-SEP chain's DNAT: the endpoint address, and the line of the rule in the dump (0 if derived). */
interface Dnat {
  readonly ip: Ipv4;
  readonly port: number | null;
  readonly line: number;
}

interface ServicePortView {
  /** Service port names with rules in KUBE-SERVICES. */
  readonly services: ReadonlySet<string>;
  /** Service port name -> its DNATs, keyed by address and port. */
  readonly endpoints: ReadonlyMap<string, ReadonlyMap<string, Dnat>>;
}

export function compareIptables(
  cluster: Cluster,
  node: Node,
  dumped: Ruleset,
  out: Difference[],
  info: string[],
): void {
  const derived = derivedView(cluster, node);
  const real = dumpedView(dumped);
  const podAt = new Map<Ipv4, string>(
    cluster.pods.filter((p) => !p.hostNetwork).map((p) => [p.ip, `${p.namespace}/${p.name}`]),
  );
  const who = (d: Dnat) => {
    const pod = podAt.get(d.ip);
    return pod ? `pod ${pod}` : "no pod has that address";
  };
  for (const key of sorted(derived.services)) {
    if (!real.services.has(key))
      out.push({
        part: "iptables",
        kind: "missing-service",
        text: `Service port ${key} has no rules on ${node.name}: kube-proxy has not programmed it`,
        touches: { service: key },
      });
  }
  for (const key of sorted(real.services)) {
    if (!derived.services.has(key))
      out.push({
        part: "iptables",
        kind: "stale-service",
        text: `Service port ${key} still has rules on ${node.name} but no such Service port exists: a stale kube-proxy`,
        touches: { service: key },
      });
  }
  for (const key of sorted(new Set([...derived.endpoints.keys(), ...real.endpoints.keys()]))) {
    if (!derived.services.has(key) || !real.services.has(key)) continue;
    const want = derived.endpoints.get(key) ?? new Map<string, Dnat>();
    const have = real.endpoints.get(key) ?? new Map<string, Dnat>();
    for (const [target, d] of byText(have)) {
      if (!want.has(target))
        out.push({
          part: "iptables",
          kind: "stale-endpoint",
          text:
            `${key} DNATs to ${dnatText(d)} (KUBE-SEP), which is not an endpoint of it (${who(d)}): a stale ` +
            `kube-proxy`,
          ...(d.line > 0 ? { at: `${dumped.file}:${d.line}` } : {}),
          touches: { service: key },
        });
    }
    for (const [target, d] of byText(want)) {
      if (!have.has(target))
        out.push({
          part: "iptables",
          kind: "missing-endpoint",
          text: `${key} does not DNAT to ${dnatText(d)} (${who(d)}), an endpoint of it: a stale kube-proxy`,
          touches: { service: key },
        });
    }
  }
  const foreign = foreignChains(dumped);
  if (foreign.length > 0)
    info.push(
      `${foreign.join(", ")} ${foreign.length === 1 ? "is" : "are"} not kube-proxy's: not compared (traces still ` +
        `walk ${foreign.length === 1 ? "it" : "them"})`,
    );
}

function derivedView(cluster: Cluster, node: Node): ServicePortView {
  const services = new Set<string>();
  const endpoints = new Map<string, Map<string, Dnat>>();
  for (const port of programmedServicePorts(cluster, node.name)) {
    services.add(port.name);
    for (const ep of port.endpoints) add(endpoints, port.name, { ip: ep.ip, port: ep.port, line: 0 });
  }
  return { services, endpoints };
}

/**
 * kube-proxy names a rule's Service port at the start of its comment. A KUBE-SEP rule without one
 * (kube-proxy leaves them out above 1,000 endpoints) belongs to the Service ports whose
 * KUBE-SERVICES or KUBE-NODEPORTS rules jump, through their chains, to it.
 */
function dumpedView(rs: Ruleset): ServicePortView {
  const nat = rs.tables.get("nat")?.chains;
  const services = new Set<string>();
  for (const r of nat?.get("KUBE-SERVICES")?.rules ?? []) {
    const port = servicePortOf(r);
    if (port && r.target.kind === "jump") services.add(port);
  }
  for (const r of rs.tables.get("filter")?.chains.get("KUBE-SERVICES")?.rules ?? []) {
    const c = commentOf(r);
    if (c?.endsWith(" has no endpoints")) services.add(c.split(" ")[0]!);
  }
  const endpoints = new Map<string, Map<string, Dnat>>();
  let reached: ReadonlyMap<string, readonly string[]> | undefined;
  for (const chain of nat?.values() ?? []) {
    if (!chain.name.startsWith("KUBE-SEP-")) continue;
    for (const r of chain.rules) {
      const t = r.target;
      if (t.kind !== "dnat") continue;
      const port = servicePortOf(r);
      const owners = port ? [port] : ((reached ??= reachedFrom(nat!)).get(chain.name) ?? []);
      for (const owner of owners) add(endpoints, owner, { ip: t.ip, port: t.port, line: r.ref.line ?? 0 });
    }
  }
  return { services, endpoints };
}

/** Chain name -> the Service ports whose top-level rules lead to it through jumps. */
function reachedFrom(nat: ReadonlyMap<string, Chain>): Map<string, string[]> {
  const owners = new Map<string, string[]>();
  const visit = (name: string, port: string, seen: Set<string>): void => {
    const chain = nat.get(name);
    if (!chain || seen.has(name)) return;
    seen.add(name);
    const list = owners.get(name);
    if (!list) owners.set(name, [port]);
    else if (!list.includes(port)) list.push(port);
    for (const r of chain.rules) if (r.target.kind === "jump") visit(r.target.chain, port, seen);
  };
  for (const top of ["KUBE-SERVICES", "KUBE-NODEPORTS"]) {
    for (const r of nat.get(top)?.rules ?? []) {
      const port = servicePortOf(r);
      if (port && r.target.kind === "jump") visit(r.target.chain, port, new Set());
    }
  }
  return owners;
}

function add(endpoints: Map<string, Map<string, Dnat>>, port: string, d: Dnat): void {
  let m = endpoints.get(port);
  if (!m) endpoints.set(port, (m = new Map()));
  m.set(`${d.ip}:${d.port}`, d);
}

function commentOf(r: Rule): string | undefined {
  for (const m of r.matches) if (m.kind === "comment") return m.text;
  return undefined;
}

/** The Service port a rule's comment names; kube-proxy's own rules (`kubernetes ...`) name none. */
function servicePortOf(r: Rule): string | undefined {
  const c = commentOf(r);
  return c && !c.startsWith("kubernetes ") ? c.split(" ")[0] : undefined;
}

/** Chains that are neither built in nor kube-proxy's (KUBE-*): another tool's, such as the CNI's. */
function foreignChains(rs: Ruleset): string[] {
  const out: string[] = [];
  for (const [tableName, table] of rs.tables) {
    for (const chain of table.chains.values()) {
      if (!chain.name.startsWith("KUBE-") && !BUILTIN_CHAINS[tableName].includes(chain.name))
        out.push(`${chain.name} (${tableName})`);
    }
  }
  return out;
}

function dnatText(d: Dnat): string {
  return `${formatIpv4(d.ip)}${d.port !== null ? `:${d.port}` : ""}`;
}

/** In the order of the addresses' text, as they are printed. */
function byText(m: ReadonlyMap<string, Dnat>): [string, Dnat][] {
  return [...m]
    .map(([k, d]) => [k, d, dnatText(d)] as const)
    .sort((a, b) => (a[2] < b[2] ? -1 : a[2] > b[2] ? 1 : 0))
    .map(([k, d]) => [k, d]);
}

function sorted(s: Iterable<string>): string[] {
  return [...s].sort();
}
