// gateway.networking.k8s.io GatewayClass, Gateway, HTTPRoute, GRPCRoute and ReferenceGrant, read as
// loosely as kubectl prints them, with the CRDs' own validation where a wrong value would change
// routing (apis/v1/*_types.go: enums, path rules, port ranges), each message saying what is valid.
import { z } from "zod";
import { metadata } from "./kubernetes-schema.ts";
import { dns1123SubdomainProblem, quoted } from "./names.ts";
import { labelName, labels, named, objectName, port } from "./schema-types.ts";
import { hostProblem } from "./ingress-schema.ts";

const metadataWithAge = metadata.extend({
  creationTimestamp: z
    .string({ error: "expected creationTimestamp as RFC 3339 text, e.g. 2024-05-01T12:00:00Z" })
    .optional(),
});

const text = (what: string) => z.string({ error: `expected ${what} as text` });

/** A Hostname: a DNS name, optionally with one leading "*." label; no IP, no port. */
const hostname = named("a hostname, e.g. shop.example.com or *.example.com", hostProblem);
/** A PreciseHostname (redirect and rewrite targets): no wildcard. */
const preciseHostname = named("a hostname, e.g. shop.example.com", (s) =>
  s.includes("*") ? `${quoted(s)}: a wildcard is not allowed here; write a full hostname` : hostProblem(s),
);
const group = text('an API group ("" for core)').optional();
const kind = text("a kind, e.g. Service").optional();
const sectionName = named("a section name", dns1123SubdomainProblem);

const labelSelector = z.looseObject({
  matchLabels: labels.optional(),
  matchExpressions: z
    .array(
      z.looseObject({
        key: text("a label key"),
        operator: z.enum(["In", "NotIn", "Exists", "DoesNotExist"], {
          error: "expected In, NotIn, Exists or DoesNotExist",
        }),
        values: z.array(z.string()).optional(),
      }),
    )
    .optional(),
});

const listener = z.looseObject({
  name: sectionName,
  hostname: hostname.optional(),
  port,
  protocol: text("a protocol: HTTP, HTTPS, TLS, TCP or UDP"),
  tls: z
    .looseObject({
      mode: z.enum(["Terminate", "Passthrough"], { error: "expected Terminate or Passthrough" }).optional(),
      certificateRefs: z
        .array(z.looseObject({ group, kind, name: objectName, namespace: labelName.optional() }))
        .optional(),
    })
    .optional(),
  allowedRoutes: z
    .looseObject({
      namespaces: z
        .looseObject({
          from: z
            .enum(["Same", "All", "Selector", "None"], { error: "expected Same, All, Selector or None" })
            .optional(),
          selector: labelSelector.optional(),
        })
        .optional(),
      kinds: z.array(z.looseObject({ group, kind: text("a route kind, e.g. HTTPRoute") })).optional(),
    })
    .optional(),
});

export const GatewayClassSchema = z.looseObject({
  metadata: metadataWithAge,
  spec: z.looseObject({
    controllerName: z
      .string({ error: "expected spec.controllerName, e.g. example.net/gateway-controller" })
      .regex(/^[a-z0-9.-]+\/[^\s]+$/, {
        error: "expected a domain-prefixed controller name, e.g. example.net/gateway",
      }),
  }),
});

const address = z.looseObject({ type: text("an address type").optional(), value: text("an address") });

export const GatewaySchema = z.looseObject({
  metadata: metadataWithAge,
  spec: z.looseObject({
    gatewayClassName: objectName,
    listeners: z.array(listener, { error: "expected listeners: a list of {name, port, protocol}" }).min(1, {
      error: "a Gateway needs at least one listener",
    }),
    addresses: z.array(address).optional(),
  }),
  status: z.looseObject({ addresses: z.array(address).optional() }).optional(),
});

const parentRef = z.looseObject({
  group,
  kind,
  namespace: labelName.optional(),
  name: objectName,
  sectionName: sectionName.optional(),
  port: port.optional(),
});

