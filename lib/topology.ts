// The library's front door: load a topology once, then ask it questions.
import type { Cluster } from "./model/cluster.ts";
import { type Diagnostic, diagnostic } from "./model/diagnostic.ts";
import { buildCluster } from "./control/build.ts";
import { nodeNetworks } from "./control/node-network.ts";
import { loadInput } from "./input/load.ts";
import { Network } from "./dataplane/network.ts";
import { nftNodeEngine } from "./dataplane/nft-ruleset.ts";
import { cniNatRules, withChains } from "./cni/nat-rules.ts";
import { kubeProxyTables, saveText } from "./kubeproxy/index.ts";
import type { SaveTables } from "./netfilter/chain-source.ts";
import { NetfilterEngine } from "./netfilter/evaluator.ts";
import { engineFor } from "./netfilter/node-walk.ts";
import { NftEngine } from "./netfilter/nft/engine.ts";
import { parseNftRuleset } from "./netfilter/nft/reader.ts";
import { traceJson } from "./output/trace-json.ts";
import { type CurlQuery, resolveCurl } from "./trace/curl.ts";
import { planRequest, type TraceQuery } from "./trace/request.ts";
import { podsAt } from "./trace/names.ts";
import { recordCluster } from "./trace/origin.ts";
import { traceStarts } from "./trace/tracer.ts";
import type { Trace } from "./trace/types.ts";
import type { RecentSets } from "./netfilter/hooks.ts";

export interface TraceSession {
  trace(query: TraceQuery, pick?: number): Trace;
}

export interface CurlOptions extends Omit<CurlQuery, "url"> {
  /** Follow redirects, as curl -L does (at most MAX_REDIRECTS). */
  readonly follow?: boolean;
  /** Trace the DNS query too: from a pod, UDP 53 to the kube-dns Service and on to a CoreDNS pod. */
  readonly traceDns?: boolean;
}

/** curl's own default is 50; a redirect loop shows long before. */
const MAX_REDIRECTS = 10;

export class Topology {
  #network: Network | undefined;
  constructor(readonly cluster: Cluster) {}

