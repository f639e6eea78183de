// Which objects are the Gateway API's (a "Gateway" of another API group, Istio's, is not), reading
// them, and a note for an older served version, which is read as v1 (the fields kubehop reads
// have the same meaning in v1beta1 and v1alpha2).
import type { z } from "zod";
import { type Diagnostic, diagnostic } from "../model/diagnostic.ts";
import { GATEWAY_GROUP } from "../model/gateway.ts";
import {
  GATEWAY_API_VERSIONS,
  type GatewayClassObject,
  GatewayClassSchema,
  type GatewayObject,
  GatewaySchema,
  type GrpcRouteObject,
  GrpcRouteSchema,
  type HttpRouteObject,
  HttpRouteSchema,
  type ReferenceGrantObject,
  ReferenceGrantSchema,
} from "./gateway-schema.ts";
import type { SourceObject } from "./source-object.ts";

interface Read<T> {
  readonly obj: T;
  readonly src: SourceObject;
}

export interface GatewayApiInput {
  readonly classes: readonly Read<GatewayClassObject>[];
  readonly gateways: readonly Read<GatewayObject>[];
  readonly httpRoutes: readonly Read<HttpRouteObject>[];
  readonly grpcRoutes: readonly Read<GrpcRouteObject>[];
  readonly referenceGrants: readonly Read<ReferenceGrantObject>[];
  /** Namespace labels, for allowedRoutes selectors (read leniently: nothing else uses Namespaces). */
  readonly namespaces: ReadonlyMap<string, Readonly<Record<string, string>>>;
  /** "namespace/name" of each Secret, for listeners' certificateRefs; their data is never read. */
  readonly secrets: ReadonlySet<string>;
}

function versionOf(src: SourceObject): string | undefined {
  const apiVersion = src.value.apiVersion;
  if (typeof apiVersion !== "string" || !apiVersion.startsWith(`${GATEWAY_GROUP}/`)) return undefined;
  return apiVersion.slice(GATEWAY_GROUP.length + 1);
}

/** A Gateway API object of a kind and version kubehop reads. */
export function isModelledGatewayApi(src: SourceObject): boolean {
  const version = versionOf(src);
  return version !== undefined && (GATEWAY_API_VERSIONS[src.kind]?.includes(version) ?? false);
}

export function gatewayApiVersionNote(src: SourceObject): Diagnostic | undefined {
  const version = versionOf(src);
  if (!isModelledGatewayApi(src) || version === "v1") return undefined;
  return diagnostic(
    "gateway-api-version",
    src.at(["apiVersion"]),
    `${GATEWAY_GROUP}/${version} ${src.kind} is an older version of the Gateway API; kubehop reads it as v1, ` +
      "and gateway-api releases drop older versions from their CRDs",
    `write apiVersion: ${GATEWAY_GROUP}/v1`,
  );
}

type Validate = <S extends z.ZodType>(schema: S, src: SourceObject) => z.infer<S> | undefined;

function metadataOf(src: SourceObject): { name?: unknown; namespace?: unknown; labels?: unknown } {
  const md = src.value.metadata;
  return typeof md === "object" && md !== null ? (md as Record<string, unknown>) : {};
}

export function readGatewayApi(objects: readonly SourceObject[], validate: Validate): GatewayApiInput {
  const read = <S extends z.ZodType>(kind: string, schema: S): Read<z.infer<S>>[] =>
    objects
      .filter((src) => src.kind === kind && isModelledGatewayApi(src))
      .flatMap((src) => {
        const obj = validate(schema, src);
        return obj === undefined ? [] : [{ obj, src }];
      });
  const namespaces = new Map<string, Readonly<Record<string, string>>>();
  const secrets = new Set<string>();
  for (const src of objects) {
    const md = metadataOf(src);
    if (typeof md.name !== "string") continue;
    if (src.kind === "Namespace") {
      const labels = typeof md.labels === "object" && md.labels !== null ? (md.labels as Record<string, unknown>) : {};
      namespaces.set(
        md.name,
        Object.fromEntries(Object.entries(labels).filter((e): e is [string, string] => typeof e[1] === "string")),
      );
    } else if (src.kind === "Secret") {
      secrets.add(`${typeof md.namespace === "string" ? md.namespace : "default"}/${md.name}`);
    }
  }
  return {
    classes: read("GatewayClass", GatewayClassSchema),
    gateways: read("Gateway", GatewaySchema),
    httpRoutes: read("HTTPRoute", HttpRouteSchema),
    grpcRoutes: read("GRPCRoute", GrpcRouteSchema),
    referenceGrants: read("ReferenceGrant", ReferenceGrantSchema),
    namespaces,
    secrets,
  };
}