const headerEntry = z.looseObject({ name: text("a header name"), value: text("a header value") });
const headerModifier = z.looseObject({
  set: z.array(headerEntry).optional(),
  add: z.array(headerEntry).optional(),
  remove: z.array(z.string()).optional(),
});

const pathModifier = z
  .looseObject({
    type: z.enum(["ReplaceFullPath", "ReplacePrefixMatch"], {
      error: "expected ReplaceFullPath or ReplacePrefixMatch",
    }),
    replaceFullPath: z.string().optional(),
    replacePrefixMatch: z.string().optional(),
  })
  .refine((p) => (p.type === "ReplaceFullPath" ? p.replaceFullPath : p.replacePrefixMatch) !== undefined, {
    error: "set replaceFullPath for ReplaceFullPath, replacePrefixMatch for ReplacePrefixMatch",
  });

const FILTER_FIELDS: Readonly<Record<string, string>> = {
  RequestHeaderModifier: "requestHeaderModifier",
  ResponseHeaderModifier: "responseHeaderModifier",
  RequestRedirect: "requestRedirect",
  URLRewrite: "urlRewrite",
  RequestMirror: "requestMirror",
  ExtensionRef: "extensionRef",
  CORS: "cors",
};

const filter = z
  .looseObject({
    type: text("a filter type, e.g. RequestHeaderModifier"),
    requestHeaderModifier: headerModifier.optional(),
    responseHeaderModifier: headerModifier.optional(),
    requestRedirect: z
      .looseObject({
        scheme: z.enum(["http", "https"], { error: "expected http or https" }).optional(),
        hostname: preciseHostname.optional(),
        path: pathModifier.optional(),
        port: port.optional(),
        statusCode: z
          .union([z.literal(301), z.literal(302), z.literal(303), z.literal(307), z.literal(308)], {
            error: "expected statusCode 301, 302, 303, 307 or 308",
          })
          .optional(),
      })
      .optional(),
    urlRewrite: z.looseObject({ hostname: preciseHostname.optional(), path: pathModifier.optional() }).optional(),
    cors: z
      .looseObject({
        allowOrigins: z.array(z.string()).optional(),
        allowCredentials: z.boolean().optional(),
        allowMethods: z.array(z.string()).optional(),
        allowHeaders: z.array(z.string()).optional(),
        exposeHeaders: z.array(z.string()).optional(),
        maxAge: z.number().int().min(1).optional(),
      })
      .optional(),
  })
  .superRefine((f, ctx) => {
    const field = FILTER_FIELDS[f.type];
    if (field !== undefined && (f as Record<string, unknown>)[field] === undefined)
      ctx.addIssue({ code: "custom", message: `a ${f.type} filter needs its ${field} field`, path: [field] });
  });

const weight = z
  .number({ error: "expected a weight 0-1000000" })
  .int({ error: "expected a whole weight 0-1000000" })
  .min(0, { error: "expected a weight 0-1000000" })
  .max(1000000, { error: "expected a weight 0-1000000" });

const backendRef = z.looseObject({
  group,
  kind,
  name: objectName,
  namespace: labelName.optional(),
  port: port.optional(),
  weight: weight.optional(),
  filters: z.array(filter).optional(),
});

/** The CRD's rules for Exact and PathPrefix values; a RegularExpression is checked where it is compiled. */
function pathValueProblem(type: string, value: string): string | undefined {
  if (type === "RegularExpression") return undefined;
  if (!value.startsWith("/")) return `a ${type} path must start with "/", e.g. /api`;
  for (const bad of ["//", "/./", "/../", "%2f", "%2F", "#"])
    if (value.includes(bad)) return `${type} path ${quoted(value)} must not contain "${bad}"`;
  for (const bad of ["/..", "/."])
    if (value.endsWith(bad)) return `${type} path ${quoted(value)} must not end with "${bad}"`;
  return undefined;
}

