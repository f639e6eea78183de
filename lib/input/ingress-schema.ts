// networking.k8s.io/v1 Ingress and IngressClass, with the API server's own validation
// (pkg/apis/networking/validation) so that what `kubectl apply` would refuse is refused here too,
// each message saying what would be valid.
import { z } from "zod";
import { metadata } from "./kubernetes-schema.ts";
import { quoted } from "./names.ts";
import { objectName, port, portName, serviceName } from "./schema-types.ts";

// ingress-nginx orders Ingresses by age, so the timestamp is read when present.
const metadataWithAge = metadata.extend({
  creationTimestamp: z
    .string({ error: "expected creationTimestamp as RFC 3339 text, e.g. 2024-05-01T12:00:00Z" })
    .optional(),
});

export const PATH_TYPES = ["Exact", "Prefix", "ImplementationSpecific"] as const;

const dns1123Label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Why a rule host is invalid, or undefined when the API server would accept it. */
export function hostProblem(host: string): string | undefined {
  if (host.includes(":"))
    return `host ${quoted(host)} must not contain a port; write the bare name, e.g. shop.example.com`;
  if (/^\d+\.\d+\.\d+\.\d+$/.test(host))
    return `host ${quoted(host)} is an IP address; Ingress hosts must be DNS names (leave host out to match any host)`;
  const labels = host.startsWith("*.") ? host.slice(2).split(".") : host.split(".");
  if (host.includes("*") && !host.startsWith("*."))
    return `host ${quoted(host)}: a wildcard must be exactly one leading "*." label, e.g. *.example.com`;
  if (
    host.length > 253 ||
    labels.some((l) => l.length > 63 || !dns1123Label.test(l)) ||
    (host.startsWith("*.") && labels.some((l) => l.includes("*")))
  ) {
    return (
      `host ${quoted(host)} is not a valid DNS name; use lower-case letters, digits, '-' and '.', optionally with ` +
      `one leading "*." label`
    );
  }
  return undefined;
}

/** Why a path is invalid for its pathType, or undefined (validation.go validateIngressHTTPPath). */
export function pathProblem(path: string | undefined, pathType: string): string | undefined {
  if (pathType === "ImplementationSpecific") {
    return path && !path.startsWith("/") ? `path "${path}" must start with "/" (or be left out)` : undefined;
  }
  if (!path?.startsWith("/")) return `a ${pathType} path must be an absolute path starting with "/", e.g. /api`;
  for (const bad of ["//", "/./", "/../", "%2f", "%2F"]) {
    if (path.includes(bad)) return `${pathType} path "${path}" must not contain "${bad}"`;
  }
  for (const bad of ["/..", "/."]) {
    if (path.endsWith(bad)) return `${pathType} path "${path}" must not end with "${bad}"`;
  }
  return undefined;
}

const servicePort = z
  .looseObject(
    {
      number: port.optional(),
      name: portName.optional(),
    },
    { error: "expected port: {number: N} or {name: NAME}" },
  )
  .refine((p) => (p.number === undefined) !== (p.name === undefined), {
    error: "set exactly one of port.number (the Service port, 1-65535) or port.name (the Service port's name)",
  });

const serviceBackend = z.looseObject(
  {
    name: serviceName,
    port: servicePort,
  },
  { error: "expected service: {name, port}" },
);

const resourceBackend = z.looseObject(
  {
    apiGroup: z.string().optional(),
    kind: z
      .string({ error: "expected the resource kind as text" })
      .min(1, { error: "a resource kind cannot be empty" }),
    name: z
      .string({ error: "expected the resource name as text" })
      .min(1, { error: "a resource name cannot be empty" }),
  },
  { error: "expected resource: {apiGroup, kind, name}" },
);

const backend = z
  .looseObject(
    { service: serviceBackend.optional(), resource: resourceBackend.optional() },
    { error: "expected a backend: {service: {name, port}} or {resource: {...}}" },
  )
  .refine((b) => (b.service === undefined) !== (b.resource === undefined), {
    error: "a backend needs exactly one of service or resource",
  });

const httpPath = z
  .looseObject({
    path: z.string({ error: "expected path as text, e.g. /api" }).optional(),
    pathType: z.enum(PATH_TYPES, {
      error: "pathType is required in networking.k8s.io/v1; expected Exact, Prefix or ImplementationSpecific",
    }),
    backend,
  })
  .superRefine((p, ctx) => {
    const problem = pathProblem(p.path, p.pathType);
    if (problem) ctx.addIssue({ code: "custom", message: problem, path: ["path"] });
  });

const host = z.string({ error: "expected host as text, e.g. shop.example.com" }).superRefine((h, ctx) => {
  const problem = hostProblem(h);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

const rule = z.looseObject({
  host: host.optional(),
  http: z
    .looseObject(
      {
        paths: z
          .array(httpPath, { error: "expected http.paths: a list of {path, pathType, backend}" })
          .min(1, { error: "http.paths needs at least one path" }),
      },
      { error: "expected http: {paths: [...]}" },
    )
    .optional(),
});

const tls = z.looseObject({
  hosts: z.array(host, { error: "expected tls hosts: a list of host names" }).optional(),
  secretName: objectName.optional(),
});

export const IngressSchema = z.looseObject({
  metadata: metadataWithAge,
  spec: z
    .looseObject(
      {
        ingressClassName: objectName.optional(),
        defaultBackend: backend.optional(),
        rules: z.array(rule, { error: "expected rules: a list of {host, http}" }).optional(),
        tls: z.array(tls, { error: "expected tls: a list of {hosts, secretName}" }).optional(),
      },
      { error: "expected spec: a mapping with rules and/or defaultBackend" },
    )
    .refine((s) => s.defaultBackend !== undefined || (s.rules?.length ?? 0) > 0, {
      error: "either defaultBackend or rules must be specified",
    }),
});

export const IngressClassSchema = z.looseObject({
  metadata: metadataWithAge,
  spec: z.looseObject(
    {
      controller: z
        .string({ error: "expected spec.controller as text, e.g. k8s.io/ingress-nginx" })
        .regex(/^[a-z0-9.-]+\/[^\s]+$/, {
          error: "expected a domain-prefixed controller name, e.g. k8s.io/ingress-nginx",
        }),
      parameters: z.looseObject({}).optional(),
    },
    { error: "expected spec: {controller}" },
  ),
});

export type IngressObject = z.infer<typeof IngressSchema>;
export type IngressClassObject = z.infer<typeof IngressClassSchema>;
