// The EndpointSlice controller: which pods back each Service, with the readiness conditions and
// resolved target ports kube-proxy reads. Pods are grouped by the port set their named
// targetPorts resolve to, because one slice carries one list of ports for all its endpoints.
import type { Cluster, Endpoint, EndpointPort, EndpointSlice, Pod, Service, ServicePort } from "../model/cluster.ts";
import { type ProxyEndpoint, servicePortEndpoints } from "../kubeproxy/endpoints.ts";
import { stableSuffix } from "./names.ts";

/** hostNetwork pods need no special case: the model already gives them their node's IP. */
export function deriveEndpointSlices(services: readonly Service[], pods: readonly Pod[]): EndpointSlice[] {
  const slices: EndpointSlice[] = [];
  const candidates = labelIndex(pods);
  for (const service of services) {
    // Without a selector the user manages slices; ExternalName has no endpoints at all.
    if (service.type === "ExternalName" || !service.selector) continue;
    const selector = service.selector;
    const groups = new Map<string, { ports: EndpointPort[]; endpoints: Endpoint[] }>();
    const members = candidates(service.namespace, selector)
      .filter((p) => matches(selector, p.labels))
      .sort((a, b) => compare(a.name, b.name));
    for (const p of members) {
      const ports = resolvePorts(service.ports, p);
      const key = ports.map((x) => `${x.name}/${x.protocol}/${x.port}`).join(",");
      let group = groups.get(key);
      if (!group) groups.set(key, (group = { ports, endpoints: [] }));
      group.endpoints.push({
        ip: p.ip,
        ready: p.ready && !p.terminating,
        serving: p.ready,
        terminating: p.terminating,
        nodeName: p.node,
        pod: { namespace: p.namespace, name: p.name },
      });
    }
    // The controller writes one (empty) slice even when no pod matches.
    if (groups.size === 0) groups.set("", { ports: resolvePorts(service.ports, undefined), endpoints: [] });
    for (const [key, group] of [...groups].sort((a, b) => compare(a[0], b[0]))) {
      slices.push({
        namespace: service.namespace,
        name: `${service.name}-${stableSuffix(`${service.namespace}/${service.name}|${key}`, 5)}`,
        serviceName: service.name,
        ports: group.ports,
        endpoints: group.endpoints,
        derived: true,
      });
    }
  }
  return slices;
}

/** The endpoints kube-proxy would program for one Service port, from the cluster's slices. */
export function endpointsFor(cluster: Cluster, service: Service, port: ServicePort): ProxyEndpoint[] {
  const slices = cluster.endpointSlices.filter(
    (s) => s.namespace === service.namespace && s.serviceName === service.name,
  );
  return servicePortEndpoints(slices, port.name, port.protocol);
}

/**
 * The pods that could match a selector, in cluster order: those of the Service's namespace carrying
 * the selector's rarest label. At 10,000 Services over 150,000 pods, testing every pod of the
 * namespace against every selector is 10^8 comparisons; this is one look-up per Service.
 */
function labelIndex(
  pods: readonly Pod[],
): (namespace: string, selector: Readonly<Record<string, string>>) => readonly Pod[] {
  const index = new Map<string, Pod[]>();
  for (const p of pods) {
    for (const [k, v] of Object.entries(p.labels)) {
      const key = labelKey(p.namespace, k, v);
      const list = index.get(key);
      if (list) list.push(p);
      else index.set(key, [p]);
    }
  }
  return (namespace, selector) => {
    let rarest: readonly Pod[] | undefined;
    for (const [k, v] of Object.entries(selector)) {
      const list = index.get(labelKey(namespace, k, v)) ?? [];
      if (rarest === undefined || list.length < rarest.length) rarest = list;
    }
    return rarest ?? [];
  };
}

/** Were two triples ever to join alike, the list would only hold extra candidates, which `matches` drops. */
function labelKey(namespace: string, key: string, value: string): string {
  return `${namespace}\0${key}\0${value}`;
}

function matches(selector: Readonly<Record<string, string>>, labels: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(selector);
  // An empty selector selects nothing for Services (unlike label queries in general).
  return keys.length > 0 && keys.every((k) => labels[k] === selector[k]);
}

/**
 * One EndpointPort per Service port whose targetPort resolves for this pod: a number as is, a
 * name through the pod's container ports (name and protocol). Without a pod, only numeric ports.
 */
function resolvePorts(ports: readonly ServicePort[], p: Pod | undefined): EndpointPort[] {
  const out: EndpointPort[] = [];
  for (const sp of ports) {
    let port: number | undefined;
    if (typeof sp.targetPort === "number") port = sp.targetPort;
    else port = p?.ports.find((c) => c.name === sp.targetPort && c.protocol === sp.protocol)?.containerPort;
    if (port !== undefined) out.push({ name: sp.name, port, protocol: sp.protocol });
  }
  return out;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
