// Nodes: who they are, their underlay address and their podCIDR (the node IPAM range allocator's job).
import {
  formatIpv4,
  type Ipv4,
  makePrefix,
  type Prefix,
  parseIpv4,
  parsePrefix,
  prefixContains,
  prefixesOverlap,
  prefixSize,
  subPrefix,
} from "../model/address.ts";
import type { Listener, Node, Origin, Route } from "../model/cluster.ts";
import { type InputProblem, problem } from "../input/errors.ts";
import type { TopologyInput } from "../input/load.ts";
import type { TopologyNode } from "../input/topology-schema.ts";
import { DEFAULTS } from "./defaults.ts";
import { API_SERVER_LISTENER, controlPlaneNodes } from "./api-server.ts";
import { wireGuardKey } from "./names.ts";

export interface NodePlan {
  readonly clusterCidr: Prefix;
  readonly underlayCidr: Prefix;
  readonly maskSize: number;
}

interface Draft {
  name: string;
  ip?: Ipv4;
  podCidr?: Prefix;
  labels: Record<string, string>;
  topo?: TopologyNode;
  origin: Origin;
  /** Where to point when this node's address or podCIDR is wrong. */
  at: (field: "ip" | "podCIDR") => Origin;
}

export function buildNodes(input: TopologyInput, plan: NodePlan, problems: InputProblem[]): Node[] {
  const drafts = draftNodes(input, problems);
  assignAddresses(drafts, plan, problems);
  assignPodCidrs(drafts, plan, problems);
  const controlPlane = controlPlaneNodes(drafts);
  return drafts.map((d, index) => toNode(d, index, controlPlane.has(d.name)));
}

function draftNodes(input: TopologyInput, problems: InputProblem[]): Draft[] {
  const byName = new Map<string, Draft>();
  const drafts: Draft[] = [];
  // Two Node objects of one name are refused as the input is read (input/load.ts).
  const add = (d: Draft) => {
    byName.set(d.name, d);
    drafts.push(d);
    return d;
  };
  for (const { obj, src } of input.nodes) {
    const internal = obj.status?.addresses?.find((a) => a.type === "InternalIP")?.address;
    const ip = internal === undefined ? undefined : parseIpv4(internal);
    const addrIndex = obj.status?.addresses?.findIndex((a) => a.type === "InternalIP") ?? -1;
    if (internal !== undefined && ip === undefined) {
      problems.push(
        problem(
          "invalid-field",
          src.at(["status", "addresses", addrIndex, "address"]),
          `Node ${obj.metadata.name}: InternalIP "${internal}" is not an IPv4 address`,
        ),
      );
    }
    const podCidrText = obj.spec?.podCIDR ?? obj.spec?.podCIDRs?.[0];
    add({
      name: obj.metadata.name,
      ...(ip !== undefined ? { ip } : {}),
      ...(podCidrText ? { podCidr: parsePrefix(podCidrText)! } : {}),
      labels: { ...(obj.metadata.labels ?? {}) },
      origin: src.at(),
      at: (f) => (f === "ip" ? src.at(["status", "addresses", Math.max(addrIndex, 0)]) : src.at(["spec", "podCIDR"])),
    });
  }
  const topo = input.topology;
  (topo?.obj.spec?.nodes ?? []).forEach((tn, i) => {
    const at = (f?: string) => topo!.src.at(["spec", "nodes", i, ...(f ? [f] : [])]);
    const existing = byName.get(tn.name);
    if (existing?.topo) {
      problems.push(
        problem("duplicate", at("name"), `duplicate node "${tn.name}" in the Topology; node names must be unique`),
      );
      return;
    }
    const d = existing ?? add({ name: tn.name, labels: {}, origin: at(), at: (f) => at(f) });
    d.topo = tn;
    if (tn.ip) d.ip = parseIpv4(tn.ip)!;
    if (tn.podCIDR) d.podCidr = parsePrefix(tn.podCIDR)!;
    Object.assign(d.labels, tn.labels ?? {});
    if (tn.ip || tn.podCIDR) d.at = (f) => at(f);
  });
  if (drafts.length === 0) {
    const count = topo?.obj.spec?.nodeCount ?? DEFAULTS.nodeCount;
    const origin = topo ? topo.src.at(["spec", "nodeCount"]) : { file: "<defaults>", line: 1, col: 1 };
    for (let i = 1; i <= count; i++) {
      drafts.push({ name: `${DEFAULTS.nodeNamePrefix}${i}`, labels: {}, origin, at: () => origin });
    }
  } else if (topo?.obj.spec?.nodeCount !== undefined && topo.obj.spec.nodeCount !== drafts.length) {
    problems.push(
      problem(
        "invalid-value",
        topo.src.at(["spec", "nodeCount"]),
        `nodeCount is ${topo.obj.spec.nodeCount} but ${drafts.length} nodes are defined; drop nodeCount or make ` +
          `them agree`,
      ),
    );
  }
  for (const d of drafts) Object.assign(d.labels, { ...kubeletLabels(d.name), ...d.labels });
  return drafts;
}

/**
 * The labels kubelet puts on its Node when it registers (and keeps there), so workloads that select
 * on them (ingress-nginx's `kubernetes.io/os: linux`) schedule as they do on a real cluster. Labels
 * the input gives win: a node given `kubernetes.io/arch: arm64` keeps it.
 */
export function kubeletLabels(name: string): Record<string, string> {
  return {
    "beta.kubernetes.io/arch": "amd64",
    "beta.kubernetes.io/os": "linux",
    "kubernetes.io/arch": "amd64",
    "kubernetes.io/hostname": name,
    "kubernetes.io/os": "linux",
  };
}

