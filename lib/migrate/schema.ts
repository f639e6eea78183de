// The published shape of `kubehop migrate --json` (schemas/migrate.schema.json): each request sent to
// both worlds, each world's answer aspect by aspect, and what differs. lib/migrate/json.ts builds its
// output as this schema's type, so the two cannot drift apart.
import { z } from "zod";

const SharesSchema = z
  .array(
    z.strictObject({
      value: z.string(),
      probability: z.number().min(0).max(1),
    }),
  )
  .meta({ description: "the values the trace's branches give, each with the probability of the branches giving it" });

const AnswerSchema = z.strictObject({
  error: z.string().optional().meta({ description: "why the request could not be made in this world" }),
  status: SharesSchema.meta({ description: "the HTTP status, or the disposition when no HTTP answer came" }),
  backend: SharesSchema.meta({ description: "namespace/service:port the request was proxied to, or -" }),
  location: SharesSchema.meta({ description: "a redirect's Location, or -" }),
  upstream: SharesSchema.meta({ description: "HOST PATH (with the query) as the backend receives it, or -" }),
  clientAddress: SharesSchema.meta({ description: "kept or lost: whether the client's address reaches the backend" }),
  tls: SharesSchema.meta({ description: "for https: ok, or fails (DISPOSITION); - for http" }),
  decidedBy: z.array(z.string()).meta({
    description: "the Ingress rules (ns/name, path, pathType) or HTTPRoute rules (ns/name rule N) that decided",
  }),
});

const RequestSchema = z.strictObject({
  url: z.string().meta({ description: "what curl was given, from the first client of the Ingress world" }),
  method: z.string().optional().meta({ description: "curl's -X, when the request is not a GET" }),
  headers: z
    .array(z.string())
    .optional()
    .meta({ description: "curl's -H lines (Name: value): a header a canary or a route match asks for" }),
  why: z.string().meta({ description: "the rule or route match that brought the request, and which edge it probes" }),
  ingress: AnswerSchema,
  gateway: AnswerSchema,
  differences: z.array(
    z.strictObject({
      aspect: z.enum(["request", "status", "backend", "location", "upstream", "client address", "tls"]),
      ingress: z.string(),
      gateway: z.string(),
    }),
  ),
});

export const MigrateReportSchema = z
  .strictObject({
    ingressWorld: z.string(),
    gatewayWorld: z.string(),
    compared: z.number().int().min(0),
    differing: z
      .number()
      .int()
      .min(0)
      .meta({ description: "requests whose answers differ (kubehop migrate then exits 1)" }),
    requests: z.array(RequestSchema),
    annotations: z
      .array(
        z.strictObject({
          ingress: z.string(),
          annotation: z.string(),
          value: z.string(),
          note: z.string(),
        }),
      )
      .meta({ description: "ingress-nginx annotations of served Ingresses with no standard Gateway API equivalent" }),
    assumed: z.array(z.string()).meta({ description: "what kubehop takes for granted about the Gateway world" }),
  })
  .meta({
    title: "kubehop migrate --json",
    description:
      "Output of `kubehop migrate --json`: the same requests sent to an Ingress world and to the Gateway world that " +
      "replaces it, each world's answers, and where they differ.",
  });

export type MigrateReport = z.infer<typeof MigrateReportSchema>;

/** The JSON Schema of `kubehop migrate --json`, as published in schemas/migrate.schema.json. */
export function migrateJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(MigrateReportSchema, { target: "draft-2020-12", io: "output", reused: "inline" }) as Record<
    string,
    unknown
  >;
}
