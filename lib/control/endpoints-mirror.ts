// The EndpointSlice mirroring controller: a Service without a selector gets its endpoints from the
// core v1 Endpoints object of the same name, written by its owner, and kube-proxy reads the slices
// this controller copies from it. Services with a selector are left to the EndpointSlice controller,
// and so are Endpoints labelled endpointslice.kubernetes.io/skip-mirror.
import { parseIpv4 } from "../model/address.ts";
import type { Endpoint, EndpointSlice, Service } from "../model/cluster.ts";
import { type InputProblem, problem } from "../input/errors.ts";
import type { Read } from "../input/load.ts";
import type { EndpointsObject } from "../input/service-schema.ts";
import { DEFAULTS } from "./defaults.ts";
import { stableSuffix } from "./names.ts";

export function mirrorEndpoints(
  given: readonly Read<EndpointsObject>[],
  services: readonly Service[],
  problems: InputProblem[],
): EndpointSlice[] {
  const selectorless = new Set(
    services.filter((s) => !s.selector && s.type !== "ExternalName").map((s) => `${s.namespace}/${s.name}`),
  );
  return given.flatMap(({ obj, src }) => {
    const namespace = obj.metadata.namespace ?? DEFAULTS.namespace;
    const name = obj.metadata.name;
    if (!selectorless.has(`${namespace}/${name}`)) return [];
    if (obj.metadata.labels?.["endpointslice.kubernetes.io/skip-mirror"] === "true") return [];
    return (obj.subsets ?? []).map((subset, i): EndpointSlice => {
      const address =
        (ready: boolean, field: "addresses" | "notReadyAddresses") =>
        (
          a: {
            ip: string;
            nodeName?: string | undefined;
            targetRef?: { kind?: string; name?: string; namespace?: string } | undefined;
          },
          j: number,
        ): Endpoint[] => {
          const ip = parseIpv4(a.ip);
          if (ip === undefined) {
            problems.push(
              problem(
                "invalid-field",
                src.at(["subsets", i, field, j, "ip"]),
                `Endpoints ${namespace}/${name}: "${a.ip}" is not an IPv4 address; expected four numbers 0-255 like ` +
                  `10.244.1.5`,
              ),
            );
            return [];
          }
          return [
            {
              ip,
              ready,
              serving: ready,
              terminating: false,
              ...(a.nodeName ? { nodeName: a.nodeName } : {}),
              ...(a.targetRef?.kind === "Pod" && a.targetRef.name
                ? { pod: { namespace: a.targetRef.namespace ?? namespace, name: a.targetRef.name } }
                : {}),
            },
          ];
        };
      return {
        namespace,
        name: `${name}-${stableSuffix(`${namespace}/${name}|mirror|${i}`, 5)}`,
        serviceName: name,
        ports: (subset.ports ?? []).map((p) => ({ name: p.name ?? "", port: p.port, protocol: p.protocol ?? "TCP" })),
        endpoints: [
          ...(subset.addresses ?? []).flatMap(address(true, "addresses")),
          ...(subset.notReadyAddresses ?? []).flatMap(address(false, "notReadyAddresses")),
        ],
        derived: true,
      };
    });
  });
}
