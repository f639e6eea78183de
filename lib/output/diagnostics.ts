// Diagnostics out: the one text form (see formatDiagnostic) for every command, and the published
// JSON shape of the `diagnostics` list that trace, curl, netfilter and drift print with --json.
import { z } from "zod";
import {
  DIAGNOSTIC_CODES,
  type Diagnostic,
  type DiagnosticCode,
  formatDiagnostic as diagnosticText,
  type Severity,
} from "../model/diagnostic.ts";
import { safe } from "./terminal.ts";

/** One diagnostic as a line to print: the model's text with no control character or escape sequence left. */
export function formatDiagnostic(d: Diagnostic): string {
  return safe(diagnosticText(d));
}

const CODES = Object.keys(DIAGNOSTIC_CODES) as [DiagnosticCode, ...DiagnosticCode[]];
const SEVERITIES = ["error", "warning", "info"] as const satisfies readonly Severity[];

export const DiagnosticSchema = z
  .strictObject({
    code: z.enum(CODES).meta({ description: "stable code; the README's Diagnostics section lists each" }),
    severity: z.enum(SEVERITIES),
    source: z
      .union([
        z.strictObject({
          file: z.string(),
          line: z.number().int().min(1),
          col: z.number().int().min(1),
        }),
        z.strictObject({
          object: z.strictObject({ kind: z.string(), namespace: z.string().optional(), name: z.string() }),
        }),
        z.strictObject({
          rule: z.strictObject({
            ruleset: z.string(),
            table: z.string(),
            chain: z.string(),
            index: z.number().int().min(1),
          }),
        }),
      ])
      .optional()
      .meta({ description: "where: a file position, an object, or a generated rule; absent for the request" }),
    message: z.string(),
    hint: z.string().optional().meta({ description: "what to do about it, where the fix is known" }),
  })
  .meta({ description: "one thing kubehop reports about its input: an error, a warning or an info" });

/** The diagnostics as lines for a terminal or a log, one each. */
export function diagnosticLines(list: readonly Diagnostic[]): string {
  return list.map((d) => `${formatDiagnostic(d)}\n`).join("");
}

// Compile-time proof that the schema describes the model's Diagnostic exactly.
type Equals<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const same: Equals<z.infer<typeof DiagnosticSchema>, Diagnostic> = true;
void same;