const valueMatch = z.looseObject({
  type: z.enum(["Exact", "RegularExpression"], { error: "expected Exact or RegularExpression" }).optional(),
  name: text("a name"),
  value: text("a value"),
});

const httpMatch = z.looseObject({
  path: z
    .looseObject({
      type: z
        .enum(["Exact", "PathPrefix", "RegularExpression"], {
          error: "expected Exact, PathPrefix or RegularExpression",
        })
        .optional(),
      value: text("a path, e.g. /api").optional(),
    })
    .superRefine((p, ctx) => {
      const problem = pathValueProblem(p.type ?? "PathPrefix", p.value ?? "/");
      if (problem) ctx.addIssue({ code: "custom", message: problem, path: ["value"] });
    })
    .optional(),
  headers: z.array(valueMatch).optional(),
  queryParams: z.array(valueMatch).optional(),
  method: z
    .enum(["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"], {
      error: "expected an HTTP method: GET, HEAD, POST, PUT, DELETE, CONNECT, OPTIONS, TRACE or PATCH",
    })
    .optional(),
});

const grpcMatch = z.looseObject({
  method: z
    .looseObject({
      type: z.enum(["Exact", "RegularExpression"], { error: "expected Exact or RegularExpression" }).optional(),
      service: z.string().optional(),
      method: z.string().optional(),
    })
    .refine((m) => m.service !== undefined || m.method !== undefined, {
      error: "a method match needs service, method or both",
    })
    .optional(),
  headers: z.array(valueMatch).optional(),
});

const rule = <M extends z.ZodType>(match: M) =>
  z.looseObject({
    name: sectionName.optional(),
    matches: z.array(match).optional(),
    filters: z.array(filter).optional(),
    backendRefs: z.array(backendRef).optional(),
  });

const routeSpec = <M extends z.ZodType>(match: M) =>
  z.looseObject({
    parentRefs: z.array(parentRef).optional(),
    hostnames: z.array(hostname).optional(),
    rules: z.array(rule(match)).optional(),
  });

export const HttpRouteSchema = z.looseObject({ metadata: metadataWithAge, spec: routeSpec(httpMatch) });
export const GrpcRouteSchema = z.looseObject({ metadata: metadataWithAge, spec: routeSpec(grpcMatch) });

export const ReferenceGrantSchema = z.looseObject({
  metadata,
  spec: z.looseObject({
    from: z
      .array(z.looseObject({ group: z.string(), kind: text("a kind"), namespace: labelName }))
      .min(1, { error: "a ReferenceGrant needs at least one from entry" }),
    to: z
      .array(z.looseObject({ group: z.string(), kind: text("a kind"), name: objectName.optional() }))
      .min(1, { error: "a ReferenceGrant needs at least one to entry" }),
  }),
});

/** Namespaces are read only for their labels, which allowedRoutes selectors test. */
export const NamespaceSchema = z.looseObject({ metadata });

export type GatewayClassObject = z.infer<typeof GatewayClassSchema>;
export type GatewayObject = z.infer<typeof GatewaySchema>;
export type HttpRouteObject = z.infer<typeof HttpRouteSchema>;
export type GrpcRouteObject = z.infer<typeof GrpcRouteSchema>;
export type ReferenceGrantObject = z.infer<typeof ReferenceGrantSchema>;
export type NamespaceObject = z.infer<typeof NamespaceSchema>;

/** Versions of each kind that gateway-api releases served; the newest first. */
export const GATEWAY_API_VERSIONS: Readonly<Record<string, readonly string[]>> = {
  GatewayClass: ["v1", "v1beta1"],
  Gateway: ["v1", "v1beta1"],
  HTTPRoute: ["v1", "v1beta1"],
  GRPCRoute: ["v1", "v1alpha2"],
  ReferenceGrant: ["v1", "v1beta1", "v1alpha2"],
};
