// What the objects name and cannot find: an Ingress backend's missing Service or port, a selector
// that selects no pod, a named targetPort no selected pod declares, a Service port with no ready
// endpoint. The API server accepts all of these (names are not checked across objects); kube-proxy
// then rejects the connection and ingress-nginx answers 503. Each is a warning at the field that
// names it, and each Service port's cause is kept in the model for the trace that meets it.
import type { EndpointSlice, NoEndpointsCause, Pod, Service, ServicePort } from "../model/cluster.ts";
import { type Diagnostic, diagnostic } from "../model/diagnostic.ts";
import type { Origin } from "../model/origin.ts";
import type { Read, TopologyInput } from "../input/load.ts";
import type { IngressObject } from "../input/ingress-schema.ts";
import { anyUsable, servicePortEndpoints } from "../kubeproxy/endpoints.ts";
import { DEFAULTS } from "./defaults.ts";

/** The Services with each port's cause filled in, and the warnings for validate and traces. */
export function checkReferences(
  input: TopologyInput,
  services: readonly Service[],
  slices: readonly EndpointSlice[],
  pods: readonly Pod[],
): { services: Service[]; warnings: Diagnostic[] } {
  const warnings: Diagnostic[] = [];
  const positions = new Map(
    input.services.map((r) => [`${r.obj.metadata.namespace ?? DEFAULTS.namespace}/${r.obj.metadata.name}`, r.src.at]),
  );
  const slicesOf = groupBy(slices, (sl) => `${sl.namespace}/${sl.serviceName}`);
  // Pods are looked at only for a port without endpoints: at 10,000 Services, that is few of them.
  let podsOf: Map<string, Pod[]> | undefined;
  const inNamespace = (ns: string) => (podsOf ??= groupBy(pods, (p) => p.namespace)).get(ns) ?? [];
  const out = services.map((s) => {
    if (s.type === "ExternalName" || s.headless || s.proxyName !== undefined) return s;
    const key = `${s.namespace}/${s.name}`;
    const at = (path: (string | number)[]): Origin | { object: { kind: string; namespace: string; name: string } } =>
      positions.get(key)?.(path) ?? { object: { kind: "Service", namespace: s.namespace, name: s.name } };
    const own = slicesOf.get(key) ?? [];
    let selected: Pod[] | undefined;
    const selectedPods = () =>
      (selected ??= inNamespace(s.namespace).filter((p) => matches(s.selector ?? {}, p.labels)));
    const ports = s.ports.map((port, i): ServicePort => {
      const cause = noEndpointsCause(s, port, own, selectedPods);
      if (!cause) return port;
      const report = portWarning(key, port, cause);
      if (report) warnings.push(diagnostic(report.code, at(["spec", "ports", i, ...report.field]), report.message));
      return { ...port, noEndpoints: cause };
    });
    if (ports.some((p) => p.noEndpoints?.kind === "selector-matches-no-pod"))
      warnings.push(
        diagnostic(
          "selector-no-match",
          at(["spec", "selector"]),
          `Service ${key}: selector ${labelText(s.selector!)} matches no pod in namespace ${s.namespace}: it has no ` +
            `endpoints`,
          "check the selector against the pods' labels (kubectl get pods --show-labels)",
        ),
      );
    return ports.some((p) => p.noEndpoints) ? { ...s, ports } : s;
  });
  warnings.push(...input.ingresses.flatMap((r) => danglingBackends(r, out)));
  return { services: out, warnings };
}

function noEndpointsCause(
  s: Service,
  port: ServicePort,
  own: readonly EndpointSlice[],
  selectedPods: () => readonly Pod[],
): NoEndpointsCause | undefined {
  const endpoints = servicePortEndpoints(own, port.name, port.protocol);
  if (anyUsable(endpoints)) return undefined;
  if (s.selector && own.every((sl) => sl.derived)) {
    const selected = selectedPods();
    if (selected.length === 0) return { kind: "selector-matches-no-pod", selector: s.selector };
    const name = port.targetPort;
    if (
      typeof name === "string" &&
      !selected.some((p) => p.ports.some((c) => c.name === name && c.protocol === port.protocol))
    )
      return { kind: "target-port-unresolved", targetPort: name, pods: selected.length };
    return { kind: "pods-not-ready", pods: selected.length };
  }
  if (own.length === 0) return { kind: "no-endpoints-given" };
  if (endpoints.length === 0) return { kind: "given-endpoints-lack-port" };
  return { kind: "given-endpoints-not-ready", endpoints: endpoints.length };
}

