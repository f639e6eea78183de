// Pods: what the workload controllers create, where the scheduler puts them, which address IPAM
// (host-local on each node's podCIDR) gives them.
import { formatIpv4, type Ipv4, type Prefix, parseIpv4, prefixContains, prefixSize } from "../model/address.ts";
import type { ContainerPort, Node, Origin, Pod, WorkloadRef } from "../model/cluster.ts";
import { type Diagnostic, diagnostic } from "../model/diagnostic.ts";
import { type InputProblem, problem } from "../input/errors.ts";
import type { PodSpecObject, WorkloadObject } from "../input/kubernetes-schema.ts";
import type { TopologyInput } from "../input/load.ts";
import { DEFAULTS } from "./defaults.ts";
import { checkPodsPerNode } from "./limits.ts";
import { stableSuffix, vethName } from "./names.ts";

/**
 * A pod on its way to the model. Every draft is written with every field, in this order, set or
 * not: the passes below then see one object shape, which at 150,000 pods is seconds.
 */
interface PodDraft {
  namespace: string;
  name: string;
  labels: Record<string, string>;
  spec: PodSpecObject;
  node: string | undefined;
  ip: Ipv4 | undefined;
  ready: boolean;
  terminating: boolean;
  owner: WorkloadRef | undefined;
  origin: Origin;
  /** Where the pod's name is given: its metadata.name, or the workload's (found only to report a clash). */
  nameAt: () => Origin;
  /** Where the pod's existence is asked for: the Pod object, or the workload's replicas. */
  countAt: Origin;
  at: (path: (string | number)[]) => Origin;
}

export function buildPods(
  input: TopologyInput,
  nodes: readonly Node[],
  clusterCidr: Prefix,
  problems: InputProblem[],
  warnings: Diagnostic[],
): Pod[] {
  const drafts = [...givenPods(input, problems), ...workloadPods(input, nodes, warnings)];
  checkUnique(drafts, problems);
  schedule(drafts, nodes, problems, warnings);
  checkPodsPerNode(podsOnNodes(drafts), input, new Map(nodes.map((n) => [n.name, n.origin])), problems, warnings);
  assignIps(drafts, nodes, clusterCidr, problems);
  const ports = containerPorts();
  return drafts.filter((d) => d.node !== undefined && d.ip !== undefined).map((d) => toPod(d, ports(d.spec)));
}

function givenPods(input: TopologyInput, problems: InputProblem[]): PodDraft[] {
  return input.pods.map(({ obj, src }) => {
    const status = obj.status;
    const readyCond = status?.conditions?.find((c) => c.type === "Ready");
    const running = status?.phase === undefined || status.phase === "Running";
    const ip = status?.podIP !== undefined ? parseIpv4(status.podIP) : undefined;
    const origin = src.at();
    if (
      status?.phase !== undefined &&
      !["Pending", "Running", "Succeeded", "Failed", "Unknown"].includes(status.phase)
    ) {
      problems.push(
        problem(
          "invalid-field",
          src.at(["status", "phase"]),
          `Pod ${obj.metadata.name}: unknown phase "${status.phase}"; expected Pending, Running, Succeeded, Failed ` +
            `or Unknown`,
        ),
      );
    }
    return {
      namespace: obj.metadata.namespace ?? DEFAULTS.namespace,
      name: obj.metadata.name,
      labels: { ...(obj.metadata.labels ?? {}) },
      spec: obj.spec ?? {},
      node: obj.spec?.nodeName || undefined,
      ip,
      ready: running && (readyCond === undefined || readyCond.status === "True"),
      terminating: obj.metadata.deletionTimestamp !== undefined,
      owner: controllerOf(obj.metadata),
      origin,
      nameAt: () => src.at(["metadata", "name"]),
      countAt: origin,
      at: (path) => src.at(path),
    };
  });
}

/**
 * The workload a pod dumped by kubectl belongs to, from its controller's ownerReference: a ReplicaSet
 * named DEPLOYMENT-HASH (HASH the pod's pod-template-hash label) is that Deployment's, so
 * `deploy/NAME` finds the pods of a real cluster as it finds those kubehop schedules itself.
 */
