// Where a node's `table ip kube-proxy` (its nft dump) differs from the one kube-proxy's nftables mode
// writes for it, by Service port: the verdict-map elements that lead to it, the addresses its
// endpoint chains DNAT to, its ClientIP affinity and its external traffic policy. Both tables are
// read by the one nft reader and compared as the same facts (nft-view.ts). The node's other tables
// (the CNI's, iptables-nft's) are not kube-proxy's: they are named in the info, not compared.
import { formatIpv4, type Ipv4 } from "../model/address.ts";
import type { Cluster, Node } from "../model/cluster.ts";
import { kubeProxyNftTable, listingText } from "../kubeproxy/nftables/index.ts";
import type { NftTable } from "../netfilter/nft/model.ts";
import { parseNftRuleset } from "../netfilter/nft/reader.ts";
import type { Difference } from "./difference.ts";
import { type MapEntry, type NftDnat, type NftView, nftView, type PortView } from "./nft-view.ts";

export interface NftDump {
  readonly file: string;
  readonly text: string;
}

export function compareNft(cluster: Cluster, node: Node, dump: NftDump, out: Difference[], info: string[]): void {
  const tables = parseNftRuleset(dump.text, dump.file).tables;
  const dumpedTable = tables.find(isKubeProxy);
  const others = tables.filter((t) => !isKubeProxy(t)).map((t) => `table ${t.family} ${t.name}`);
  if (others.length > 0)
    info.push(
      `${others.join(", ")} ${others.length === 1 ? "is" : "are"} not kube-proxy's: not compared (traces still walk ` +
        `${others.length === 1 ? "it" : "them"})`,
    );
  if (dumpedTable === undefined && cluster.kubeProxy.mode !== "nftables") {
    info.push(`${dump.file} holds no table ip kube-proxy: kube-proxy is not in nftables mode on ${node.name}`);
    return;
  }
  if (dumpedTable !== undefined && cluster.kubeProxy.mode !== "nftables")
    out.push({
      part: "nftables",
      kind: "proxy-mode",
      text:
        `kube-proxy runs in nftables mode on ${node.name} (its table ip kube-proxy is there), the ` +
        `KubeProxyConfiguration says ${cluster.kubeProxy.mode}`,
      at: `${dump.file}:${dumpedTable.line}`,
      touches: { node: node.name },
    });
  const text = listingText(kubeProxyNftTable(cluster, node.name));
  const derivedTable = parseNftRuleset(text, "derived").tables.find(isKubeProxy)!;
  const dumped: NftView = dumpedTable ? nftView(dumpedTable, dump.text) : new Map();
  new Comparison(cluster, node, dump.file, out).run(nftView(derivedTable, text), dumped);
}

function isKubeProxy(t: NftTable): boolean {
  return t.family === "ip" && t.name === "kube-proxy";
}

class Comparison {
  readonly #podAt: Map<Ipv4, string>;

  constructor(
    cluster: Cluster,
    private readonly node: Node,
    private readonly file: string,
    private readonly out: Difference[],
  ) {
    this.#podAt = new Map(cluster.pods.filter((p) => !p.hostNetwork).map((p) => [p.ip, `${p.namespace}/${p.name}`]));
  }

  run(derived: NftView, dumped: NftView): void {
    for (const key of sorted(derived.keys()))
      if (!dumped.has(key))
        this.push(
          key,
          "missing-service",
          `Service port ${key} has no rules on ${this.node.name}: kube-proxy has not programmed it`,
        );
    for (const key of sorted(dumped.keys()))
      if (!derived.has(key))
        this.push(
          key,
          "stale-service",
          `Service port ${key} still has rules on ${this.node.name} but no such Service port exists: a stale ` +
            "kube-proxy",
          firstLine(dumped.get(key)!),
        );
    for (const key of sorted(derived.keys())) {
      const have = dumped.get(key);
      if (have) this.port(key, derived.get(key)!, have);
    }
  }

