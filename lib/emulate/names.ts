// Names of everything the emulation creates. Every namespace starts with `kh-` and the run id, so a
// crashed run's leftovers are recognisable; interface names stay within Linux's 15 characters.
import type { Cluster } from "../model/cluster.ts";

export const PREFIX = "kh-";
/** Linux's IFNAMSIZ is 16 including the terminating NUL. */
export const IFNAME_MAX = 15;

export interface Names {
  readonly runId: string;
  /** The underlay switch's namespace (holds the `ul` bridge). */
  readonly underlay: string;
  /** The edge router and load balancers: the underlay's gateway, the clients' way in. */
  readonly edge: string;
  /** node name -> namespace */
  readonly nodes: ReadonlyMap<string, string>;
  /** `namespace/name` of a pod -> namespace */
  readonly pods: ReadonlyMap<string, string>;
  /** client name -> namespace */
  readonly clients: ReadonlyMap<string, string>;
  /** node name -> the temporary name wireguard-go's device is created with (its UAPI socket's name). */
  readonly wgDevices: ReadonlyMap<string, string>;
  /** Every namespace, in creation order. */
  readonly all: readonly string[];
}

/** `runId` is claimed first (claimNewRun in cleanup.ts), so that no two runs share one. */
export function namesFor(cluster: Cluster, runId: string): Names {
  const base = `${PREFIX}${runId}`;
  const nodes = new Map(cluster.nodes.map((n, i) => [n.name, `${base}-n${i + 1}`] as const));
  const pods = new Map(
    cluster.pods
      .filter((p) => !p.hostNetwork)
      .map((p, i) => [`${p.namespace}/${p.name}`, `${base}-p${i + 1}`] as const),
  );
  const clients = new Map(cluster.clients.map((c, i) => [c.name, `${base}-c${i + 1}`] as const));
  const wgDevices = new Map(cluster.nodes.map((n, i) => [n.name, `kh${runId}w${i + 1}`] as const));
  for (const d of wgDevices.values())
    if (d.length > IFNAME_MAX) throw new Error(`internal: interface name ${d} is too long`);
  const underlay = `${base}-ul`;
  const edge = `${base}-rt`;
  return {
    runId,
    underlay,
    edge,
    nodes,
    pods,
    clients,
    wgDevices,
    all: [underlay, edge, ...nodes.values(), ...pods.values(), ...clients.values()],
  };
}

/** The underlay-side port of node i's eth0 (in the underlay namespace). */
export function underlayPort(i: number): string {
  return `n${i + 1}`;
}

/** The edge router's port towards client i. */
export function clientPort(i: number): string {
  return `c${i + 1}`;
}