function controllerOf(metadata: {
  labels?: Record<string, string> | undefined;
  [k: string]: unknown;
}): WorkloadRef | undefined {
  const refs = Array.isArray(metadata.ownerReferences)
    ? (metadata.ownerReferences as { kind?: unknown; name?: unknown; controller?: unknown }[])
    : [];
  const ref = refs.find((r) => r.controller === true) ?? (refs.length === 1 ? refs[0] : undefined);
  if (typeof ref?.kind !== "string" || typeof ref.name !== "string") return undefined;
  const hash = metadata.labels?.["pod-template-hash"];
  if (ref.kind === "ReplicaSet" && hash && ref.name.endsWith(`-${hash}`))
    return { kind: "Deployment", name: ref.name.slice(0, -hash.length - 1) };
  return { kind: ref.kind, name: ref.name };
}

function workloadPods(input: TopologyInput, nodes: readonly Node[], warnings: Diagnostic[]): PodDraft[] {
  const out: PodDraft[] = [];
  for (const { obj, src, kind } of input.workloads) {
    const ns = obj.metadata.namespace ?? DEFAULTS.namespace;
    const template = obj.spec.template;
    const spec = template.spec ?? {};
    // The replicas share the template's labels (and, in toPod, its ports): the model is read-only, and
    // at 150,000 pods a copy each is 150,000 objects more to build, collect and snapshot.
    const labels = { ...(template.metadata?.labels ?? {}) };
    const owner: WorkloadRef = { kind, name: obj.metadata.name };
    const origin = src.at();
    const nameOrigin = src.at(["metadata", "name"]);
    const nameAt = () => nameOrigin;
    const countAt = src.at(kind === "DaemonSet" ? [] : ["spec", "replicas"]);
    const at = (p: (string | number)[]) => src.at(["spec", "template", ...p]);
    const replica = (name: string, node: string | undefined): PodDraft => ({
      namespace: ns,
      name,
      labels,
      spec,
      node,
      ip: undefined,
      ready: true,
      terminating: false,
      owner,
      origin,
      nameAt,
      countAt,
      at,
    });
    if (kind === "DaemonSet") {
      for (const node of nodes.filter((n) => selects(spec, n))) {
        out.push(
          replica(`${obj.metadata.name}-${stableSuffix(`${ns}/${obj.metadata.name}/${node.name}`, 5)}`, node.name),
        );
      }
      continue;
    }
    const replicas = kind === "Job" ? jobPods(obj, ns, origin, warnings) : (obj.spec.replicas ?? 1);
    if (kind === "Job")
      Object.assign(labels, { "batch.kubernetes.io/job-name": obj.metadata.name, "job-name": obj.metadata.name });
    // Deployments name pods <name>-<pod-template-hash>-<suffix>; StatefulSets <name>-<ordinal>;
    // ReplicaSets, ReplicationControllers and Jobs <name>-<suffix>.
    const hash = stableSuffix(`${ns}/${obj.metadata.name}/${JSON.stringify(template)}`, 10);
    const used = new Set<string>();
    for (let i = 0; i < replicas; i++) {
      const name =
        kind === "StatefulSet"
          ? `${obj.metadata.name}-${i}`
          : uniqueName(
              kind === "Deployment" ? `${obj.metadata.name}-${hash}` : obj.metadata.name,
              `${ns}/${obj.metadata.name}/${i}`,
              used,
            );
      out.push(replica(name, spec.nodeName || undefined));
    }
    if (replicas === 0 && kind !== "Job")
      warnings.push(diagnostic("zero-replicas", origin, `${kind} ${ns}/${obj.metadata.name} has 0 replicas: no pods`));
  }
  for (const { obj, src } of input.cronJobs) {
    warnings.push(
      diagnostic(
        "cronjob-no-pods",
        src.at(),
        `CronJob ${obj.metadata.namespace ?? DEFAULTS.namespace}/${obj.metadata.name} has no pod: it creates a Job ` +
          `on its schedule "${obj.spec.schedule}", and that Job's pods run until they complete`,
        "add the Job it creates (kubectl create job --from=cronjob/NAME) to trace from its pod",
      ),
    );
  }
  return out;
}

/**
 * A Job's pods that run at once: parallelism (default 1), no more than its completions. They are
 * modelled as running, so a trace from or to one shows the path it has while it runs; the
 * diagnostic says that in the cluster they may have finished (and then hold no address).
 */
function jobPods(obj: WorkloadObject, ns: string, origin: Origin, warnings: Diagnostic[]): number {
  const parallelism = obj.spec.parallelism ?? 1;
  const count = obj.spec.suspend ? 0 : Math.min(parallelism, obj.spec.completions ?? parallelism);
  const why = obj.spec.suspend
    ? "it is suspended (spec.suspend: true), so it has no pods"
    : count === 0
      ? "it runs no pods (parallelism or completions 0)"
      : `its ${count === 1 ? "pod is" : `${count} pods are`} taken to be running; in the cluster a Job's pods ` +
        `finish (Completed, no address, no endpoint) and the Job may be done`;
  warnings.push(diagnostic("job-pods", origin, `Job ${ns}/${obj.metadata.name}: ${why}`));
  return count;
}

