// How big a topology may be, as Kubernetes bounds a cluster: counted from the objects before any node,
// pod or rule is made, so `replicas: 100000000` is refused at once instead of after minutes of work.
import type { Origin } from "../model/cluster.ts";
import { type Diagnostic, diagnostic } from "../model/diagnostic.ts";
import { type InputProblem, problem } from "../input/errors.ts";
import type { Read, TopologyInput } from "../input/load.ts";
import type { WorkloadObject } from "../input/kubernetes-schema.ts";
import { LIMITS } from "../input/size-limits.ts";
import { DEFAULTS } from "./defaults.ts";

const thousands = (n: number) => n.toLocaleString("en-US");

/** Refuses a topology past Kubernetes' limits; reads only counts, never builds anything. */
export function checkLimits(input: TopologyInput, problems: InputProblem[]): void {
  const nodes = checkNodeCount(input, problems);
  checkPodCount(input, nodes, problems);
  const extra = input.services[LIMITS.services];
  if (extra)
    problems.push(
      problem(
        "too-large",
        extra.src.at(),
        `more than ${thousands(LIMITS.services)} Services (${thousands(input.services.length)}): past twice ` +
          `Kubernetes' documented 10,000 Services per cluster; split the topology`,
      ),
    );
  checkSlices(input, problems);
}

/** The nodes the topology will have: Node objects and Topology nodes by name, else nodeCount. */
function checkNodeCount(input: TopologyInput, problems: InputProblem[]): number {
  const names = new Set<string>();
  const tooMany = (at: Origin) =>
    problem(
      "too-large",
      at,
      `more than ${thousands(LIMITS.nodes)} nodes: Kubernetes supports at most ${thousands(LIMITS.nodes)} nodes in ` +
        `a cluster; use fewer`,
    );
  for (const { obj, src } of input.nodes) {
    names.add(obj.metadata.name);
    if (names.size > LIMITS.nodes) {
      problems.push(tooMany(src.at(["metadata", "name"])));
      return names.size;
    }
  }
  const topo = input.topology;
  const listed = topo?.obj.spec?.nodes ?? [];
  for (const [i, n] of listed.entries()) {
    names.add(n.name);
    if (names.size > LIMITS.nodes) {
      problems.push(tooMany(topo!.src.at(["spec", "nodes", i, "name"])));
      return names.size;
    }
  }
  if (names.size > 0) return names.size;
  const count = topo?.obj.spec?.nodeCount ?? DEFAULTS.nodeCount;
  if (count > LIMITS.nodes) problems.push(tooMany(topo!.src.at(["spec", "nodeCount"])));
  return count;
}

/** The pods the controllers would create (a DaemonSet one per node at most), summed before any is made. */
function checkPodCount(input: TopologyInput, nodes: number, problems: InputProblem[]): void {
  let total = input.pods.length;
  const limit = thousands(LIMITS.pods);
  for (const w of input.workloads) {
    const count = podsOf(w, nodes);
    const ns = w.obj.metadata.namespace ?? DEFAULTS.namespace;
    const what = `${w.kind} ${ns}/${w.obj.metadata.name}`;
    const at = w.src.at(w.kind === "DaemonSet" ? [] : ["spec", "replicas"]);
    if (count > LIMITS.pods) {
      problems.push(
        problem(
          "too-large",
          at,
          `${what} asks for ${thousands(count)} pods, more than the ${limit} pods Kubernetes supports in a ` +
            `cluster; use at most ${limit} replicas`,
        ),
      );
      return;
    }
    total += count;
    if (total > LIMITS.pods) {
      problems.push(
        problem(
          "too-large",
          at,
          `with ${what}'s ${thousands(count)} pods the topology has ${thousands(total)} pods, more than the ` +
            `${limit} Kubernetes supports in a cluster; use fewer replicas`,
        ),
      );
      return;
    }
  }
}

function podsOf(w: Read<WorkloadObject> & { kind: string }, nodes: number): number {
  const spec = w.obj.spec;
  if (w.kind === "DaemonSet") return nodes;
  if (w.kind === "Job") {
    if (spec.suspend) return 0;
    const parallelism = spec.parallelism ?? 1;
    return Math.min(parallelism, spec.completions ?? parallelism);
  }
  return spec.replicas ?? 1;
}

