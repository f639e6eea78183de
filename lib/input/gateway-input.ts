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
  /** "namespace/name" of each Secret, for listeners' certificateRefs. */
  readonly secrets: ReadonlySet<string>;
  /** "namespace/name" of each Secret whose tls.crt is written but holds no PEM certificate, and why. */
  readonly malformedSecrets: ReadonlyMap<string, string>;
}

const PEM_CERTIFICATE = "-----BEGIN CERTIFICATE-----";

/**
 * Why a Secret's tls.crt cannot be a certificate, or undefined. Only a tls.crt that is written is
 * judged: topologies often leave a Secret's data out (redacted), and kubehop never needs the key.
 */
function malformedCertificate(value: Record<string, unknown>): string | undefined {
  const field = (name: string): Record<string, unknown> => {
    const v = value[name];
    return typeof v === "object" && v !== null ? (v as Record<string, unknown>) : {};
  };
  const plain = field("stringData")["tls.crt"];
  const encoded = field("data")["tls.crt"];
  const text =
    typeof plain === "string"
      ? plain
      : typeof encoded === "string"
        ? Buffer.from(encoded, "base64").toString()
        : undefined;
  if (text === undefined || text.includes(PEM_CERTIFICATE)) return undefined;
  return `its tls.crt holds no PEM certificate (no "${PEM_CERTIFICATE}" line)`;
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

// Fields the standard defines that change an answer, but kubehop does not model: each is said where
// it is written, never dropped silently. (Time, retries and stickiness across requests are outside a
// one-request trace; a Gateway's spec.tls asks clients or backends for certificates.)
const UNMODELLED_RULE_FIELDS = ["timeouts", "retry", "sessionPersistence"] as const;
const UNMODELLED_GATEWAY_FIELDS = ["tls"] as const;

const record = (v: unknown): Record<string, unknown> | undefined =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

/** `gateway-field-not-modelled` for every such field of a route rule or a Gateway's spec. */
export function gatewayFieldNotes(src: SourceObject): Diagnostic[] {
  if (!isModelledGatewayApi(src)) return [];
  const md = metadataOf(src);
  const who = `${src.kind} ${typeof md.namespace === "string" ? md.namespace : "default"}/${String(md.name)}`;
  const spec = record(src.value.spec);
  const note = (path: (string | number)[], field: string, where: string) =>
    diagnostic(
      "gateway-field-not-modelled",
      src.at(path, field),
      `${who}: ${where}${field} is not modelled; kubehop answers as if it were not set`,
    );
  if (src.kind === "Gateway")
    return UNMODELLED_GATEWAY_FIELDS.filter((f) => spec?.[f] !== undefined).map((f) => note(["spec"], f, "spec."));
  if (src.kind !== "HTTPRoute" && src.kind !== "GRPCRoute") return [];
  const rules = Array.isArray(spec?.rules) ? spec.rules : [];
  return rules.flatMap((r, i) =>
    UNMODELLED_RULE_FIELDS.filter((f) => record(r)?.[f] !== undefined).map((f) =>
      note(["spec", "rules", i], f, `rules[${i}].`),
    ),
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
  const malformedSecrets = new Map<string, string>();
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
      const key = `${typeof md.namespace === "string" ? md.namespace : "default"}/${md.name}`;
      secrets.add(key);
      const why = malformedCertificate(src.value);
      if (why !== undefined) malformedSecrets.set(key, why);
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
    malformedSecrets,
  };
}
