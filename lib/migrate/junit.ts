// kubehop migrate --junit FILE: one testcase per request, a failure for each whose answers differ,
// so a CI system lists the migration's regressions by URL. Deterministic, as lib/assert/junit.ts is.
import { esc } from "../assert/junit.ts";
import { differing, type MigrateResult } from "./migrate.ts";
import { requestLabel } from "./requests.ts";

export function migrateJunit(result: MigrateResult): string {
  const failures = differing(result).length;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="kubehop migrate" tests="${result.rows.length}" failures="${failures}" errors="0">`,
    `  <testsuite name="kubehop migrate" tests="${result.rows.length}" failures="${failures}" errors="0" skipped="0">`,
  ];
  for (const row of result.rows) {
    const open = `    <testcase classname="kubehop migrate" name="${esc(requestLabel(row.request))}"`;
    if (row.differences.length === 0) {
      lines.push(`${open}/>`);
      continue;
    }
    const what = row.differences.map((d) => `${d.aspect}: ${d.ingress} -> ${d.gateway}`);
    const decided = `Ingress world: ${row.ingress.decidedBy.join(", ") || "no rule"}; Gateway world: ${
      row.gateway.decidedBy.join(", ") || "no rule"
    }`;
    lines.push(`${open}>`);
    lines.push(
      `      <failure type="kubehop.migrate" message="${esc(what.join("; "))}">${esc(
        [row.request.why, ...what, decided].join("\n"),
      )}</failure>`,
    );
    lines.push("    </testcase>");
  }
  lines.push("  </testsuite>", "</testsuites>");
  return `${lines.join("\n")}\n`;
}
