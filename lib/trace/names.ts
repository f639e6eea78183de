// The names a user types for things in the cluster (pod/[NS/]NAME, svc/..., deploy/...), looked up
// in the model. A miss answers with the closest names in that namespace, or with the namespaces
// that do have such things, since most topologies keep nothing in `default`.
import { closest } from "../model/suggest.ts";
import { DEFAULTS } from "../control/defaults.ts";
import type { Pod, Service } from "../model/cluster.ts";
import { podKey } from "../dataplane/locations.ts";
import type { Network } from "../dataplane/network.ts";
import { RequestError } from "./errors.ts";

export type WorkloadKind = "Deployment" | "StatefulSet" | "DaemonSet";

/** kubectl's short and long resource names for the workloads whose pods a location may stand for. */
export const WORKLOAD_PREFIXES: ReadonlyMap<string, WorkloadKind> = new Map([
  ["deploy", "Deployment"],
  ["deployment", "Deployment"],
  ["sts", "StatefulSet"],
  ["statefulset", "StatefulSet"],
  ["ds", "DaemonSet"],
  ["daemonset", "DaemonSet"],
]);

const SHORT: ReadonlyMap<string, string> = new Map([
  ["Deployment", "deploy"],
  ["StatefulSet", "sts"],
  ["DaemonSet", "ds"],
]);

interface Named {
  readonly namespace: string;
  readonly name: string;
}

/** `NS/NAME` as written, else NAME in the query's namespace (-n), else in `default` as kubectl does. */
function qualify(ref: string, namespace: string | undefined): Named {
  const slash = ref.indexOf("/");
  if (slash >= 0) return { namespace: ref.slice(0, slash), name: ref.slice(slash + 1) };
  return { namespace: namespace ?? DEFAULTS.namespace, name: ref };
}

/** A pod by `[NS/]NAME`, or by a unique prefix such as its workload's name. */
function findPod(net: Network, ref: string, namespace?: string): Pod {
  const { namespace: ns, name } = qualify(ref, namespace);
  const exact = net.podsByKey.get(`${ns}/${name}`);
  if (exact) return exact;
  const inNamespace = net.cluster.pods.filter((p) => p.namespace === ns);
  const prefix = inNamespace.filter((p) => p.name.startsWith(`${name}-`));
  if (prefix.length === 1) return prefix[0]!;
  if (prefix.length > 1) {
    const owner = prefix[0]!.owner;
    const same = owner && prefix.every((p) => p.owner?.kind === owner.kind && p.owner.name === owner.name);
    const short = same ? SHORT.get(owner.kind) : undefined;
    const all = short ? ` (${short}/${ns}/${owner!.name} stands for all of them, each a branch)` : "";
    throw new RequestError(
      `pod "${ns}/${name}" is ambiguous: ${list(byName(prefix).map(podKey))}${all}`,
      "AMBIGUOUS_POD",
    );
  }
  const hintText = hint(
    { many: "pods", ref: "pod" },
    { namespace: ns, name },
    inNamespace.map((p) => p.name),
    net.cluster.pods,
  );
  throw new RequestError(`no pod "${ns}/${name}"${hintText}`, "UNKNOWN_POD");
}

export function findService(net: Network, ref: string, namespace?: string): Service {
  const { namespace: ns, name } = qualify(ref, namespace);
  const services = net.cluster.services;
  const svc = services.find((s) => s.namespace === ns && s.name === name);
  if (svc) return svc;
  const inNamespace = services.filter((s) => s.namespace === ns).map((s) => s.name);
  throw new RequestError(
    `no Service ` +
      `"${ns}/${name}"${hint({ many: "Services", ref: "svc" }, { namespace: ns, name }, inNamespace, services)}`,
    "UNKNOWN_SERVICE",
  );
}

/** The pods a workload made, in name order: the order its branches come in. */
function workloadPods(net: Network, kind: WorkloadKind, ref: string, namespace?: string): Pod[] {
  const { namespace: ns, name } = qualify(ref, namespace);
  const owns = (p: Pod, k: string) => p.namespace === ns && p.owner?.kind === k && p.owner.name === name;
  const pods = net.cluster.pods.filter((p) => owns(p, kind));
  if (pods.length > 0) return byName(pods);
  const other = [...SHORT.keys()].find((k) => net.cluster.pods.some((p) => owns(p, k)));
  if (other)
    throw new RequestError(
      `no ${kind} ${ns}/${name}: it is a ${other}; write ${SHORT.get(other)}/${ns}/${name}`,
      "WRONG_WORKLOAD_KIND",
    );
  // The model keeps workloads only through their pods, so one that made none looks like one that is not there.
  const owned = net.cluster.pods
    .filter((p) => p.owner?.kind === kind)
    .map((p) => ({ namespace: p.namespace, name: p.owner!.name }));
  const inNamespace = [...new Set(owned.filter((w) => w.namespace === ns).map((w) => w.name))];
  const near = hint({ many: `${kind}s`, ref: SHORT.get(kind)! }, { namespace: ns, name }, inNamespace, owned);
  const none = kind === "DaemonSet" ? "one whose nodeSelector matches no node" : "one with 0 replicas";
  throw new RequestError(
    `no pods of ${kind} "${ns}/${name}"${near}; kubehop knows a ${kind} by its pods, and ${none} has none`,
    "NO_WORKLOAD_PODS",
  );
}

/** The pods that `pod/...` or a workload location stands for, in branch order; undefined for other locations. */
export function podsAt(
  net: Network,
  location: string,
  namespace?: string,
): { pods: readonly Pod[]; workload?: string } | undefined {
  const slash = location.indexOf("/");
  const [kind, ref] = [location.slice(0, slash), location.slice(slash + 1)];
  if (slash < 0 || ref === "") return undefined;
  if (kind === "pod") return { pods: [findPod(net, ref, namespace)] };
  const workload = WORKLOAD_PREFIXES.get(kind);
  if (!workload) return undefined;
  const { namespace: ns, name } = qualify(ref, namespace);
  return { pods: workloadPods(net, workload, ref, namespace), workload: `${workload} ${ns}/${name}` };
}

interface Noun {
  readonly many: string;
  /** How a location names it: `pod`, `svc`, `deploy`. */
  readonly ref: string;
}

/** The closest names in the namespace; failing those, what the namespace has; failing that, where such things are. */
function hint(noun: Noun, wanted: Named, inNamespace: readonly string[], everywhere: readonly Named[]): string {
  const key = (name: string) => `"${wanted.namespace}/${name}"`;
  const near = closest(wanted.name, inNamespace);
  if (near.length > 0) return ` (did you mean ${near.map(key).join(" or ")}?)`;
  const keys = inNamespace.map((n) => `${wanted.namespace}/${n}`);
  if (keys.length > 0) return `; ${noun.many}: ${list(keys)}`;
  const namespaces = [...new Set(everywhere.map((x) => x.namespace))].sort();
  if (namespaces.length === 0) return `; the topology has no ${noun.many}`;
  return (
    `; namespace ${wanted.namespace} has none; namespaces with ${noun.many}: ${list(namespaces)} (give -n NS ` +
    `or ${noun.ref}/NS/${wanted.name})`
  );
}

function byName(pods: Pod[]): Pod[] {
  return pods.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export function list(names: readonly string[]): string {
  return names.length > 12
    ? `${names.slice(0, 12).join(", ")}, ... (${names.length} in all)`
    : names.join(", ") || "(none)";
}
