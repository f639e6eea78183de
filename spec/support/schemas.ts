// The published JSON Schemas (schemas/*.schema.json), read from their files and applied by ajv: a
// validator independent of the zod schemas they are generated from, as a user's tools would apply them.
import { readFileSync } from "node:fs";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import { expect } from "chai";

export type SchemaName = "topology" | "expectations" | "trace" | "netfilter" | "drift" | "migrate" | "validate";

/** JSON Schema's ipv4 format (RFC 2673 dotted quad); ajv leaves formats to a plugin, this is the one kubehop's schemas use. */
const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

// discriminator: the trace schema's unions on `kind` name their member, so only that one is checked;
// inlineRefs off: its step details are referenced from a dozen places, compiled once, not at each.
const ajv = new Ajv2020({ allErrors: true, strict: true, discriminator: true, inlineRefs: false });
ajv.addFormat("ipv4", IPV4);
const compiled = new Map<SchemaName, ValidateFunction>();

function validator(name: SchemaName): ValidateFunction {
  let v = compiled.get(name);
  if (!v) {
    const schema = JSON.parse(
      readFileSync(new URL(`../../schemas/${name}.schema.json`, import.meta.url), "utf8"),
    ) as object;
    compiled.set(name, (v = ajv.compile(schema)));
  }
  return v;
}

/** What ajv finds wrong with `value` against schemas/NAME.schema.json, one `path: message` per error; empty when valid. */
export function schemaErrors(name: SchemaName, value: unknown): string[] {
  const v = validator(name);
  if (v(value)) return [];
  return (v.errors ?? []).map(
    (e) =>
      `${e.instancePath || "/"}: ${e.message}${e.params && Object.keys(e.params).length ? ` ${JSON.stringify(e.params)}` : ""}`,
  );
}

/** Asserts that `value` validates against schemas/NAME.schema.json. */
export function expectSchemaValid(name: SchemaName, value: unknown, what: string = name): void {
  const errors = schemaErrors(name, value);
  expect(errors, `${what} against schemas/${name}.schema.json:\n  ${errors.slice(0, 10).join("\n  ")}`).to.deep.equal(
    [],
  );
}