/** One warning per port; a selector that matches nothing is said once for the Service instead. */
function portWarning(
  key: string,
  port: ServicePort,
  cause: NoEndpointsCause,
): { code: "target-port-unresolved" | "no-ready-endpoints"; field: string[]; message: string } | undefined {
  const name = `Service ${key} port ${port.name || port.port}`;
  switch (cause.kind) {
    case "selector-matches-no-pod":
      return undefined;
    case "target-port-unresolved":
      return {
        code: "target-port-unresolved",
        field: ["targetPort"],
        message:
          `${name}: targetPort "${cause.targetPort}" names no ${port.protocol} container port of ` +
          `the ${cause.pods} selected pod${cause.pods === 1 ? "" : "s"}: it has no endpoints`,
      };
    default:
      return { code: "no-ready-endpoints", field: [], message: `${name} has no ready endpoint: ${causeText(cause)}` };
  }
}

/** The cause in words: validate's warning says it, and so does a NO_ENDPOINTS trace (lib/output/reason.ts). */
export function causeText(cause: NoEndpointsCause): string {
  switch (cause.kind) {
    case "selector-matches-no-pod":
      return `its selector ${labelText(cause.selector)} matches no pod`;
    case "target-port-unresolved":
      return `no selected pod declares a container port named "${cause.targetPort}"`;
    case "pods-not-ready":
      return `none of its ${cause.pods} selected pod${cause.pods === 1 ? " is" : "s are"} ready`;
    case "no-endpoints-given":
      return "it has no selector, and no Endpoints or EndpointSlice in the input gives its endpoints";
    case "given-endpoints-lack-port":
      return "its Endpoints or EndpointSlices list no port of that name and protocol";
    case "given-endpoints-not-ready":
      return (
        `none of the ${cause.endpoints} endpoint${cause.endpoints === 1 ? "" : "s"} its Endpoints or ` +
        `EndpointSlices list is ready`
      );
  }
}

function danglingBackends(r: Read<IngressObject>, services: readonly Service[]): Diagnostic[] {
  const namespace = r.obj.metadata.namespace ?? DEFAULTS.namespace;
  const spec = r.obj.spec;
  const backends: { backend: NonNullable<typeof spec.defaultBackend>; path: (string | number)[] }[] = [
    ...(spec.defaultBackend ? [{ backend: spec.defaultBackend, path: ["spec", "defaultBackend"] }] : []),
    ...(spec.rules ?? []).flatMap((rule, i) =>
      (rule.http?.paths ?? []).map((p, j) => ({
        backend: p.backend,
        path: ["spec", "rules", i, "http", "paths", j, "backend"],
      })),
    ),
  ];
  return backends.flatMap(({ backend, path }) => {
    const ref = backend.service;
    if (!ref) return [];
    const svc = services.find((s) => s.namespace === namespace && s.name === ref.name);
    const ingress = `Ingress ${namespace}/${r.obj.metadata.name}`;
    if (!svc)
      return [
        diagnostic(
          "dangling-backend",
          r.src.at([...path, "service", "name"]),
          `${ingress}: backend Service ${namespace}/${ref.name} does not exist: ingress-nginx answers 503 for it`,
        ),
      ];
    const wanted = ref.port?.number ?? ref.port?.name;
    const found = svc.ports.some((p) => (typeof wanted === "number" ? p.port === wanted : p.name === wanted));
    if (wanted === undefined || found) return [];
    return [
      diagnostic(
        "dangling-backend",
        r.src.at([...path, "service", "port"]),
        `${ingress}: Service ${namespace}/${ref.name} has no port ${wanted}; its ` +
          `ports: ${svc.ports.map((p) => p.name || p.port).join(", ")}: ingress-nginx answers 503 for it`,
      ),
    ];
  });
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}

function matches(selector: Readonly<Record<string, string>>, labels: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(selector);
  return keys.length > 0 && keys.every((k) => labels[k] === selector[k]);
}

function labelText(selector: Readonly<Record<string, string>>): string {
  return Object.entries(selector)
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
}