  /**
   * The data plane, built on first use: commands that only list or check the model (validate, get,
   * drift, diagram) never pay for it, which at 5,000 nodes is a few tenths of a second.
   */
  get network(): Network {
    // Each node's netfilter is kube-proxy's ruleset for it, the rules iptables-save would print:
    // built for the nodes a trace actually crosses, chain by chain as the walk enters them, each
    // rule array parsed once for all the nodes that share it.
    // In nftables mode it is kube-proxy's nft table with the overlay agent's nat table (nft-ruleset.ts).
    // A node's own nft or iptables-save dump, when given, replaces kube-proxy's derived rules.
    this.#network ??= new Network(this.cluster, nodeNetworks(this.cluster), (node) => {
      const dump = this.cluster.nodeDumps.get(node.name);
      if (dump?.nftRuleset) return new NftEngine(parseNftRuleset(dump.nftRuleset.text, dump.nftRuleset.file));
      if (dump?.iptablesSave) return engineFor(dump.iptablesSave, true, dump.ipsets);
      if (this.cluster.kubeProxy.mode === "nftables") return nftNodeEngine(this.cluster, node);
      return new NetfilterEngine(this.tables(node.name));
    });
    return this.#network;
  }

  private diagnostics(): Diagnostic[] {
    return [...this.cluster.diagnostics, ...this.network.netfilterDiagnostics()];
  }

  /** The node's nat and filter tables as `iptables-save` prints them: kube-proxy's and the overlay agent's. */
  iptablesSave(node: string): string {
    return saveText(this.tables(node));
  }

  private tables(node: string): SaveTables {
    return withChains(kubeProxyTables(this.cluster, node), "nat", cniNatRules(this.cluster, this.network.node(node)));
  }

  /** Every branch of the request, with the reply of each delivered one. */
  trace(query: TraceQuery): Trace {
    return this.session().trace(query);
  }

  /** `curl URL`: the request through DNS, the load balancer, kube-proxy, the ingress controller and back. */
  curl(url: string, options: CurlOptions = {}): Trace {
    return recordCluster(this.curlFollowing(url, options), this.cluster);
  }

  private curlFollowing(url: string, options: CurlOptions): Trace {
    const first = this.withDns(this.curlOnce({ ...options, url }), url, options);
    if (!options.follow) return first;
    const followed: Trace[] = [];
    let current = first;
    const seen = new Set([url]);
    while (followed.length < MAX_REDIRECTS) {
      const next = current.branches
        .map((b) => b.http?.location)
        .find((l): l is string => l !== undefined && !seen.has(l));
      if (!next) break;
      seen.add(next);
      current = this.curlOnce({ ...options, url: next });
      followed.push(current);
    }
    return followed.length ? { ...first, followed } : first;
  }

  /** The query a pod sends to the nameserver in its resolv.conf: kube-dns's ClusterIP, port 53. */
  private withDns(t: Trace, url: string, options: CurlOptions): Trace {
    if (!options.traceDns) return t;
    const from = options.from ?? "";
    const dns = this.cluster.services.find((s) => s.namespace === "kube-system" && s.name === "kube-dns");
    const why = !podsAt(this.network, from, options.namespace)
      ? "--trace-dns: only a pod's query goes to cluster DNS; outside the cluster the name comes from the " +
        "Topology's zone"
      : !dns
        ? "--trace-dns: there is no kube-system/kube-dns Service to send the query to"
        : /^\d+\.\d+\.\d+\.\d+$/.test(new URL(url).hostname)
          ? "--trace-dns: the URL holds an address, so there is no query"
          : undefined;
    if (why) return { ...t, diagnostics: [...t.diagnostics, diagnostic("trace-dns-skipped", undefined, why)] };
    const port = dns!.ports.find((p) => p.protocol === "UDP") ?? dns!.ports[0]!;
    const namespace = options.namespace !== undefined ? { namespace: options.namespace } : {};
    const query = this.trace({
      from,
      to: `svc/kube-system/kube-dns:${port.name || port.port}`,
      proto: "udp",
      size: 80,
      ...namespace,
    });
    return { ...t, dns: query };
  }

  private curlOnce(query: CurlQuery): Trace {
    const { starts, request } = resolveCurl(this.network, query);
    return traceJson(request, traceStarts(this.network, starts), this.diagnostics());
  }

  /**
   * Traces that share kube-proxy's `-m recent` memory, as connections from one client over time do:
   * after each trace the session keeps the state of the branch it took (`pick`, 1-based, default 1).
   */
  session(): TraceSession {
    let recent: RecentSets = new Map();
    return {
      trace: (query, pick = 1) => {
        const { starts, request } = planRequest(this.network, query);
        const branches = traceStarts(this.network, starts, { recent });
        recent = (branches[pick - 1] ?? branches[0])?.state.recent ?? recent;
        // The trace remembers its cluster (outside its data), so assertions can look up Services.
        return recordCluster(traceJson(request, branches, this.diagnostics()), this.cluster);
      },
    };
  }
}

/** What the command line's --dumps DIR is to the library: node dumps from a folder the caller names. */
export interface LoadOptions {
  readonly dumps?: string;
}

/** A path to a YAML file or folder, or YAML text. Throws InputError on bad input. */
export function loadTopologySync(pathOrYamlText: string, options: LoadOptions = {}): Topology {
  const dumps = options.dumps === undefined ? {} : { dumps: options.dumps };
  return new Topology(buildCluster({ ...loadInput(pathOrYamlText), ...dumps }));
}

export async function loadTopology(pathOrYamlText: string, options: LoadOptions = {}): Promise<Topology> {
  return loadTopologySync(pathOrYamlText, options);
}
