// Writes the published JSON Schemas from the zod schemas they mirror:
//   schemas/topology.schema.json      kubehop's `kind: Topology` (for editors, via yaml-language-server)
//   schemas/expectations.schema.json  a file of `kind: Expectations` for kubehop check (for editors too)
//   schemas/trace.schema.json         the output of `kubehop trace --json` and `kubehop curl --json`
//   schemas/netfilter.schema.json     the output of `kubehop netfilter --json`
//   schemas/drift.schema.json         the output of `kubehop drift --json`
//   schemas/validate.schema.json      the output of `kubehop validate --json`
//   schemas/migrate.schema.json       the output of `kubehop migrate --json`
// Run: npx tsx scripts/gen-schemas.ts [--check]   (--check: exit 1 if a file is not current)
// Deterministic: the same sources give byte-identical files; each is written to a temp file, then renamed.
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { expectationsJsonSchema, jsonSchemaText, topologyJsonSchema } from "../lib/input/json-schema.ts";
import { driftJsonSchema } from "../lib/output/drift-schema.ts";
import { migrateJsonSchema } from "../lib/migrate/schema.ts";
import { netfilterJsonSchema } from "../lib/output/netfilter-schema.ts";
import { traceJsonSchema } from "../lib/output/trace-schema.ts";
import { validateJsonSchema } from "../lib/output/validate-schema.ts";

export const SCHEMA_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..", "schemas");

/** File name (in schemas/) -> exact text it must hold. */
export function schemaFiles(): Record<string, string> {
  return {
    "topology.schema.json": jsonSchemaText(topologyJsonSchema()),
    "expectations.schema.json": jsonSchemaText(expectationsJsonSchema()),
    "trace.schema.json": jsonSchemaText(traceJsonSchema()),
    "netfilter.schema.json": jsonSchemaText(netfilterJsonSchema()),
    "drift.schema.json": jsonSchemaText(driftJsonSchema()),
    "migrate.schema.json": jsonSchemaText(migrateJsonSchema()),
    "validate.schema.json": jsonSchemaText(validateJsonSchema()),
  };
}

export function writeSchemas(dir: string = SCHEMA_DIR): string[] {
  const written: string[] = [];
  for (const [name, text] of Object.entries(schemaFiles())) {
    const file = join(dir, name);
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, text);
    renameSync(tmp, file);
    written.push(file);
  }
  return written;
}

/** Names of the files in `dir` that differ from what the generator writes. */
export function staleSchemas(dir: string = SCHEMA_DIR): string[] {
  return Object.entries(schemaFiles())
    .filter(([name, text]) => {
      try {
        return readFileSync(join(dir, name), "utf8") !== text;
      } catch {
        return true;
      }
    })
    .map(([name]) => name);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  if (process.argv.includes("--check")) {
    const stale = staleSchemas();
    for (const name of stale)
      process.stderr.write(`schemas/${name} is not current; run npx tsx scripts/gen-schemas.ts\n`);
    process.exit(stale.length > 0 ? 1 : 0);
  }
  for (const file of writeSchemas()) process.stdout.write(`wrote ${file}\n`);
}
