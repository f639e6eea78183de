// The published shape of `kubehop validate --json` (schemas/validate.schema.json): the cluster kubehop
// built from the topology, the Gateway API status it computed, and what it reports about the input.
import { z } from "zod";
import { DiagnosticSchema } from "./diagnostics.ts";
import { GatewayApiStatusSchema } from "./gateway-status.ts";

export const ValidateReportSchema = z
  .strictObject({
    clusterCidr: z.string(),
    underlayCidr: z.string(),
    overlay: z.strictObject({
      style: z.string().meta({ description: "the wg0 mesh's style, e.g. kilo or flannel" }),
      mtu: z.number().int(),
      listenPort: z.number().int(),
    }),
    nodes: z.array(
      z.strictObject({
        name: z.string(),
        ip: z.string().meta({ description: "eth0's address" }),
        podCidr: z.string(),
        pods: z.number().int().min(0),
      }),
    ),
    pods: z.number().int().min(0),
    clients: z.number().int().min(0),
    gatewayApi: GatewayApiStatusSchema,
    diagnostics: z
      .array(DiagnosticSchema)
      .meta({ description: "what kubehop could not read, does not model, or finds wrong in the topology" }),
  })
  .meta({
    title: "kubehop validate --json",
    description:
      "Output of `kubehop validate --json`: the nodes, pods and clients kubehop built from the topology, the " +
      "Gateway API status (per Gateway its listeners, per route each parentRef) and the diagnostics.",
  });

type DeepReadonly<T> = T extends (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/** What validate --json prints; readonly, so the model's lists go in as they are. */
export type ValidateReport = DeepReadonly<z.infer<typeof ValidateReportSchema>>;

export function validateJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(ValidateReportSchema, { target: "draft-2020-12", io: "output", reused: "inline" }) as Record<
    string,
    unknown
  >;
}
