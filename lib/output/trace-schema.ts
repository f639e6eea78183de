// The published shape of `kubehop trace --json` (schemas/trace.schema.json): a zod schema that
// mirrors lib/trace/types.ts field for field. The type assertions at the bottom fail to compile if
// the two drift apart; spec/schemas.spec.ts checks real output against it.
import { z } from "zod";
import { DiagnosticSchema } from "./diagnostics.ts";
import { EndDetailSchema, HopAtSchema, StepDetailSchema } from "./trace-detail-schema.ts";
import {
  ALL_STEP_ACTIONS,
  type Branch,
  FAILURE_DISPOSITIONS,
  type Hop,
  type Leg,
  type PacketJson,
  type Step,
  type StepAction,
  type StepType,
  SUCCESS_DISPOSITIONS,
  type Trace,
  type TraceRequest,
} from "../trace/types.ts";

/** Every step type, in the order of the StepType union. */
export const STEP_TYPES = [
  "originate",
  "route",
  "arp",
  "bridge",
  "transmit",
  "receive",
  "netfilter",
  "dnat",
  "snat",
  "masquerade",
  "mark",
  "conntrack",
  "encrypt",
  "encapsulate",
  "decapsulate",
  "decrypt",
  "allowed-ips",
  "mtu",
  "icmp",
  "deliver",
  "proxy",
  "drop",
] as const satisfies readonly StepType[];

export const DispositionSchema = z.enum([...SUCCESS_DISPOSITIONS, ...FAILURE_DISPOSITIONS]).meta({
  description:
    `How a branch ended. Success: ${SUCCESS_DISPOSITIONS.join(", ")}. ` +
    `Failure: ${FAILURE_DISPOSITIONS.join(", ")}.`,
});

const PacketBase = z.strictObject({
  proto: z.string().meta({ description: "tcp, udp, icmp, sctp, or the outer protocol of an encapsulated packet" }),
  src: z.string().meta({ description: "source address, with :port for TCP/UDP/SCTP" }),
  dst: z.string().meta({ description: "destination address, with :port for TCP/UDP/SCTP" }),
  saddr: z.string().meta({ description: "source address alone: read this, not `src`" }),
  sport: z.number().int().min(0).max(65535).optional().meta({ description: "source port; absent for ICMP" }),
  daddr: z.string().meta({ description: "destination address alone: read this, not `dst`" }),
  dport: z.number().int().min(0).max(65535).optional().meta({ description: "destination port; absent for ICMP" }),
  size: z.number().int().min(0).max(65535).meta({ description: "IP packet size in bytes" }),
  ttl: z.number().int().min(0).max(255),
  mark: z
    .string()
    .regex(/^0x[0-9a-f]+$/)
    .optional()
    .meta({ description: "netfilter mark, in hex" }),
});

type PacketOut = z.infer<typeof PacketBase> & { inner?: PacketOut };

export const PacketSchema: z.ZodType<PacketOut> = PacketBase.extend({
  get inner() {
    return PacketSchema.optional().meta({ description: "the packet inside a tunnel (WireGuard)" });
  },
}).meta({ id: "Packet", description: "Packet headers, addresses as text" });

export const HeaderChangeSchema = z
  .union([
    z.strictObject({ field: z.enum(["src", "dst", "proto", "mark"]), from: z.string(), to: z.string() }),
    z.strictObject({ field: z.enum(["sport", "dport", "size", "ttl"]), from: z.number().int(), to: z.number().int() }),
    z.strictObject({
      field: z.literal("packet"),
      change: z.enum(["encapsulated", "decapsulated", "new-connection"]),
    }),
  ])
  .meta({
    id: "HeaderChange",
    description:
      "a header field rewritten (addresses dotted, the mark in hex), or a whole packet: wrapped in a tunnel " +
      "(`after` is the outer packet), unwrapped (`after` is the inner one), or a proxy's new connection " +
      "(`after` is its packet)",
  });

export const StepSchema = z.strictObject({
  type: z.enum(STEP_TYPES),
  action: z
    .enum(ALL_STEP_ACTIONS as [StepAction, ...StepAction[]])
    .meta({ description: "what the device did, in a few words (FORWARDED, DNAT, ENCRYPTED, ...)" }),
  detail: StepDetailSchema,
  reason: z.string().meta({ description: "why, in networking terms: the detail rendered in words" }),
  rule: z
    .string()
    .optional()
    .meta({ description: "the deciding rule, route, peer or AllowedIPs entry, as the real system prints it" }),
  before: PacketSchema.optional(),
  after: PacketSchema.optional(),
  changes: z
    .array(HeaderChangeSchema)
    .optional()
    .meta({ description: "each header the step changed, in the order the text prints them (`field: old -> new`)" }),
});

export const HopSchema = z.strictObject({
  location: z.string().meta({ description: "one device at one place: pod/default/web-0, node-1/wg0, underlay" }),
  at: HopAtSchema,
  segment: z
    .number()
    .int()
    .min(1)
    .optional()
    .meta({ description: "which TCP connection, when an L7 proxy split the path" }),
  steps: z.array(StepSchema),
});

