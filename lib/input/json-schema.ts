// The JSON Schemas of kubehop's own kinds, `kind: Topology` (schemas/topology.schema.json) and
// `kind: Expectations` (schemas/expectations.schema.json), generated from the zod schemas that
// validate them, for editors: put
//   # yaml-language-server: $schema=https://raw.githubusercontent.com/OWNER/kubehop/main/schemas/topology.schema.json
// (or a relative path to the file) on the first line of a file that holds only the Topology document.
import { z } from "zod";
import { cidr } from "./schema-types.ts";
import { ExpectationsSchema, TOPOLOGY_API_VERSION, TopologySchema } from "./topology-schema.ts";

/** What an editor can check of a CIDR without running kubehop (no host bits check, no 0-255 check). */
const CIDR_PATTERN = "^\\d{1,3}(\\.\\d{1,3}){3}/\\d{1,2}$";

/** JSON Schema for what a user writes (input side: optional fields stay optional). */
export function topologyJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(TopologySchema, {
    target: "draft-2020-12",
    io: "input",
    reused: "inline",
    override: ({ zodSchema, jsonSchema }) => {
      if (zodSchema === (cidr as unknown)) {
        jsonSchema.pattern = CIDR_PATTERN;
        jsonSchema.description = "an IPv4 CIDR, network address/length, e.g. 10.244.0.0/16";
      }
    },
  }) as Record<string, unknown>;
  const { $schema, ...rest } = schema;
  return {
    $schema,
    title: "kubehop Topology",
    description:
      `kubehop's own kind (apiVersion: ${TOPOLOGY_API_VERSION}, kind: Topology) for what Kubernetes has ` +
      `no object for: the WireGuard overlay, the underlay, node addresses and podCIDRs, external clients. ` +
      `Refinements (valid CIDRs without host bits, IPv4 addresses) are checked by kubehop validate, not by this ` +
      `schema.`,
    ...rest,
  };
}

/** JSON Schema for a file of expectations for `kubehop check` (and requests for `kubehop diff --requests`). */
export function expectationsJsonSchema(): Record<string, unknown> {
  const { $schema, ...rest } = z.toJSONSchema(ExpectationsSchema, {
    target: "draft-2020-12",
    io: "input",
    reused: "inline",
  }) as Record<string, unknown>;
  return {
    $schema,
    title: "kubehop Expectations",
    description:
      `A file of expectations (apiVersion: ${TOPOLOGY_API_VERSION}, kind: Expectations) for \`kubehop ` +
      `check -f TOPO FILE\`: each a request, in curl form (curl: URL) or trace form (from: and to:), and what ` +
      `must be true of its trace. Rules across fields (curl or to, not both; someBranch or probability) and the ` +
      `names in the cluster are checked by kubehop check, not by this schema.`,
    ...rest,
  };
}

/** Stable text for a schema file: two-space JSON and a final newline. */
export function jsonSchemaText(schema: unknown): string {
  return `${JSON.stringify(schema, null, 2)}\n`;
}