/** The API server's EndpointSlice validation: at most 1,000 endpoints, 100 ports, 100 addresses each. */
function checkSlices(input: TopologyInput, problems: InputProblem[]): void {
  for (const { obj, src } of input.endpointSlices) {
    const name = `EndpointSlice ${obj.metadata.namespace ?? DEFAULTS.namespace}/${obj.metadata.name}`;
    const endpoints = obj.endpoints ?? [];
    if (endpoints.length > LIMITS.endpointsPerSlice)
      problems.push(
        problem(
          "too-large",
          src.at(["endpoints", LIMITS.endpointsPerSlice]),
          `${name} has ${thousands(endpoints.length)} endpoints; the API server takes at most ` +
            `${thousands(LIMITS.endpointsPerSlice)} in a slice: split them over several slices`,
        ),
      );
    const ports = obj.ports ?? [];
    if (ports.length > LIMITS.portsPerSlice)
      problems.push(
        problem(
          "too-large",
          src.at(["ports", LIMITS.portsPerSlice]),
          `${name} has ${ports.length} ports; the API server takes at most ${LIMITS.portsPerSlice} in a slice`,
        ),
      );
    const crowded = endpoints.findIndex((e) => e.addresses.length > LIMITS.addressesPerEndpoint);
    if (crowded >= 0)
      problems.push(
        problem(
          "too-large",
          src.at(["endpoints", crowded, "addresses"]),
          `${name}: endpoint ${crowded} has ${endpoints[crowded]!.addresses.length} addresses; the API server ` +
            `takes at most ${LIMITS.addressesPerEndpoint} per endpoint`,
        ),
      );
  }
}

/**
 * What kubelet would admit: a node's status.allocatable.pods (kubectl's dump of a real node) is its
 * limit; without one, more than kubelet's default 110 is a warning (the node needs --max-pods) and more
 * than kubehop's cap an error.
 */
export function checkPodsPerNode(
  counts: ReadonlyMap<string, number>,
  input: TopologyInput,
  origins: ReadonlyMap<string, Origin | undefined>,
  problems: InputProblem[],
  warnings: Diagnostic[],
): void {
  const allocatable = new Map(input.nodes.map((n) => [n.obj.metadata.name, allocatablePods(n.obj.status)]));
  for (const [node, count] of counts) {
    const max = allocatable.get(node);
    const at = origins.get(node) ?? { file: "<defaults>", line: 1, col: 1 };
    if (max !== undefined && count > max)
      problems.push(
        problem(
          "too-large",
          at,
          `node ${node} would run ${count} pods, more than its status.allocatable.pods ${max}: kubelet admits no ` +
            `more; spread the pods over more nodes or raise the node's maxPods`,
        ),
      );
    else if (max === undefined && count > LIMITS.podsPerNodeCap)
      problems.push(
        problem(
          "too-large",
          at,
          `node ${node} would run ${count} pods, more than kubehop's ${LIMITS.podsPerNodeCap} per node ` +
            `(kubelet's default maxPods is ${LIMITS.podsPerNodeDefault}); add nodes or use fewer replicas`,
        ),
      );
    else if (max === undefined && count > LIMITS.podsPerNodeDefault)
      warnings.push(
        diagnostic(
          "max-pods",
          at,
          `node ${node} runs ${count} pods, more than kubelet's default maxPods ${LIMITS.podsPerNodeDefault}: ` +
            `the node must run kubelet with --max-pods ${count} or more`,
          "give the Node's status.allocatable.pods, or add nodes",
        ),
      );
  }
}

/** kubectl writes quantities as text ("110"); a number is read too. */
function allocatablePods(status: unknown): number | undefined {
  const pods = (status as { allocatable?: { pods?: unknown } } | undefined)?.allocatable?.pods;
  const n = typeof pods === "number" ? pods : typeof pods === "string" ? Number(pods) : Number.NaN;
  return Number.isInteger(n) && n >= 0 ? n : undefined;
}
