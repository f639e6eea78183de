// Input layer entry: files -> validated objects by kind, each still able to point at its source.
import { asWritten } from "../model/excerpt.ts";
import type { z } from "zod";
import { byPosition, type Diagnostic, diagnostic } from "../model/diagnostic.ts";
import { InputError, type InputProblem, problem } from "./errors.ts";
import {
  CronJobSchema,
  type CronJobObject,
  NodeSchema,
  type NodeObject,
  PodSchema,
  type PodObject,
  WorkloadSchema,
  type WorkloadObject,
} from "./kubernetes-schema.ts";
import {
  EndpointSliceSchema,
  type EndpointSliceObject,
  EndpointsSchema,
  type EndpointsObject,
  KubeProxyConfigurationSchema,
  type KubeProxyConfigurationObject,
  ServiceSchema,
  type ServiceObject,
} from "./service-schema.ts";
import { IngressClassSchema, type IngressClassObject, IngressSchema, type IngressObject } from "./ingress-schema.ts";
import { deprecatedApi } from "./deprecated-api.ts";
import {
  type GatewayApiInput,
  gatewayApiVersionNote,
  gatewayFieldNotes,
  isModelledGatewayApi,
  readGatewayApi,
} from "./gateway-input.ts";
import { hasLeadingZeroAddress, normaliseLeadingZeros } from "./leading-zeros.ts";
import { type PodPool, podPools } from "./pod-pools.ts";
import { readSources, type SourceFile } from "./source.ts";
import { INERT_KINDS, unmodelledImpact } from "./unmodelled.ts";
import { TopologySchema, type TopologyObject } from "./topology-schema.ts";
import { parseDocuments, readDocuments, type SourceObject } from "./yaml-documents.ts";

export interface Read<T> {
  readonly obj: T;
  readonly src: SourceObject;
}

export type WorkloadKind = "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" | "ReplicationController" | "Job";

export interface TopologyInput {
  readonly topology?: Read<TopologyObject>;
  readonly nodes: readonly Read<NodeObject>[];
  readonly pods: readonly Read<PodObject>[];
  readonly workloads: readonly (Read<WorkloadObject> & { kind: WorkloadKind })[];
  readonly services: readonly Read<ServiceObject>[];
  readonly endpointSlices: readonly Read<EndpointSliceObject>[];
  /** core v1 Endpoints: the EndpointSlice mirroring controller copies those of selector-less Services. */
  readonly endpoints: readonly Read<EndpointsObject>[];
  /** Read to say that they make no pods until they create a Job. */
  readonly cronJobs: readonly Read<CronJobObject>[];
  /** The pod address pools a CNI's own objects name (Calico's): the cluster CIDR, when nothing else says. */
  readonly podPools: readonly PodPool[];
  readonly kubeProxyConfig?: Read<KubeProxyConfigurationObject>;
  readonly ingresses: readonly Read<IngressObject>[];
  readonly ingressClasses: readonly Read<IngressClassObject>[];
  /** Every ConfigMap, unread: the ingress controller's --configmap names the one looked into. */
  readonly configMaps: readonly SourceObject[];
  /** gateway.networking.k8s.io objects, and the Namespaces and Secrets they refer to. */
  readonly gatewayApi: GatewayApiInput;
  /**
   * What kubehop reads past or does not model: objects of kinds that can change traffic, and the
   * text of a terminal paste around the YAML.
   */
  readonly ignored: readonly Diagnostic[];
  /** What was loaded (a file, a folder, or YAML text): node dumps are looked for next to it. */
  readonly source?: string;
  /** --dumps DIR: the folder of node dumps the user named, read instead of any the topology names. */
  readonly dumps?: string;
}

const WORKLOAD_KINDS: readonly string[] = [
  "Deployment",
  "StatefulSet",
  "DaemonSet",
  "ReplicaSet",
  "ReplicationController",
  "Job",
];

