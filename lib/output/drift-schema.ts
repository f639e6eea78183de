// The published shape of `kubehop drift --json` (schemas/drift.schema.json): per node with dumps,
// where its rules, routes and peers differ from what kubehop derives, and the requests each breaks.
// drift sits above output in the layers, so the compile-time check that this mirrors its report
// (DriftReport in lib/drift/index.ts) is in spec/schemas.spec.ts; that spec also validates real output
// against the generated file.
import { z } from "zod";
import { DiagnosticSchema } from "./diagnostics.ts";

const BrokenRequestSchema = z.strictObject({
  request: z.string().meta({ description: "the request, e.g. pod/shop/web-1 -> svc/shop/api:http" }),
  derived: z.string().meta({ description: "its outcome with the rules, routes and peers kubehop derives" }),
  dumped: z.string().meta({ description: "its outcome with the node's dumps in place" }),
});

export const DriftDifferenceSchema = z.strictObject({
  part: z
    .enum(["iptables", "nftables", "routes", "wireguard"])
    .meta({ description: "which dump differs: iptables-save, nft list ruleset, ip route / ip addr, or wg show" }),
  kind: z
    .string()
    .regex(/^[a-z]+(-[a-z]+)*$/)
    .meta({
      description:
        "what differs, e.g. missing-service, stale-service, stale-endpoint, missing-endpoint, missing-route, " +
        "different-route, route-to-nowhere, extra-route, listen-port, missing-peer, allowed-ips-missing, " +
        "allowed-ips-extra, endpoint-mismatch, extra-peer",
    }),
  text: z.string().meta({ description: "the difference in words" }),
  at: z.string().optional().meta({ description: "FILE:LINE (or FILE) of the dumped line, when there is one" }),
  breaks: z
    .array(BrokenRequestSchema)
    .meta({ description: "the requests whose outcome this difference alone changes" }),
});

export const NodeDriftSchema = z.strictObject({
  node: z.string(),
  files: z.array(z.string()).meta({ description: "the node's dump files that were compared" }),
  differences: z.array(DriftDifferenceSchema),
  alsoBreaks: z
    .array(BrokenRequestSchema)
    .meta({ description: "requests the node's dumps change that no single difference explains" }),
  info: z
    .array(z.string())
    .meta({ description: "worth knowing, not drift: e.g. chains of other tools, which are not compared" }),
  requestsTried: z.number().int().min(0),
  requestsLeftOut: z.number().int().min(0).meta({ description: "requests not tried, past the per-node limit" }),
});

export const DriftReportSchema = z
  .strictObject({
    drift: z.boolean().meta({ description: "some node's dumps differ (kubehop drift then exits 1)" }),
    nodes: z.array(NodeDriftSchema).meta({ description: "the nodes with dumps, in the topology's order" }),
    diagnostics: z
      .array(DiagnosticSchema)
      .meta({ description: "what kubehop could not read or does not model in the topology and its dumps" }),
  })
  .meta({
    title: "kubehop drift --json",
    description:
      "Output of `kubehop drift --json`: where each node's dumps differ from what kubehop derives from the objects, " +
      "and which requests each difference breaks.",
  });

/** The JSON Schema of `kubehop drift --json`, as published in schemas/drift.schema.json. */
export function driftJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(DriftReportSchema, { target: "draft-2020-12", io: "output", reused: "inline" }) as Record<
    string,
    unknown
  >;
}
