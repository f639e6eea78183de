// `kubehop get -o json|yaml`: the rows as the Kubernetes objects kubectl would print, in a
// `kind: List`, with what kubehop derived in the fields Kubernetes has for it (spec.nodeName,
// status.podIP, spec.clusterIP, status.loadBalancer, subsets). What Kubernetes has no field for
// (the veth, bridge0, wg0, the owning workload, why an Ingress is ignored) is a `kubehop.io/`
// annotation, where tools put what they attach to objects.
import type { IngressBackend } from "../model/ingress.ts";
import type { EndpointsRow, IngressRow, Inventory, NodeRow, PodRow, ServiceRow } from "./inventory.ts";

export interface KubeList {
  readonly apiVersion: "v1";
  readonly kind: "List";
  readonly items: readonly object[];
}

const A = "kubehop.io";

export function inventoryList(inv: Inventory): KubeList {
  const items = (() => {
    switch (inv.resource) {
      case "pods":
        return inv.rows.map(podObject);
      case "services":
        return inv.rows.map(serviceObject);
      case "nodes":
        return inv.rows.map(nodeObject);
      case "ingresses":
        return inv.rows.map(ingressObject);
      case "endpoints":
        return inv.rows.map(endpointsObject);
    }
  })();
  return { apiVersion: "v1", kind: "List", items };
}

function podObject(p: PodRow): object {
  const annotations = {
    ...(p.owner ? { [`${A}/owner`]: p.owner } : {}),
    ...(p.veth ? { [`${A}/veth`]: p.veth } : {}),
    ...(p.gateway ? { [`${A}/bridge0`]: p.gateway } : {}),
    // Kubernetes marks it with a deletionTimestamp, a time a topology does not have.
    ...(p.terminating ? { [`${A}/terminating`]: "true" } : {}),
  };
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: p.name,
      namespace: p.namespace,
      ...nonEmpty("labels", p.labels),
      ...nonEmpty("annotations", annotations),
    },
    spec: { nodeName: p.node, ...(p.hostNetwork ? { hostNetwork: true } : {}) },
    status: {
      hostIP: p.nodeIp,
      podIP: p.ip,
      podIPs: [{ ip: p.ip }],
      conditions: [{ type: "Ready", status: p.ready ? "True" : "False" }],
    },
  };
}

function serviceObject(s: ServiceRow): object {
  const ports = s.ports.map((p) => ({
    ...(p.name ? { name: p.name } : {}),
    protocol: p.protocol,
    port: p.port,
    targetPort: p.targetPort,
    ...(p.nodePort !== undefined ? { nodePort: p.nodePort } : {}),
  }));
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: s.name, namespace: s.namespace },
    spec: {
      type: s.type,
      ...(s.headless
        ? { clusterIP: "None", clusterIPs: ["None"] }
        : s.clusterIps.length
          ? { clusterIP: s.clusterIps[0], clusterIPs: s.clusterIps }
          : {}),
      ports,
      ...(s.selector ? { selector: s.selector } : {}),
      ...(s.externalIps.length ? { externalIPs: s.externalIps } : {}),
      ...(s.type === "NodePort" || s.type === "LoadBalancer" ? { externalTrafficPolicy: s.externalTrafficPolicy } : {}),
    },
    status: { loadBalancer: s.loadBalancerIps.length ? { ingress: s.loadBalancerIps.map((ip) => ({ ip })) } : {} },
  };
}

function nodeObject(n: NodeRow): object {
  const annotations = {
    [`${A}/bridge0`]: n.bridgeIp,
    ...(n.wg.address ? { [`${A}/wg0-address`]: n.wg.address } : {}),
    [`${A}/wg0-public-key`]: n.wg.publicKey,
    [`${A}/wg0-listen-port`]: String(n.wg.listenPort),
    [`${A}/wg0-peers`]: String(n.wg.peers),
    [`${A}/pods`]: String(n.pods),
  };
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name: n.name, ...nonEmpty("labels", n.labels), annotations },
    spec: { podCIDR: n.podCidr, podCIDRs: [n.podCidr] },
    status: {
      addresses: [
        { type: "InternalIP", address: n.internalIp },
        { type: "Hostname", address: n.name },
      ],
    },
  };
}

function ingressObject(i: IngressRow): object {
  const annotations = { ...i.annotations, ...(i.ignored ? { [`${A}/ignored`]: i.ignored } : {}) };
  const rules = i.rules.map((r) => ({
    ...(r.host ? { host: r.host } : {}),
    ...(r.paths
      ? {
          http: {
            paths: r.paths.map((p) => ({
              ...(p.path ? { path: p.path } : {}),
              pathType: p.pathType,
              backend: backendObject(p.backend),
            })),
          },
        }
      : {}),
  }));
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: { name: i.name, namespace: i.namespace, ...nonEmpty("annotations", annotations) },
    spec: {
      ...(i.className ? { ingressClassName: i.className } : {}),
      ...(i.defaultBackend ? { defaultBackend: backendObject(i.defaultBackend) } : {}),
      ...(i.tls.length
        ? { tls: i.tls.map((t) => ({ hosts: t.hosts, ...(t.secretName ? { secretName: t.secretName } : {}) })) }
        : {}),
      rules,
    },
    status: { loadBalancer: i.addresses.length ? { ingress: i.addresses.map((ip) => ({ ip })) } : {} },
  };
}

function backendObject(b: IngressBackend): object {
  if (b.kind === "resource")
    return { resource: { ...(b.apiGroup ? { apiGroup: b.apiGroup } : {}), kind: b.resourceKind, name: b.name } };
  return { service: { name: b.service, port: typeof b.port === "number" ? { number: b.port } : { name: b.port } } };
}

function endpointsObject(e: EndpointsRow): object {
  const address = (a: EndpointsRow["subsets"][number]["addresses"][number]) => {
    const { namespace, name } = a.pod ?? {};
    return {
      ip: a.ip,
      ...(a.node ? { nodeName: a.node } : {}),
      ...(name ? { targetRef: { kind: "Pod", namespace, name } } : {}),
    };
  };
  const subsets = e.subsets.map((s) => {
    const ready = s.addresses.filter((a) => a.ready).map(address);
    const notReady = s.addresses.filter((a) => !a.ready).map(address);
    return {
      ...(ready.length ? { addresses: ready } : {}),
      ...(notReady.length ? { notReadyAddresses: notReady } : {}),
      ports: s.ports.map((p) => ({ ...(p.name ? { name: p.name } : {}), port: p.port, protocol: p.protocol })),
    };
  });
  return { apiVersion: "v1", kind: "Endpoints", metadata: { name: e.name, namespace: e.namespace }, subsets };
}

/** `{ key: value }` when the map has entries: kubectl leaves empty labels and annotations out. */
function nonEmpty(
  key: string,
  map: Readonly<Record<string, string>>,
): Record<string, Readonly<Record<string, string>>> {
  return Object.keys(map).length ? { [key]: map } : {};
}
