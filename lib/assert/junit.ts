// JUnit XML for CI systems (Jenkins, GitLab, GitHub test reporters): one testsuite per file the
// expectations came from, one testcase per expectation, a failure element with the whole explanation.
// Deterministic: no timestamps, no durations, no host names.
import type { CheckResult } from "./expectations.ts";

export function junitXml(results: readonly CheckResult[]): string {
  const suites = new Map<string, CheckResult[]>();
  for (const r of results) suites.set(r.expectation.file, [...(suites.get(r.expectation.file) ?? []), r]);
  const failures = (rs: readonly CheckResult[]) => rs.filter((r) => !r.verdict.pass).length;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="kubehop check" tests="${results.length}" failures="${failures(results)}" errors="0">`,
  ];
  for (const [file, rs] of suites) {
    lines.push(
      `  <testsuite name="${esc(file)}" tests="${rs.length}" failures="${failures(rs)}" errors="0" skipped="0">`,
    );
    for (const r of rs) {
      const e = r.expectation;
      const open =
        `    <testcase classname="${esc(file)}" name="${esc(e.name)}" file="${esc(e.origin.file)}" ` +
        `line="${e.origin.line}"`;
      if (r.verdict.pass) {
        lines.push(`${open}/>`);
      } else {
        lines.push(`${open}>`);
        const first = esc(r.verdict.message.split("\n")[0]!);
        const where = esc(`${e.origin.file}:${e.origin.line}:${e.origin.col}\n${r.verdict.message}`);
        lines.push(`      <failure type="kubehop.check" message="${first}">${where}</failure>`);
        lines.push("    </testcase>");
      }
    }
    lines.push("  </testsuite>");
  }
  lines.push("</testsuites>");
  return `${lines.join("\n")}\n`;
}

/** XML 1.0 text and attribute escaping; characters XML cannot hold at all become U+FFFD. */
export function esc(s: string): string {
  return s
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, "\uFFFD")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;")
    .replace(/\r/g, "&#13;")
    .replace(/\t/g, "&#9;");
}
