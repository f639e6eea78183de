// The Gateway API's objects as lib/gateway/ reads them, with the Services they may route to, and
// their status computed once (attach.ts) for validate, traces and the router.
import type { GatewayApiInput } from "../input/gateway-input.ts";
import type { GatewayState, GatewayWorld } from "../model/gateway.ts";
import { attachRoutes } from "./attach.ts";
import { toGateway, toGatewayClass, toGrpcRoute, toHttpRoute, toReferenceGrant } from "./from-objects.ts";

/** A Service as routing needs it: its name and port numbers. */
export interface ServicePorts {
  readonly namespace: string;
  readonly name: string;
  readonly ports: readonly { readonly port: number }[];
}

export function gatewayWorld(input: GatewayApiInput, services: readonly ServicePorts[]): GatewayWorld {
  return {
    classes: input.classes.map((r) => toGatewayClass(r.obj, r.src.at())),
    gateways: input.gateways.map((r) => toGateway(r.obj, r.src.at(), (i) => r.src.at(["spec", "listeners", i]))),
    routes: [
      ...input.httpRoutes.map((r) => toHttpRoute(r.obj, r.src.at())),
      ...input.grpcRoutes.map((r) => toGrpcRoute(r.obj, r.src.at())),
    ],
    referenceGrants: input.referenceGrants.map((r) => toReferenceGrant(r.obj)),
    namespaces: input.namespaces,
    services: new Map(services.map((s) => [`${s.namespace}/${s.name}`, s.ports.map((p) => p.port)])),
    secrets: input.secrets,
    malformedSecrets: input.malformedSecrets,
  };
}

export function gatewayState(input: GatewayApiInput, services: readonly ServicePorts[]): GatewayState {
  return attachRoutes(gatewayWorld(input, services));
}