function assignAddresses(drafts: Draft[], plan: NodePlan, problems: InputProblem[]): void {
  const used = new Map<Ipv4, string>();
  for (const d of drafts) {
    if (d.ip === undefined) continue;
    if (!prefixContains(plan.underlayCidr, d.ip)) {
      problems.push(
        problem(
          "address-outside",
          d.at("ip"),
          `node ${d.name}: address ${formatIpv4(d.ip)} is outside the underlay ${plan.underlayCidr.text}; use an ` +
            `address inside it or set Topology spec.underlay.cidr`,
        ),
      );
    }
    const other = used.get(d.ip);
    if (other)
      problems.push(
        problem(
          "address-conflict",
          d.at("ip"),
          `node ${d.name}: address ${formatIpv4(d.ip)} is already node ${other}'s; node addresses must be unique`,
        ),
      );
    used.set(d.ip, d.name);
  }
  let next = plan.underlayCidr.network + DEFAULTS.firstNodeHost;
  const last = plan.underlayCidr.network + prefixSize(plan.underlayCidr) - 2;
  for (const d of drafts) {
    if (d.ip !== undefined) continue;
    while (used.has(next)) next++;
    if (next > last) {
      problems.push(
        problem(
          "address-exhausted",
          d.origin,
          `the underlay ${plan.underlayCidr.text} has no address left for node ${d.name}; set a larger Topology ` +
            `spec.underlay.cidr`,
        ),
      );
      return;
    }
    d.ip = next;
    used.set(next++, d.name);
  }
}

function assignPodCidrs(drafts: Draft[], plan: NodePlan, problems: InputProblem[]): void {
  const given = drafts.filter((d) => d.podCidr !== undefined);
  for (const [i, d] of given.entries()) {
    const p = d.podCidr!;
    if (!prefixesOverlap(p, plan.clusterCidr) || p.length < plan.clusterCidr.length) {
      problems.push(
        problem(
          "address-outside",
          d.at("podCIDR"),
          `node ${d.name}: podCIDR ${p.text} is not inside the cluster CIDR ${plan.clusterCidr.text}`,
        ),
      );
    }
    const clash = given.slice(0, i).find((o) => prefixesOverlap(o.podCidr!, p));
    if (clash)
      problems.push(
        problem(
          "address-conflict",
          d.at("podCIDR"),
          `node ${d.name}: podCIDR ${p.text} overlaps node ${clash.name}'s ${clash.podCidr!.text}; podCIDRs must ` +
            `not overlap`,
        ),
      );
  }
  let n = 0;
  for (const d of drafts) {
    if (d.podCidr !== undefined) continue;
    let candidate: Prefix | undefined;
    while (
      (candidate = subPrefix(plan.clusterCidr, plan.maskSize, n++)) &&
      given.some((g) => prefixesOverlap(g.podCidr!, candidate!))
    ) {
      // skip ranges already claimed by a node's spec.podCIDR
    }
    if (!candidate) {
      problems.push(
        problem(
          "address-exhausted",
          d.origin,
          `the cluster CIDR ${plan.clusterCidr.text} has no /${plan.maskSize} left for node ${d.name}; use a larger ` +
            `clusterCIDR or a larger nodeCIDRMaskSize`,
        ),
      );
      return;
    }
    d.podCidr = candidate;
  }
}

/** A control-plane node runs the API server too, unless the Topology lists what the node listens on. */
function toNode(d: Draft, index: number, controlPlane: boolean): Node {
  const podCidr = d.podCidr ?? makePrefix(0, 32);
  const topo = d.topo;
  const listeners: Listener[] = topo?.listen
    ? topo.listen.map((l) => ({ port: l.port, protocol: l.protocol ?? "TCP", process: l.process ?? "process" }))
    : [...DEFAULTS.nodeListeners.map((l) => ({ ...l })), ...(controlPlane ? [API_SERVER_LISTENER] : [])];
  const extraRoutes = (topo?.routes ?? []).map((r): Route => {
    const dst = r.dst === "default" ? makePrefix(0, 0) : parsePrefix(r.dst)!;
    const type = r.type ?? "unicast";
    return {
      dst,
      dev: r.dev ?? (r.via ? "eth0" : "lo"),
      ...(r.via ? { via: parseIpv4(r.via)! } : {}),
      ...(r.src ? { src: parseIpv4(r.src)! } : {}),
      proto: "static",
      scope: r.via ? "global" : "link",
      type,
      why: "Topology route",
    };
  });
  const peers = topo?.wireguard?.peers?.map((p) => {
    const [host, port] = (p.endpoint ?? "").split(":");
    return {
      node: p.node,
      publicKey: p.publicKey ?? wireGuardKey(p.node),
      allowedIps: p.allowedIPs.map((a) => parsePrefix(a)!),
      ...(p.endpoint ? { endpoint: { ip: parseIpv4(host!) ?? 0, port: Number(port) } } : {}),
    };
  });
  return {
    name: d.name,
    index,
    ip: d.ip ?? 0,
    podCidr,
    bridgeIp: podCidr.network + 1,
    labels: d.labels,
    listeners,
    extraRoutes,
    wireguard: {
      ...(topo?.wireguard?.address ? { address: parseIpv4(topo.wireguard.address)! } : {}),
      publicKey: wireGuardKey(d.name),
      ...(peers ? { peers } : {}),
    },
    origin: d.origin,
  };
}