/** `sources` when the caller has read them already (the snapshot cache hashes them first). */
export function loadInput(pathOrText: string, sources: readonly SourceFile[] = readSources(pathOrText)): TopologyInput {
  const read = sources.map(readDocuments);
  const objects = read.flatMap((r) => r.objects);
  const zeros = read.flatMap((r, i) =>
    hasLeadingZeroAddress(sources[i]!.text)
      ? r.objects.filter((o) => !OWN_KINDS.has(o.kind)).flatMap(normaliseLeadingZeros)
      : [],
  );
  const problems: InputProblem[] = duplicateObjects(objects);
  const readKind = <S extends z.ZodType>(kinds: readonly string[], schema: S): Read<z.infer<S>>[] =>
    objects
      .filter((src) => kinds.includes(src.kind))
      .flatMap((src) => {
        const obj = validate(schema, src, problems);
        return obj === undefined ? [] : [{ obj, src }];
      });
  const one = <T>(found: Read<T>[], what: string): Read<T> | undefined => {
    for (const extra of found.slice(1)) {
      const first = found[0]!.src.at();
      problems.push(
        problem(
          "duplicate",
          extra.src.at(),
          `a second ${what}; the first is at ${first.file}:${first.line}. Give exactly one`,
        ),
      );
    }
    return found[0];
  };
  // kubectl get -n kube-system configmap kube-proxy -o yaml: the configuration is in data.config.conf.
  const proxyConfigs = objects.flatMap((src) =>
    src.kind === "KubeProxyConfiguration"
      ? [src]
      : isKubeProxyConfigMap(src)
        ? [embeddedConfig(src, problems)].filter((c) => c !== undefined)
        : [],
  );
  const input = {
    nodes: readKind(["Node"], NodeSchema),
    pods: readKind(["Pod"], PodSchema),
    workloads: readKind(WORKLOAD_KINDS, WorkloadSchema).map((r) => ({ ...r, kind: r.src.kind as WorkloadKind })),
    services: readKind(["Service"], ServiceSchema),
    endpointSlices: readKind(["EndpointSlice"], EndpointSliceSchema),
    endpoints: readKind(["Endpoints"], EndpointsSchema),
    cronJobs: readKind(["CronJob"], CronJobSchema),
    podPools: objects.flatMap(podPools),
    ingresses: readKind(["Ingress"], IngressSchema),
    ingressClasses: readKind(["IngressClass"], IngressClassSchema),
    // Read as written: only the one an ingress controller's --configmap names is looked into.
    configMaps: objects.filter((src) => src.kind === "ConfigMap"),
    gatewayApi: readGatewayApi(objects, (schema, src) => validate(schema, src, problems)),
    ignored: [
      ...read.flatMap((r) => r.notes),
      ...zeros,
      ...objects.flatMap((src) => deprecatedApi(src) ?? gatewayApiVersionNote(src) ?? []),
      ...objects.flatMap(gatewayFieldNotes),
      ...objects
        .filter(
          (src) =>
            !KNOWN_KINDS.has(src.kind) &&
            !INERT_KINDS.has(src.kind) &&
            !isModelledGatewayApi(src) &&
            !isKubeProxyConfigMap(src),
        )
        .map(unmodelled),
    ],
    source: pathOrText,
  };
  const topology = one(readKind(["Topology"], TopologySchema), "Topology");
  const kubeProxyConfig = one(
    proxyConfigs.flatMap((src) => {
      const obj = validate(KubeProxyConfigurationSchema, src, problems);
      return obj === undefined ? [] : [{ obj, src }];
    }),
    "KubeProxyConfiguration",
  );
  if (problems.length > 0) throw new InputError(byPosition(problems));
  return { ...input, ...(topology ? { topology } : {}), ...(kubeProxyConfig ? { kubeProxyConfig } : {}) };
}

/** Kinds without a namespace: a namespace written on one is ignored by the API server. */
const CLUSTER_SCOPED = new Set([
  "Node",
  "Namespace",
  "IngressClass",
  "GatewayClass",
  "ClusterRole",
  "ClusterRoleBinding",
  "CustomResourceDefinition",
  "PriorityClass",
  "StorageClass",
  "PersistentVolume",
]);

/**
 * Two objects of one kind (and API group) with one namespace and name, in one file or across files:
 * the API server holds one, so the second is refused (an apply would overwrite the first).
 */
function duplicateObjects(objects: readonly SourceObject[]): InputProblem[] {
  const first = new Map<string, SourceObject>();
  const problems: InputProblem[] = [];
  for (const src of objects) {
    if (OWN_KINDS.has(src.kind)) continue;
    const md = src.value.metadata as { name?: unknown; namespace?: unknown } | undefined;
    if (typeof md?.name !== "string") continue;
    const apiVersion = String(src.value.apiVersion ?? "");
    const group = apiVersion.includes("/") ? apiVersion.slice(0, apiVersion.indexOf("/")) : "";
    const namespace = CLUSTER_SCOPED.has(src.kind) ? "" : typeof md.namespace === "string" ? md.namespace : "default";
    const key = JSON.stringify([src.kind, group, namespace, md.name]);
    const prev = first.get(key);
    if (!prev) {
      first.set(key, src);
      continue;
    }
    const at = prev.at();
    const name = namespace ? `${namespace}/${md.name}` : JSON.stringify(md.name);
    problems.push(
      problem(
        "duplicate",
        src.at(["metadata", "name"]),
        `duplicate ${src.kind} ${name} (first at ${at.file}:${at.line}); ${src.kind} names must be unique` +
          `${namespace ? " in a namespace" : ""}: rename one or drop it`,
      ),
    );
  }
  return problems;
}

/** kubehop's own kinds, validated strictly: what Kubernetes would accept does not apply to them. */
const OWN_KINDS = new Set(["Topology", "Expectations"]);