  private port(key: string, want: PortView, have: PortView): void {
    for (const name of sorted(new Set([...want.entries.keys(), ...have.entries.keys()]))) {
      const w = want.entries.get(name);
      const h = have.entries.get(name);
      if (w && !h) this.push(key, "missing-entry", `${key} has no ${entryText(w)}`);
      else if (h && !w)
        this.push(key, "stale-entry", `${key} has ${entryText(h)}, which kubehop does not derive`, h.line);
      else if (w && h && w.verdict !== h.verdict)
        this.push(
          key,
          "different-entry",
          `${key}: ${h.map} element ${h.key} leads to ${h.verdict}, kubehop derives ${w.verdict}${policyOf(h, w)}`,
          h.line,
        );
    }
    for (const [target, d] of byText(have.dnats))
      if (!want.dnats.has(target))
        this.push(
          key,
          "stale-endpoint",
          `${key} DNATs to ${dnatText(d)} (endpoint chain), which is not an endpoint of it (${this.who(d)}): a stale ` +
            `kube-proxy`,
          d.line,
        );
    for (const [target, d] of byText(want.dnats))
      if (!have.dnats.has(target))
        this.push(
          key,
          "missing-endpoint",
          `${key} does not DNAT to ${dnatText(d)} (${this.who(d)}), an endpoint of it: a stale kube-proxy`,
          have.dispatchLine,
        );
    const affinity = (v: PortView) =>
      v.affinity ? `ClientIP affinity (timeout ${v.affinity.timeout})` : "no affinity";
    if (affinity(want) !== affinity(have))
      this.push(
        key,
        "different-affinity",
        `${key} keeps ${affinity(have)} on ${this.node.name}, kubehop derives ${affinity(want)}`,
        have.affinity?.line,
      );
    const policy = (v: PortView) => v.externalPolicy?.policy ?? "no external traffic";
    if (policy(want) !== policy(have))
      this.push(
        key,
        "different-traffic-policy",
        `${key}'s external- chain sends external traffic as externalTrafficPolicy ${policy(have)} does, kubehop ` +
          `derives ${policy(want)}`,
        have.externalPolicy?.line,
      );
  }

  private who(d: NftDnat): string {
    const pod = this.#podAt.get(d.ip);
    return pod ? `pod ${pod}` : "no pod has that address";
  }

  private push(service: string, kind: string, text: string, line?: number): void {
    this.out.push({
      part: "nftables",
      kind,
      text,
      ...(line !== undefined ? { at: `${this.file}:${line}` } : {}),
      touches: { service },
    });
  }
}

/** A ClusterIP's element leads to the local- chain under internalTrafficPolicy Local, else to service-. */
function policyOf(have: MapEntry, want: MapEntry): string {
  const policy = (e: MapEntry) =>
    e.verdict.startsWith("goto local-") ? "Local" : e.verdict.startsWith("goto service-") ? "Cluster" : undefined;
  const [h, w] = [policy(have), policy(want)];
  if (have.map !== "service-ips" || h === undefined || w === undefined || h === w) return "";
  return ` (internalTrafficPolicy ${h} on the node, ${w} in the Service)`;
}

function entryText(e: MapEntry): string {
  return `${e.map} element ${e.key}${e.verdict === "" ? "" : ` : ${e.verdict}`}`;
}

function firstLine(v: PortView): number | undefined {
  const lines = [...v.entries.values()].map((e) => e.line);
  return lines.length > 0 ? Math.min(...lines) : undefined;
}

function dnatText(d: NftDnat): string {
  return `${formatIpv4(d.ip)}${d.port !== null ? `:${d.port}` : ""}`;
}

/** In the order of the addresses' text, as they are printed. */
function byText(m: ReadonlyMap<string, NftDnat>): [string, NftDnat][] {
  return [...m]
    .map(([k, d]) => [k, d, dnatText(d)] as const)
    .sort((a, b) => (a[2] < b[2] ? -1 : a[2] > b[2] ? 1 : 0))
    .map(([k, d]) => [k, d]);
}

function sorted(s: Iterable<string>): string[] {
  return [...s].sort();
}