/** Like the API server's generateName, a clash draws a new suffix (here: the next derived one). */
function uniqueName(base: string, seed: string, used: Set<string>): string {
  let name = `${base}-${stableSuffix(seed, 5)}`;
  for (let attempt = 1; used.has(name); attempt++) name = `${base}-${stableSuffix(`${seed}#${attempt}`, 5)}`;
  used.add(name);
  return name;
}

function selects(spec: PodSpecObject, node: Node): boolean {
  if (spec.nodeName && spec.nodeName !== node.name) return false;
  return Object.entries(spec.nodeSelector ?? {}).every(([k, v]) => node.labels[k] === v);
}

function checkUnique(drafts: PodDraft[], problems: InputProblem[]): void {
  const namespaces = new Map<string, Map<string, PodDraft>>();
  for (const d of drafts) {
    let seen = namespaces.get(d.namespace);
    if (!seen) namespaces.set(d.namespace, (seen = new Map()));
    const prev = seen.get(d.name);
    if (prev)
      problems.push(
        problem(
          "duplicate",
          d.nameAt(),
          `duplicate pod ${d.namespace}/${d.name} (first at ${prev.origin.file}:${prev.origin.line}); pod names ` +
            `must be unique in a namespace`,
        ),
      );
    else seen.set(d.name, d);
  }
}

/** The default scheduler's spreading, without resources: fewest pods first, ties in node order. */
function schedule(drafts: PodDraft[], nodes: readonly Node[], problems: InputProblem[], warnings: Diagnostic[]): void {
  const index = new Map(nodes.map((n, i) => [n.name, i]));
  const load = new Array<number>(nodes.length).fill(0);
  for (const d of drafts) {
    const i = d.node === undefined ? undefined : index.get(d.node);
    if (i !== undefined) load[i]!++;
  }
  const spread = new LeastLoaded(load);
  for (const d of drafts) {
    if (d.node !== undefined) {
      if (!index.has(d.node)) {
        problems.push(
          problem(
            "dangling-reference",
            d.at(["spec", "nodeName"]),
            `pod ${d.namespace}/${d.name}: nodeName "${d.node}" is not a node; known ` +
              `nodes: ${[...index.keys()].slice(0, 10).join(", ")}`,
          ),
        );
      }
      continue;
    }
    const selector = d.spec.nodeSelector;
    const constrained = selector !== undefined && Object.keys(selector).length > 0;
    const i = constrained ? leastLoadedMatching(d.spec, nodes, load) : spread.take();
    if (i === undefined) {
      warnings.push(
        diagnostic(
          "pod-pending",
          d.origin,
          `pod ${d.namespace}/${d.name} stays Pending: no node matches its ` +
            `nodeSelector ${JSON.stringify(selector ?? {})}`,
          "label a node to match, or change the nodeSelector",
        ),
      );
      continue;
    }
    if (constrained) spread.bump(i);
    d.node = nodes[i]!.name;
  }
}

function podsOnNodes(drafts: readonly PodDraft[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const d of drafts) if (d.node !== undefined) counts.set(d.node, (counts.get(d.node) ?? 0) + 1);
  return counts;
}

function leastLoadedMatching(spec: PodSpecObject, nodes: readonly Node[], load: number[]): number | undefined {
  let best: number | undefined;
  nodes.forEach((n, i) => {
    if (selects(spec, n) && (best === undefined || load[i]! < load[best]!)) best = i;
  });
  return best;
}

/**
 * A min-heap of (pods on node, node index): 150,000 pods over 5,000 nodes in n log n, not n * nodes.
 * Entries go stale when a node is filled outside the heap; they are skipped when they surface.
 */
class LeastLoaded {
  private readonly heap: [number, number][];
  constructor(private readonly load: number[]) {
    this.heap = load.map((l, i) => [l, i] as [number, number]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  }

  /** The least-loaded node (first in node order on ties), now holding one more pod. */
  take(): number | undefined {
    for (;;) {
      const top = this.heap[0];
      if (!top) return undefined;
      this.pop();
      if (top[0] !== this.load[top[1]]) continue;
      this.load[top[1]]!++;
      this.push([this.load[top[1]]!, top[1]]);
      return top[1];
    }
  }

  /** A node filled by a pod placed elsewhere (nodeSelector). */
  bump(i: number): void {
    this.load[i]!++;
    this.push([this.load[i]!, i]);
  }

  private less(a: [number, number], b: [number, number]): boolean {
    return a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);
  }