/** Kinds this layer reads (Expectations is kubehop check's own, read by that command). */
const KNOWN_KINDS = new Set([
  "Topology",
  "Node",
  "Pod",
  ...WORKLOAD_KINDS,
  "Service",
  "EndpointSlice",
  "Endpoints",
  "CronJob",
  "Ingress",
  "IngressClass",
  "KubeProxyConfiguration",
  "Expectations",
]);

function unmodelled(src: SourceObject): Diagnostic {
  const md = src.value.metadata as { name?: unknown; namespace?: unknown } | undefined;
  const name = [md?.namespace, md?.name].filter((x) => typeof x === "string").join("/");
  const impact = unmodelledImpact(src.kind, String(src.value.apiVersion ?? ""));
  return diagnostic("unmodelled-kind", src.at(), `${asWritten(src.kind)} ${asWritten(name, 253)}: ${impact}`);
}

function isKubeProxyConfigMap(src: SourceObject): boolean {
  const md = src.value.metadata as { name?: unknown; namespace?: unknown } | undefined;
  return src.kind === "ConfigMap" && md?.name === "kube-proxy" && md.namespace === "kube-system";
}

/** The KubeProxyConfiguration inside the ConfigMap, positioned at its data.config.conf value. */
function embeddedConfig(src: SourceObject, problems: InputProblem[]): SourceObject | undefined {
  const data = src.value.data as Record<string, unknown> | undefined;
  const key =
    data && ("config.conf" in data ? "config.conf" : Object.keys(data).find((k) => /\.(conf|ya?ml)$/.test(k)));
  const text = key ? data![key] : undefined;
  if (typeof text !== "string") {
    problems.push(
      problem(
        "invalid-field",
        src.at(["data"]),
        'ConfigMap kube-system/kube-proxy has no data."config.conf" holding the KubeProxyConfiguration',
      ),
    );
    return undefined;
  }
  const where = src.at(["data", key!]);
  let docs: SourceObject[];
  try {
    docs = parseDocuments({ file: `${where.file} (data.${key} at line ${where.line})`, text });
  } catch (e) {
    if (e instanceof InputError) problems.push(...e.diagnostics);
    return undefined;
  }
  const doc = docs[0]!;
  if (doc.kind !== "KubeProxyConfiguration") {
    problems.push(
      problem("wrong-kind", where, `data.${key} holds a ${doc.kind}; expected kind: KubeProxyConfiguration`),
    );
    return undefined;
  }
  return doc;
}

export function validate<S extends z.ZodType>(
  schema: S,
  src: SourceObject,
  problems: InputProblem[],
): z.infer<S> | undefined {
  const result = schema.safeParse(src.value);
  if (result.success) return result.data;
  for (const issue of result.error.issues) {
    const path = issue.path.filter((p): p is string | number => typeof p !== "symbol");
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        problems.push(
          problem(
            "unknown-field",
            src.at(path, key),
            `${src.kind}: ${pathText([...path, key])}: unknown field "${key}"${suggest(key, path, schema)}`,
          ),
        );
      }
    } else {
      problems.push(problem("invalid-field", src.at(path), `${src.kind}: ${pathText(path)}: ${issue.message}`));
    }
  }
  return undefined;
}

export function pathText(path: readonly (string | number)[]): string {
  return path.length === 0
    ? "(document)"
    : path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");
}

/** "did you mean" for a misspelt key, from the keys the schema allows at that place. */
function suggest(key: string, path: readonly (string | number)[], schema: z.ZodType): string {
  const allowed = allowedKeys(schema, path);
  if (allowed.length === 0) return "";
  const near = allowed.find((k) => k.toLowerCase() === key.toLowerCase() || editDistance(k, key) <= 2);
  return near ? `; did you mean "${near}"?` : `; valid fields: ${allowed.join(", ")}`;
}

function allowedKeys(schema: z.ZodType, path: readonly (string | number)[]): string[] {
  let s: unknown = schema;
  for (const seg of path) {
    s = unwrap(s);
    const def = (s as { def?: { type?: string; shape?: Record<string, unknown>; element?: unknown } }).def;
    if (def?.type === "object" && typeof seg === "string") s = def.shape?.[seg];
    else if (def?.type === "array" && typeof seg === "number") s = def.element;
    else return [];
  }
  const def = (unwrap(s) as { def?: { type?: string; shape?: Record<string, unknown> } }).def;
  return def?.type === "object" ? Object.keys(def.shape ?? {}) : [];
}

function unwrap(s: unknown): unknown {
  let cur = s as { def?: { type?: string; innerType?: unknown } };
  while (cur?.def && (cur.def.type === "optional" || cur.def.type === "nullable" || cur.def.type === "default")) {
    cur = cur.def.innerType as typeof cur;
  }
  return cur;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}
