// The published shape of `kubehop netfilter --json` (schemas/netfilter.schema.json): every branch of
// one packet's walk through one node's iptables-save rules. The type assertions at the bottom fail to
// compile if it and the netfilter walk's branches drift apart; spec/schemas.spec.ts validates real
// output against the generated file.
import { z } from "zod";
import { DiagnosticSchema } from "./diagnostics.ts";
import type { HookName, Verdict } from "../netfilter/hooks.ts";
import type { NodeBranch } from "../netfilter/node-walk.ts";

const VERDICTS = ["ACCEPT", "DROP", "REJECT"] as const satisfies readonly Verdict[];
const HOOKS = ["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"] as const satisfies readonly HookName[];
const address = (what: string) =>
  z
    .string()
    .regex(/^\d{1,3}(\.\d{1,3}){3}:\d{1,5}$/)
    .meta({ description: `${what}, as ip:port` });

export const NetfilterBranchSchema = z.strictObject({
  probability: z
    .number()
    .min(0)
    .max(1)
    .meta({ description: "this branch's share; a branch's statistic --mode random choices multiply" }),
  verdict: z.enum(VERDICTS).meta({ description: "what the node did with the packet in the end" }),
  dnat: address("where DNAT sent the packet").nullable(),
  masquerade: z.boolean().meta({ description: "MASQUERADE rewrote the source" }),
  marks: z
    .array(z.string().regex(/^0x[0-9a-f]+$/))
    .meta({ description: "every non-zero mark the packet carried, in order, in hex" }),
  rules: z.array(z.string()).meta({
    description:
      "every rule that matched, as iptables-save prints it; a chain's policy (:CHAIN POLICY) only when it dropped",
  }),
  rejectWith: z.string().nullable().meta({ description: "REJECT's --reject-with, when the verdict is REJECT" }),
  snat: address("the source after SNAT or MASQUERADE").nullable(),
  route: z
    .enum(["local", "forward"])
    .nullable()
    .meta({ description: "where routing sent the packet after PREROUTING or OUTPUT" }),
  hooks: z.array(z.enum(HOOKS)).meta({ description: "the hooks the packet passed, in order" }),
  choices: z.array(z.string()).meta({
    description:
      "the random choices that made this branch, e.g. KUBE-SVC-XYZ #2 statistic random 0.33333333349 matched",
  }),
});

export const NetfilterOutputSchema = z
  .strictObject({
    branches: z
      .array(NetfilterBranchSchema)
      .meta({ description: "every branch of the walk, in a fixed order; probabilities sum to 1" }),
    diagnostics: z
      .array(DiagnosticSchema)
      .meta({ description: "rules that could not be interpreted or are approximated, each at its line" }),
  })
  .meta({
    title: "kubehop netfilter --json",
    description:
      "Output of `kubehop netfilter --json`: one packet through one node's iptables-save rules, every branch with " +
      "its verdict and the rules that decided it.",
  });

/** The JSON Schema of `kubehop netfilter --json`, as published in schemas/netfilter.schema.json. */
export function netfilterJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(NetfilterOutputSchema, { target: "draft-2020-12", io: "output", reused: "inline" }) as Record<
    string,
    unknown
  >;
}

// Compile-time proof that each field is the walk's own, with its type.
type Equals<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;
type Published = z.infer<typeof NetfilterBranchSchema>;
export type NetfilterSchemaMatchesBranches = Assert<Equals<Published, Pick<NodeBranch, keyof Published>>>;
