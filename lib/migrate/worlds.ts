// The Gateway world of a migration: what ingress2gateway writes is Gateways and HTTPRoutes only, so
// the cluster they run in is the Ingress world's (its nodes, workloads, Services, Secrets, Topology)
// without its Ingresses and IngressClasses, with the given objects added; an object given there of
// the same kind, namespace and name replaces the Ingress world's, so a complete topology works too.
import { buildCluster } from "../control/build.ts";
import type { GatewayApiInput } from "../input/gateway-input.ts";
import { loadInput, type Read, type TopologyInput } from "../input/load.ts";
import type { SourceObject } from "../input/yaml-documents.ts";
import type { Cluster } from "../model/cluster.ts";

/** The cluster of `to` laid over the Ingress world read from `ingressWorld` (a path or YAML text). */
export function gatewayWorld(ingressWorld: string, to: string, dumps?: string): Cluster {
  const base = loadInput(ingressWorld);
  const over = loadInput(to);
  const merged: TopologyInput = {
    ...base,
    nodes: replace(base.nodes, over.nodes),
    pods: replace(base.pods, over.pods),
    workloads: replace(base.workloads, over.workloads),
    services: replace(base.services, over.services),
    endpointSlices: replace(base.endpointSlices, over.endpointSlices),
    endpoints: replace(base.endpoints, over.endpoints),
    cronJobs: replace(base.cronJobs, over.cronJobs),
    podPools: over.podPools.length ? over.podPools : base.podPools,
    ingresses: over.ingresses,
    ingressClasses: over.ingressClasses,
    gatewayApi: gatewayApi(base.gatewayApi, over.gatewayApi),
    ignored: [...base.ignored, ...over.ignored],
    ...((over.topology ?? base.topology) ? { topology: over.topology ?? base.topology } : {}),
    ...((over.kubeProxyConfig ?? base.kubeProxyConfig)
      ? { kubeProxyConfig: over.kubeProxyConfig ?? base.kubeProxyConfig }
      : {}),
    ...(dumps === undefined ? {} : { dumps }),
  };
  return buildCluster(merged);
}

function gatewayApi(base: GatewayApiInput, over: GatewayApiInput): GatewayApiInput {
  return {
    ...base,
    classes: replace(base.classes, over.classes),
    gateways: replace(base.gateways, over.gateways),
    httpRoutes: replace(base.httpRoutes, over.httpRoutes),
    grpcRoutes: replace(base.grpcRoutes, over.grpcRoutes),
    referenceGrants: replace(base.referenceGrants, over.referenceGrants),
    namespaces: new Map([...base.namespaces, ...over.namespaces]),
    secrets: new Set([...base.secrets, ...over.secrets]),
    malformedSecrets: new Map([...base.malformedSecrets, ...over.malformedSecrets]),
  };
}

/** The base's objects that `over` does not name again, then `over`'s. */
function replace<R extends Read<unknown>>(base: readonly R[], over: readonly R[]): R[] {
  const given = new Set(over.map((r) => identity(r.src)));
  return [...base.filter((r) => !given.has(identity(r.src))), ...over];
}

function identity(src: SourceObject): string {
  const md = (src.value.metadata ?? {}) as { name?: unknown; namespace?: unknown };
  return JSON.stringify([src.kind, md.namespace ?? "default", md.name]);
}
