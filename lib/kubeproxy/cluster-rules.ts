// The cluster-wide half of every node's rules, built once per Cluster: the top-level chains as a
// node without local endpoints has them (one shared array per chain, with where each service
// port's rules start), which service ports a node's local endpoints change, and which service
// port owns a KUBE-SVC/SVL/EXT/FW/SEP chain name, so one chain can be built without the others.
import type { Cluster } from "../model/cluster.ts";
import { type TopChain, topRules } from "./service-rules.ts";
import { type ProxyServices, proxyServices, type ServicePortInfo, usesLocalEndpoints } from "./service-ports.ts";

export interface TopChainLines {
  readonly lines: readonly string[];
  /** starts[i]: where service port i's rules begin in `lines`. */
  readonly starts: Int32Array;
}

export interface ClusterRules {
  readonly services: ProxyServices;
  top(chain: TopChain): TopChainLines;
  /** Indexes of the service ports with a Local policy and an endpoint on the node, ascending. */
  localPorts(nodeName: string): readonly number[];
  /** The service port a per-service chain belongs to, or undefined. */
  owner(chain: string): ServicePortInfo | undefined;
  /** Identical small arrays made on different nodes, as one array (so compiled once). */
  intern(lines: readonly string[]): readonly string[];
}

const cache = new WeakMap<Cluster, ClusterRules>();

export function clusterRules(cluster: Cluster): ClusterRules {
  let r = cache.get(cluster);
  if (!r) cache.set(cluster, (r = build(proxyServices(cluster))));
  return r;
}

function build(services: ProxyServices): ClusterRules {
  const ports = services.ports;
  const tops = new Map<TopChain, TopChainLines>();
  let byNode: Map<string, number[]> | undefined;
  let owners: Map<string, ServicePortInfo> | undefined;
  const interned = new Map<string, readonly string[]>();
  return {
    services,
    top(chain) {
      let t = tops.get(chain);
      if (!t) {
        const lines: string[] = [];
        const starts = new Int32Array(ports.length);
        ports.forEach((svc, i) => {
          starts[i] = lines.length;
          for (const l of topRules(svc, false)[chain]) lines.push(l);
        });
        tops.set(chain, (t = { lines, starts }));
      }
      return t;
    },
    localPorts(nodeName) {
      if (!byNode) {
        byNode = new Map();
        ports.forEach((svc, i) => {
          if (!usesLocalEndpoints(svc)) return;
          for (const ep of svc.endpoints) {
            const list = byNode!.get(ep.nodeName);
            if (!list) byNode!.set(ep.nodeName, [i]);
            else if (list[list.length - 1] !== i) list.push(i);
          }
        });
      }
      return byNode.get(nodeName) ?? [];
    },
    owner(chain) {
      if (!owners) {
        owners = new Map();
        for (const svc of ports) {
          const c = svc.chains;
          for (const name of [c.svc, c.svl, c.ext, c.fw]) owners.set(name, svc);
          for (const ep of svc.endpoints) owners.set(ep.chain, svc);
        }
      }
      return owners.get(chain);
    },
    intern(lines) {
      const key = lines.join("\n");
      let shared = interned.get(key);
      if (!shared) interned.set(key, (shared = lines));
      return shared;
    },
  };
}