  private push(e: [number, number]): void {
    const h = this.heap;
    h.push(e);
    for (let i = h.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (!this.less(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop()!;
    if (h.length === 0) return;
    h[0] = last;
    for (let i = 0; ; ) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
      if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
      if (m === i) break;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
}

function assignIps(drafts: PodDraft[], nodes: readonly Node[], clusterCidr: Prefix, problems: InputProblem[]): void {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  // Who holds each address, named only when a clash is reported.
  const taken = new Map<Ipv4, Node | PodDraft>();
  const holder = (ip: Ipv4) => {
    const who = taken.get(ip)!;
    return "bridgeIp" in who ? `node ${who.name}'s bridge0` : `pod ${who.namespace}/${who.name}`;
  };
  for (const n of nodes) taken.set(n.bridgeIp, n);
  for (const d of drafts) {
    const node = d.node === undefined ? undefined : byName.get(d.node);
    if (!node) continue;
    if (d.spec.hostNetwork) {
      d.ip = node.ip;
      continue;
    }
    if (d.ip === undefined) continue;
    // Positions are looked up only for a problem: in a JSON input each costs a scan of the pod's text.
    const wrong = (code: "address-outside" | "address-conflict", why: string) =>
      problems.push(
        problem(code, d.at(["status", "podIP"]), `pod ${d.namespace}/${d.name}: podIP ${formatIpv4(d.ip!)} ${why}`),
      );
    if (!prefixContains(clusterCidr, d.ip)) wrong("address-outside", `is outside the cluster CIDR ${clusterCidr.text}`);
    else if (!prefixContains(node.podCidr, d.ip))
      wrong("address-outside", `is outside node ${node.name}'s podCIDR ${node.podCidr.text}`);
    else if (taken.has(d.ip)) wrong("address-conflict", `is already used by ${holder(d.ip)}`);
    taken.set(d.ip, d);
  }
  // host-local: the gateway is .1, pods get .2 upwards, never the broadcast address.
  const next = new Map(nodes.map((n) => [n.name, n.podCidr.network + 2]));
  for (const d of drafts) {
    const node = d.node === undefined ? undefined : byName.get(d.node);
    if (!node || d.ip !== undefined) continue;
    let ip = next.get(node.name)!;
    while (taken.has(ip)) ip++;
    if (ip >= node.podCidr.network + prefixSize(node.podCidr) - 1) {
      problems.push(
        problem(
          "address-exhausted",
          d.countAt,
          `node ${node.name}'s podCIDR ${node.podCidr.text} has no address left for pod ${d.namespace}/${d.name}; ` +
            `use a larger nodeCIDRMaskSize or fewer pods`,
        ),
      );
      continue;
    }
    d.ip = ip;
    taken.set(ip, d);
    next.set(node.name, ip + 1);
  }
}

/** A pod spec's container ports, listed once per spec: a workload's replicas share theirs. */
function containerPorts(): (spec: PodSpecObject) => readonly ContainerPort[] {
  const listed = new Map<PodSpecObject, readonly ContainerPort[]>();
  return (spec) => {
    let ports = listed.get(spec);
    if (!ports) {
      ports = (spec.containers ?? []).flatMap((c) =>
        (c.ports ?? []).map((p) => ({
          ...(p.name ? { name: p.name } : {}),
          containerPort: p.containerPort,
          protocol: p.protocol ?? "TCP",
        })),
      );
      listed.set(spec, ports);
    }
    return ports;
  };
}

function toPod(d: PodDraft, ports: readonly ContainerPort[]): Pod {
  const images = (d.spec.containers ?? []).flatMap((c) => (typeof c.image === "string" ? [c.image] : []));
  return {
    namespace: d.namespace,
    name: d.name,
    node: d.node!,
    ip: d.ip ?? 0,
    labels: d.labels,
    ports,
    ...(images.length > 0 ? { images } : {}),
    ready: d.ready,
    terminating: d.terminating,
    hostNetwork: d.spec.hostNetwork === true,
    ...(d.owner ? { owner: d.owner } : {}),
    veth: vethName(d.namespace, d.name),
    origin: d.origin,
  };
}
