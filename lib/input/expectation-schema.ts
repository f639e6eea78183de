// Expectations for `kubehop check`: a request (curl form or trace form) and what must be true of its
// trace. They live under `expect:` in the Topology, or in a file of `kind: Expectations`.
// Structure is checked here (that there is something to check, by kubehop check, since
// `kubehop diff --requests` takes the same file for its requests alone); targets, dispositions and Services are checked
// against the cluster later.
import { z } from "zod";
import { ipv4, objectName, port } from "./schema-types.ts";

const text = (what: string) =>
  z.string({ error: `expected ${what} as text` }).min(1, { error: `${what} cannot be empty` });
const oneOrMore = (what: string) =>
  z.union([text(what), z.array(text(what)).min(1, { error: `give at least one ${what}` })], {
    error: `expected ${what}, or a list of them`,
  });

const ingressRuleRef = z.strictObject({
  ingress: z
    .string()
    .regex(/^[a-z0-9-]+\/[a-z0-9.-]+$/, { error: "expected namespace/name of an Ingress, e.g. shop/shop" })
    .optional(),
  host: text("a host").optional(),
  path: text("a path").optional(),
  pathType: z
    .enum(["Exact", "Prefix", "ImplementationSpecific"], { error: "expected Exact, Prefix or ImplementationSpecific" })
    .optional(),
  service: objectName.optional(),
});

/** The assertion fields, in the order they are tested and printed. */
export const ASSERTION_FIELDS = [
  "delivered",
  "reach",
  "dropped",
  "status",
  "through",
  "notThrough",
  "sourceIP",
  "masqueraded",
  "ingressRule",
  "gateway",
  "route",
  "upstream",
] as const;
const TRACE_ONLY = ["to", "proto", "src", "sport", "size"] as const;
const CURL_ONLY = ["headers", "method", "resolve", "insecure"] as const;

export const ExpectationSchema = z
  .strictObject({
    /** Shown in the pass/fail table and as the JUnit test case name. */
    name: text("a name").optional(),
    // The request: curl form ...
    curl: z
      .string({ error: "expected a URL like https://shop.example.com/api" })
      .regex(/^https?:\/\/[^\s/]+/, { error: "expected an http:// or https:// URL, e.g. https://shop.example.com/api" })
      .optional(),
    headers: z
      .array(z.string().regex(/^[^:\s]+:/, { error: 'expected "Name: value"' }), {
        error: 'expected a list of "Name: value" headers',
      })
      .optional(),
    method: z
      .string()
      .regex(/^[A-Za-z]+$/, { error: "expected an HTTP method like GET or POST" })
      .optional(),
    resolve: z
      .array(z.string().regex(/^[^:]+:\d+:[\d.]+$/, { error: "expected HOST:PORT:ADDR, as curl --resolve takes it" }))
      .optional(),
    insecure: z.boolean().optional(),
    // ... or trace form.
    from: text("a location (pod/NS/NAME, node/NAME, node/NAME:IFACE, client/NAME)").optional(),
    to: text("a destination (IP:PORT, svc/NS/NAME[:PORT], pod/NS/NAME:PORT, node/NAME:PORT)").optional(),
    proto: z.enum(["tcp", "udp", "icmp", "sctp"], { error: "expected tcp, udp, icmp or sctp" }).optional(),
    src: ipv4.optional(),
    sport: port.optional(),
    size: z
      .number()
      .int()
      .min(28, { error: "size is 28-65535 bytes" })
      .max(65535, { error: "size is 28-65535 bytes" })
      .optional(),
    // What must be true, per branch.
    delivered: z.boolean().optional(),
    reach: text("a target (pod/NS/NAME, NS/NAME, svc/NS/NAME, node/NAME, IP:PORT)").optional(),
    dropped: z
      .union(
        [z.literal(true), z.string().regex(/^[A-Z][A-Z0-9_]*$/, { error: "expected a disposition like NO_ENDPOINTS" })],
        { error: "expected true, or a failure disposition like NO_ENDPOINTS" },
      )
      .optional(),
    status: z
      .number({ error: "expected an HTTP status code like 200" })
      .int()
      .min(100, { error: "expected an HTTP status code 100-599" })
      .max(599, { error: "expected an HTTP status code 100-599" })
      .optional(),
    through: oneOrMore("a hop location (node-3, node-3/wg0, lb/edge, pod/NS/NAME)").optional(),
    notThrough: oneOrMore("a hop location (node-3, node-3/wg0, lb/edge, pod/NS/NAME)").optional(),
    sourceIP: ipv4.optional(),
    masqueraded: z.boolean().optional(),
    ingressRule: z
      .union(
        [
          z
            .string()
            .regex(/^[a-z0-9-]+\/[a-z0-9.-]+$/, { error: "expected namespace/name of an Ingress, e.g. shop/shop" }),
          ingressRuleRef,
        ],
        { error: "expected namespace/name of an Ingress, or {ingress, host, path, pathType, service}" },
      )
      .optional(),
    gateway: z
      .string()
      .regex(/^[a-z0-9-]+\/[a-z0-9.-]+$/, { error: "expected namespace/name of a Gateway, e.g. shop/shop-gateway" })
      .optional(),
    route: z
      .union(
        [
          z
            .string()
            .regex(/^[a-z0-9-]+\/[a-z0-9.-]+$/, { error: "expected namespace/name of a route, e.g. shop/store" }),
          z.strictObject({
            route: z.string().regex(/^[a-z0-9-]+\/[a-z0-9.-]+$/, { error: "expected namespace/name of a route" }),
            rule: z.union([z.number().int().min(0), text("a rule name")]).optional(),
          }),
        ],
        { error: "expected namespace/name of an HTTPRoute or GRPCRoute, or {route, rule}" },
      )
      .optional(),
    upstream: z
      .strictObject({
        method: text("a method").optional(),
        host: text("a host").optional(),
        path: text("a path").optional(),
      })
      .refine((u) => Object.keys(u).length > 0, { error: "give at least one of method, host, path" })
      .optional(),
    // How many branches must satisfy them.
    someBranch: z.boolean().optional(),
    probability: z
      .number({ error: "expected a probability 0-1" })
      .min(0, { error: "expected a probability 0-1" })
      .max(1, { error: "expected a probability 0-1" })
      .optional(),
  })
  .superRefine((e, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: "custom", path: [path], message });
    if (e.curl === undefined && e.to === undefined) {
      ctx.addIssue({
        code: "custom",
        path: [],
        message: "no request: give curl: URL (curl form) or from: and to: (trace form)",
      });
    }
    if (e.curl !== undefined) {
      for (const k of TRACE_ONLY)
        if (e[k] !== undefined)
          issue(
            k,
            `${k} is for the trace form (from/to); a curl request is TCP to the URL's ` +
              `host${k === "to" ? "; give curl or to, not both" : ""}`,
          );
    } else if (e.to !== undefined) {
      if (e.from === undefined) issue("to", "the trace form needs from: LOC as well as to: DEST");
      for (const k of CURL_ONLY) if (e[k] !== undefined) issue(k, `${k} is for the curl form (curl: URL)`);
    }
    if (e.someBranch && e.probability !== undefined) issue("probability", "give someBranch or probability, not both");
  });

export type Expectation = z.infer<typeof ExpectationSchema>;
