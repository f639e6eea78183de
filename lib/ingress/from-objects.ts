// From validated Kubernetes objects to the router's model.
import type { Origin } from "../model/cluster.ts";
import type { IngressClassObject, IngressObject } from "../input/ingress-schema.ts";
import type { Ingress, IngressBackend, IngressClass } from "../model/ingress.ts";

type BackendObject = NonNullable<IngressObject["spec"]["defaultBackend"]>;

function toBackend(b: BackendObject): IngressBackend {
  if (b.service)
    return { kind: "service", service: b.service.name, port: b.service.port.number ?? b.service.port.name ?? "" };
  const r = b.resource!;
  return { kind: "resource", resourceKind: r.kind, name: r.name, ...(r.apiGroup ? { apiGroup: r.apiGroup } : {}) };
}

export function toIngress(obj: IngressObject, origin?: Origin): Ingress {
  const md = obj.metadata;
  const spec = obj.spec;
  return {
    namespace: md.namespace ?? "default",
    name: md.name,
    ...(spec.ingressClassName !== undefined ? { className: spec.ingressClassName } : {}),
    ...(md.creationTimestamp !== undefined ? { creationTimestamp: md.creationTimestamp } : {}),
    annotations: { ...(md.annotations ?? {}) },
    ...(spec.defaultBackend ? { defaultBackend: toBackend(spec.defaultBackend) } : {}),
    rules: (spec.rules ?? []).map((r) => ({
      ...(r.host !== undefined ? { host: r.host } : {}),
      ...(r.http
        ? {
            paths: r.http.paths.map((p) => ({
              path: p.path ?? "",
              pathType: p.pathType,
              backend: toBackend(p.backend),
            })),
          }
        : {}),
    })),
    tls: (spec.tls ?? []).map((t) => ({ hosts: t.hosts ?? [], ...(t.secretName ? { secretName: t.secretName } : {}) })),
    ...(origin ? { origin } : {}),
  };
}

export function toIngressClass(obj: IngressClassObject, origin?: Origin): IngressClass {
  return {
    name: obj.metadata.name,
    controller: obj.spec.controller,
    isDefault: obj.metadata.annotations?.["ingressclass.kubernetes.io/is-default-class"] === "true",
    ...(obj.metadata.creationTimestamp !== undefined ? { creationTimestamp: obj.metadata.creationTimestamp } : {}),
    ...(origin ? { origin } : {}),
  };
}