export const HttpOutcomeSchema = z.strictObject({
  status: z.number().int().min(100).max(599),
  ingress: z.string().optional(),
  gateway: z.string().optional().meta({ description: "namespace/name of the Gateway that routed it" }),
  listener: z.string().optional(),
  route: z.string().optional().meta({ description: "namespace/name of the HTTPRoute or GRPCRoute whose rule matched" }),
  rule: z
    .strictObject({ index: z.number().int().min(0), name: z.string().optional() })
    .optional()
    .meta({ description: "the route's rule, 0-based" }),
  host: z.string().optional(),
  path: z.string().optional(),
  pathType: z.string().optional(),
  backend: z
    .strictObject({
      namespace: z.string().optional(),
      service: z.string(),
      port: z.union([z.number().int(), z.string()]),
    })
    .optional(),
  pod: z.string().optional(),
  clientIP: z.string().optional(),
  location: z.string().optional(),
  upstream: z
    .strictObject({
      method: z.string(),
      host: z.string(),
      path: z.string().meta({ description: "the request target with its query" }),
      headers: z.record(z.string(), z.string()).meta({ description: "header names lower-case, sorted" }),
    })
    .optional()
    .meta({ description: "the request as the backend pod receives it (after rewrite-target and the proxy's headers)" }),
  responseHeaders: z
    .record(z.string(), z.string())
    .optional()
    .meta({ description: "response headers kubehop knows (a redirect's location); names lower-case" }),
});

const HttpRequestSchema = z.strictObject({
  method: z.string(),
  url: z.string(),
  scheme: z.string(),
  host: z.string(),
  path: z.string(),
  headers: z.record(z.string(), z.string()),
  resolved: z.string(),
});

const legShape = {
  disposition: DispositionSchema,
  detail: EndDetailSchema,
  reason: z.string().meta({ description: "why the leg ended so: the detail rendered in words" }),
  rule: z.string().optional().meta({ description: "what decided the disposition, when a rule did" }),
  hops: z.array(HopSchema),
};

export const LegSchema = z.strictObject(legShape);

export const BranchSchema = z.strictObject({
  probability: z.number().min(0).max(1),
  ...legShape,
  choices: z
    .array(z.string())
    .meta({ description: "the choices that made this branch, e.g. KUBE-SVC-XYZ: endpoint 2 of 3" }),
  reply: LegSchema.optional().meta({
    description: "the reply, traced back from the destination when the request was delivered",
  }),
  http: HttpOutcomeSchema.optional().meta({ description: "curl only: the HTTP outcome" }),
});

export const TraceRequestSchema = z.strictObject({
  http: HttpRequestSchema.optional(),
  from: z
    .string()
    .meta({ description: "start location as given: client/NAME, pod/[NS/]NAME, node/NAME, node/NAME:IFACE" }),
  to: z.string().meta({ description: "destination as given" }),
  proto: z.string(),
  src: z.string().meta({ description: "source address after defaults" }),
  sport: z.number().int().min(0).max(65535),
  dst: z.string().meta({ description: "destination address after resolution" }),
  dport: z.number().int().min(0).max(65535),
  size: z.number().int().min(1).max(65535),
});

const traceShape = {
  request: TraceRequestSchema,
  branches: z
    .array(BranchSchema)
    .meta({ description: "every branch of the request, in a fixed order; probabilities sum to 1" }),
  diagnostics: z
    .array(DiagnosticSchema)
    .meta({ description: "what the trace does not simulate or assumes: warnings and info, with stable codes" }),
};

/** A request made by following a redirect (`curl -L`): a trace of its own, listed flat. */
const FollowedTraceSchema = z.strictObject(traceShape);

export const TraceSchema = z
  .strictObject({
    ...traceShape,
    followed: z
      .array(FollowedTraceSchema)
      .optional()
      .meta({ description: "curl -L: the requests made by following redirects, in order" }),
    dns: FollowedTraceSchema.optional().meta({
      description: "curl --trace-dns: the DNS query from the pod to the kube-dns Service",
    }),
  })
  .meta({
    title: "kubehop trace --json",
    description: "Output of `kubehop trace --json`: branches of hops of steps, each branch ending in one disposition.",
  });

/** The JSON Schema of `kubehop trace --json`, as published in schemas/trace.schema.json. */
export function traceJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(TraceSchema, { target: "draft-2020-12", io: "output", reused: "inline" });
  return withDiscriminators(schema) as Record<string, unknown>;
}

/**
 * Marks every union on `kind` with OpenAPI's `discriminator`, so a validator that knows it (ajv with
 * `discriminator: true`) checks the one member a value names instead of all ~50; others ignore it.
 */
function withDiscriminators(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withDiscriminators);
  if (node === null || typeof node !== "object") return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) out[k] = withDiscriminators(v);
  const members = out.oneOf;
  const onKind = (m: unknown) =>
    (m as { properties?: { kind?: { const?: unknown } } }).properties?.kind?.const !== undefined;
  if (Array.isArray(members) && members.every(onKind))
    Object.assign(out, { type: "object", discriminator: { propertyName: "kind" } });
  return out;
}

// Compile-time proof that the schema and lib/trace/types.ts describe the same shape.
// Mutual assignability, checked both ways (so a field missing on either side fails).
type Equals<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;
/** The same field names, optional ones included (mutual assignability alone lets optional fields differ). */
type SameKeys<A, B> = Equals<keyof A, keyof B>;
export type TraceSchemaMatchesTypes = Assert<Equals<z.infer<typeof TraceSchema>, Trace>>;
export type TraceSchemaKeys = [
  Assert<SameKeys<z.infer<typeof TraceSchema>, Trace>>,
  Assert<SameKeys<z.infer<typeof TraceRequestSchema>, TraceRequest>>,
  Assert<SameKeys<z.infer<typeof BranchSchema>, Branch>>,
  Assert<SameKeys<z.infer<typeof LegSchema>, Leg>>,
  Assert<SameKeys<z.infer<typeof HopSchema>, Hop>>,
  Assert<SameKeys<z.infer<typeof StepSchema>, Step>>,
  Assert<SameKeys<z.infer<typeof PacketSchema>, PacketJson>>,
];
export type StepTypesComplete = Assert<Equals<(typeof STEP_TYPES)[number], StepType>>;
