// kube-proxy's nftables table read for the facts drift compares, the same way for the dumped table
// and the generated one (both through the nft reader): which verdict-map elements each Service port
// has, which addresses its chains DNAT to, its ClientIP affinity and its external traffic policy.
// A Service port is named as kube-proxy names it (`ns/name:port`), from the chain an element leads to
// (`service-HASH-ns/name/tcp/port`) or, for the no-endpoint maps, from the element's comment.
import type { Ipv4 } from "../model/address.ts";
import type { NftChain, NftSet, NftTable, NftVerdict, SetElement } from "../netfilter/nft/model.ts";

/** The maps whose elements send a packet to a Service port's chains, or drop or reject it. */
const SERVICE_MAPS = [
  "service-ips",
  "service-nodeports",
  "no-endpoint-services",
  "no-endpoint-nodeports",
  "firewall-ips",
];

/** One element of a map: `172.30.0.41 . tcp . 80` and what it leads to, at its line in the listing. */
export interface MapEntry {
  readonly map: string;
  readonly key: string;
  readonly verdict: string;
  readonly line: number;
}

/** An endpoint chain's `dnat to`: the endpoint's address, at the rule's line. */
export interface NftDnat {
  readonly ip: Ipv4;
  readonly port: number | null;
  readonly line: number;
}

export interface PortView {
  /** `map key` -> the element. */
  readonly entries: Map<string, MapEntry>;
  /** `ip:port` -> the DNAT. */
  readonly dnats: Map<string, NftDnat>;
  /** The affinity sets' timeout (`3h`), when the endpoints keep ClientIP affinity. */
  affinity?: { readonly timeout: string; readonly line: number };
  /** The line of the service- chain's rule that picks an endpoint (`numgen random mod N vmap`). */
  dispatchLine?: number;
  /** `Local` when the external- chain hands non-local traffic to the local- chain, else `Cluster`. */
  externalPolicy?: { readonly policy: "Local" | "Cluster"; readonly line: number };
}

/** Service port -> what its rules say. */
export type NftView = Map<string, PortView>;

const CHAIN = /^(service|external|local|firewall|endpoint)-[A-Z2-7]{8}-(.+)\/(tcp|udp|sctp)\/([^/]*?)(__.*)?$/;

/** The Service port a chain of kube-proxy's belongs to, as kube-proxy names it; undefined for its others. */
export function servicePortOfChain(chain: string): string | undefined {
  const m = CHAIN.exec(chain);
  if (!m) return undefined;
  return m[4] === "" ? m[2]! : `${m[2]}:${m[4]}`;
}

/** `text` is the listing the table was read from: set elements' and timeouts' lines are found in it. */
export function nftView(table: NftTable, text: string): NftView {
  const lines = text.split("\n");
  const view: NftView = new Map();
  const port = (name: string): PortView => {
    let v = view.get(name);
    if (!v) view.set(name, (v = { entries: new Map(), dnats: new Map() }));
    return v;
  };
  for (const map of SERVICE_MAPS) {
    const set = table.sets.get(map);
    if (!set) continue;
    const lineOf = elementLines(set, lines);
    for (const e of set.elements) {
      const owner = ownerOf(e);
      if (owner === undefined) continue;
      const [key, verdict] = splitElement(e.text);
      port(owner).entries.set(`${map} ${key}`, { map, key, verdict, line: lineOf.get(e.text) ?? set.line });
    }
  }
  for (const chain of table.chains.values()) {
    const owner = servicePortOfChain(chain.name);
    if (owner === undefined || chain.name.startsWith("endpoint-")) continue;
    const v = port(owner);
    walk(table, chain, lines, v);
    if (chain.name.startsWith("service-"))
      v.dispatchLine = chain.rules.find((r) => r.exprs.some((x) => x.kind === "vmap"))?.line ?? chain.line;
    if (chain.name.startsWith("external-")) {
      const local = chain.rules.some((r) => r.exprs.some((x) => x.kind === "verdict" && leadsTo(x.verdict, "local-")));
      v.externalPolicy = { policy: local ? "Local" : "Cluster", line: chain.line };
    }
  }
  return view;
}

/** The DNATs and affinity sets of every chain the Service port's chain leads to. */
function walk(table: NftTable, start: NftChain, lines: readonly string[], v: PortView): void {
  const seen = new Set<string>();
  const visit = (chain: NftChain | undefined): void => {
    if (!chain || seen.has(chain.name)) return;
    seen.add(chain.name);
    for (const rule of chain.rules) {
      for (const x of rule.exprs) {
        if (x.kind === "dnat") v.dnats.set(`${x.ip}:${x.port}`, { ip: x.ip, port: x.port, line: rule.line });
        else if (x.kind === "setupdate" && x.set.startsWith("affinity-") && v.affinity === undefined) {
          const set = table.sets.get(x.set);
          if (set) v.affinity = { timeout: timeoutOf(set, lines), line: set.line };
        } else if (x.kind === "verdict") visit(target(table, x.verdict));
        else if (x.kind === "vmap" && x.map.kind === "anonymous")
          for (const e of x.map.elements) if (e.verdict) visit(target(table, e.verdict));
      }
    }
  };
  visit(start);
}

function target(table: NftTable, verdict: NftVerdict): NftChain | undefined {
  return verdict.kind === "jump" || verdict.kind === "goto" ? table.chains.get(verdict.chain) : undefined;
}

function leadsTo(verdict: NftVerdict, prefix: string): boolean {
  return (verdict.kind === "jump" || verdict.kind === "goto") && verdict.chain.startsWith(prefix);
}

/** The Service port an element is for: the chain it leads to, else the comment kube-proxy gives it. */
function ownerOf(e: SetElement): string | undefined {
  if (e.verdict && (e.verdict.kind === "jump" || e.verdict.kind === "goto")) {
    const owner = servicePortOfChain(e.verdict.chain);
    if (owner !== undefined) return owner;
  }
  return /\bcomment "([^"]*)"/.exec(e.text)?.[1];
}

/** `1.2.3.4 . tcp . 80 comment "ns2/svc2:p80" : drop` -> [`1.2.3.4 . tcp . 80`, `drop`]. */
function splitElement(text: string): [string, string] {
  const colon = text.lastIndexOf(" : ");
  const key = colon < 0 ? text : text.slice(0, colon);
  return [key.replace(/\s+comment\s+"[^"]*"$/, ""), colon < 0 ? "" : text.slice(colon + 3)];
}

/**
 * Each element's line: nft lists a map's elements one a line (`elements = { a : b,` then `c : d }`),
 * so a line's text less those marks is the element as the reader keeps it.
 */
function elementLines(set: NftSet, lines: readonly string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (let i = set.line; i < lines.length; i++) {
    const t = lines[i]!.trim();
    if (t === "}") break;
    const element = t
      .replace(/^elements\s*=\s*\{\s*/, "")
      .replace(/\s*[,}]$/, "")
      .replace(/\s+/g, " ");
    if (element !== "" && !out.has(element)) out.set(element, i + 1);
  }
  return out;
}

function timeoutOf(set: NftSet, lines: readonly string[]): string {
  for (let i = set.line; i < lines.length; i++) {
    const t = lines[i]!.trim();
    if (t === "}") break;
    const m = /^timeout\s+(\S+)/.exec(t);
    if (m) return m[1]!;
  }
  return "none";
}
