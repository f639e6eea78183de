// Checks against a whole trace: each branch either satisfies every check or not, and the scope says
// how many must. A failure explains itself with the offending branch's trace in text form.
import { formatProbability, traceText } from "../output/trace-text.ts";
import type { Trace } from "../trace/types.ts";
import { type Check, describe, test } from "./conditions.ts";
import type { AssertContext } from "./context.ts";

/**
 * - `every` (the default): every branch satisfies the checks.
 * - `some`: at least one branch does.
 * - `probability`: the probabilities of the branches that do add up to `p` (within 1e-6).
 */
export type Scope =
  | { readonly kind: "every" }
  | { readonly kind: "some" }
  | { readonly kind: "probability"; readonly p: number };

export const PROBABILITY_TOLERANCE = 1e-6;

export interface Verdict {
  readonly pass: boolean;
  /** What was expected, in one line: `every branch reaches svc/shop/api`. */
  readonly expectation: string;
  /** Why it failed (empty when it passed): what the branches did, then the trace of one of them. */
  readonly message: string;
}

export function evaluate(
  trace: Trace,
  checks: readonly Check[],
  scope: Scope = { kind: "every" },
  ctx?: AssertContext,
): Verdict {
  const want = checks.map(describe).join(" and ") || "exist";
  const n = trace.branches.length;
  const rows = trace.branches.map((b, i) => {
    const outcomes = checks.map((c) => test(c, b, ctx));
    const failed = outcomes.findIndex((o) => !o.ok);
    return { i, b, ok: failed < 0, why: failed < 0 ? outcomes.map((o) => o.saw).join("; ") : outcomes[failed]!.saw };
  });
  const matching = rows.filter((r) => r.ok);
  const failing = rows.filter((r) => !r.ok);
  const label = (r: (typeof rows)[number]) =>
    `branch ${r.i + 1} of ${n} (probability ${formatProbability(r.b.probability)})`;
  const list = (rs: typeof rows) => rs.map((r) => `  ${label(r)}: ${r.why}`).join("\n");
  const show = (r: (typeof rows)[number] | undefined) =>
    r ? `\n\n${traceText(trace, [r.i + 1], { picked: true, verbose: true, columns: Infinity }).trimEnd()}` : "";
  const head = `${trace.request.from} -> ${trace.request.to}`;

  if (n === 0)
    return { pass: false, expectation: `every branch to ${want}`, message: `${head}: the trace has no branches` };
  if (scope.kind === "every") {
    const expectation = `every branch to ${want}`;
    if (failing.length === 0) return { pass: true, expectation, message: "" };
    return {
      pass: false,
      expectation,
      message:
        `expected ${expectation} (${head}), but ${failing.length} of the ${n} do ` +
        `not:\n${list(failing)}${show(failing[0])}`,
    };
  }
  if (scope.kind === "some") {
    const expectation = `some branch to ${want}`;
    if (matching.length > 0) return { pass: true, expectation, message: "" };
    return {
      pass: false,
      expectation,
      message: `expected ${expectation} (${head}), but none of the ${n} does:\n${list(failing)}${show(failing[0])}`,
    };
  }
  const sum = matching.reduce((s, r) => s + r.b.probability, 0);
  const expectation = `branches to ${want} with total probability ${formatProbability(scope.p)}`;
  if (Math.abs(sum - scope.p) <= PROBABILITY_TOLERANCE) return { pass: true, expectation, message: "" };
  const detail = [
    matching.length ? `satisfied by:\n${list(matching)}` : "satisfied by no branch",
    failing.length ? `not by:\n${list(failing)}` : "",
  ]
    .filter(Boolean)
    .join("\n");
  return {
    pass: false,
    expectation,
    message:
      `expected ${expectation} (${head}), but those that do ` +
      `have ${formatProbability(sum)}; ${detail}${show(sum < scope.p ? failing[0] : matching[0])}`,
  };
}
