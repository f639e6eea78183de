// design.md's default edge: a file with Ingresses but no ingress controller gets ingress-nginx as its
// Helm chart installs it (one controller pod behind a LoadBalancer Service), whose VIP is the
// default load balancer's (203.0.113.10 unless the cluster uses that range: see defaultVip).
import type { Origin } from "../model/cluster.ts";
import type { Read, TopologyInput } from "../input/load.ts";
import type { WorkloadObject } from "../input/kubernetes-schema.ts";
import type { ServiceObject } from "../input/service-schema.ts";
import type { SourceObject } from "../input/yaml-documents.ts";
import { CONTROLLER_LABELS, isControllerLabels } from "../ingress/controller.ts";

export const CONTROLLER = { namespace: "ingress-nginx", name: "ingress-nginx-controller" } as const;

const ORIGIN: Origin = { file: "<defaults>", line: 1, col: 1 };

function defaults(kind: string, value: Record<string, unknown>): SourceObject {
  return { value, kind, file: ORIGIN.file, at: () => ORIGIN };
}

/** The input plus a default controller when there are Ingresses and no controller to serve them. */
export function withDefaultController(input: TopologyInput, hasIngresses: boolean, vip: string): TopologyInput {
  const present =
    input.pods.some((p) => isControllerLabels(p.obj.metadata.labels ?? {})) ||
    input.workloads.some((w) => isControllerLabels(w.obj.spec.template.metadata?.labels ?? {}));
  if (!hasIngresses || present) return input;
  const labels = { ...CONTROLLER_LABELS };
  const deployment: WorkloadObject = {
    metadata: { name: CONTROLLER.name, namespace: CONTROLLER.namespace, labels },
    spec: {
      replicas: 1,
      template: {
        metadata: { labels },
        spec: {
          containers: [
            {
              name: "controller",
              ports: [
                { name: "http", containerPort: 80, protocol: "TCP" },
                { name: "https", containerPort: 443, protocol: "TCP" },
              ],
            },
          ],
        },
      },
    },
  };
  const service: ServiceObject = {
    metadata: { name: CONTROLLER.name, namespace: CONTROLLER.namespace, labels },
    spec: {
      type: "LoadBalancer",
      selector: labels,
      externalTrafficPolicy: "Cluster",
      ports: [
        { name: "http", port: 80, targetPort: "http", protocol: "TCP" },
        { name: "https", port: 443, targetPort: "https", protocol: "TCP" },
      ],
    },
    status: { loadBalancer: { ingress: [{ ip: vip }] } },
  };
  const workload: Read<WorkloadObject> & { kind: "Deployment" } = {
    obj: deployment,
    src: defaults("Deployment", deployment),
    kind: "Deployment",
  };
  return {
    ...input,
    workloads: [...input.workloads, workload],
    services: [...input.services, { obj: service, src: defaults("Service", service) }],
  };
}
