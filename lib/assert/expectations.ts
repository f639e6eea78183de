// `kubehop check`'s expectations: each YAML entry becomes a request and the same checks the chai
// plugin makes, evaluated by the same code.
import type { Origin } from "../model/cluster.ts";
import type { Expectation } from "../input/expectation-schema.ts";
import { ASSERTION_FIELDS } from "../input/expectation-schema.ts";
import { type InputProblem, problem } from "../input/errors.ts";
import type { CurlOptions, Topology } from "../topology.ts";
import type { L4 } from "../model/packet.ts";
import { RequestError, type TraceQuery } from "../trace/request.ts";
import type { Trace } from "../trace/types.ts";
import { AssertionInputError, type Check, type Condition, describe, validateCondition } from "./conditions.ts";
import type { AssertContext } from "./context.ts";
import { evaluate, type Scope, type Verdict } from "./evaluate.ts";

export type RequestSpec =
  | { readonly kind: "curl"; readonly url: string; readonly options: CurlOptions }
  | { readonly kind: "trace"; readonly query: TraceQuery };

/** An expectation as written, with a way to point at any of its fields. */
export interface ExpectationSource {
  readonly expectation: Expectation;
  /** The file the expectation came from (the JUnit suite). */
  readonly file: string;
  /** How messages name it: `Topology: expect[2]`, `Expectations: expect[0]`. */
  readonly label: string;
  at(path?: readonly (string | number)[]): Origin;
}

export interface CompiledExpectation {
  readonly name: string;
  readonly file: string;
  readonly origin: Origin;
  readonly request: RequestSpec;
  readonly checks: readonly Check[];
  readonly scope: Scope;
  readonly label: string;
}

export interface CheckResult {
  readonly expectation: CompiledExpectation;
  readonly trace: Trace;
  readonly verdict: Verdict;
}

export function requestOf(e: Expectation): RequestSpec {
  if (e.curl !== undefined) {
    const options: CurlOptions = {
      ...(e.from !== undefined ? { from: e.from } : {}),
      ...(e.headers ? { headers: e.headers } : {}),
      ...(e.method !== undefined ? { method: e.method } : {}),
      ...(e.resolve ? { resolve: e.resolve } : {}),
      ...(e.insecure ? { insecure: true } : {}),
    };
    return { kind: "curl", url: e.curl, options };
  }
  const query: TraceQuery = {
    from: e.from ?? "",
    to: e.to ?? "",
    ...(e.proto !== undefined ? { proto: e.proto as L4 } : {}),
    ...(e.src !== undefined ? { src: e.src } : {}),
    ...(e.sport !== undefined ? { sport: e.sport } : {}),
    ...(e.size !== undefined ? { size: e.size } : {}),
  };
  return { kind: "trace", query };
}

export function requestText(r: RequestSpec): string {
  if (r.kind === "curl") {
    const o = r.options;
    const extra = [
      o.method && o.method.toUpperCase() !== "GET" ? `-X ${o.method.toUpperCase()}` : "",
      ...(o.headers ?? []).map((h) => `-H '${h}'`),
    ]
      .filter(Boolean)
      .join(" ");
    return `curl ${extra ? `${extra} ` : ""}${r.url}${o.from ? ` from ${o.from}` : ""}`;
  }
  const q = r.query;
  return `${q.proto && q.proto !== "tcp" ? `${q.proto} ` : ""}${q.from} -> ${q.to}${q.src ? ` (src ${q.src})` : ""}`;
}

export function runRequest(topology: Topology, r: RequestSpec): Trace {
  return r.kind === "curl" ? topology.curl(r.url, r.options) : topology.trace(r.query);
}

/** The checks of an expectation, in the order of ASSERTION_FIELDS, each with the field it came from. */
export function checksOf(e: Expectation): { field: string; check: Check }[] {
  const out: { field: string; check: Check }[] = [];
  const add = (field: string, condition: Condition, negate = false) =>
    out.push({ field, check: { condition, negate } });
  for (const field of ASSERTION_FIELDS) {
    const v = e[field];
    if (v === undefined) continue;
    if (field === "delivered") add(field, { kind: "delivered" }, v === false);
    else if (field === "reach") add(field, { kind: "reach", target: v as string });
    else if (field === "dropped")
      add(field, v === true ? { kind: "dropped" } : { kind: "dropped", disposition: v as never });
    else if (field === "status") add(field, { kind: "status", code: v as number });
    else if (field === "through" || field === "notThrough") {
      for (const location of typeof v === "string" ? [v] : (v as string[]))
        add(field, { kind: "through", location }, field === "notThrough");
    } else if (field === "sourceIP") add(field, { kind: "sourceIP", ip: v as string });
    else if (field === "masqueraded") add(field, { kind: "masqueraded" }, v === false);
    else if (field === "ingressRule")
      add(field, { kind: "ingressRule", rule: typeof v === "string" ? { ingress: v } : (v as object) });
    else if (field === "gateway") add(field, { kind: "gateway", gateway: v as string });
    else if (field === "route")
      add(field, typeof v === "string" ? { kind: "route", route: v } : { kind: "route", ...(v as { route: string }) });
    else if (field === "upstream") add(field, { kind: "upstream", upstream: v as object });
  }
  return out;
}

export function scopeOf(e: Expectation): Scope {
  if (e.probability !== undefined) return { kind: "probability", p: e.probability };
  return e.someBranch ? { kind: "some" } : { kind: "every" };
}

/** Validates an expectation against the cluster; problems carry file:line:col. */
export function compile(
  src: ExpectationSource,
  ctx: AssertContext,
  problems: InputProblem[],
): CompiledExpectation | undefined {
  const e = src.expectation;
  const checks = checksOf(e);
  if (checks.length === 0) {
    problems.push(
      problem(
        "invalid-value",
        src.at(),
        `${src.label}: nothing to check; give at least one of ${ASSERTION_FIELDS.join(", ")}`,
      ),
    );
    return undefined;
  }
  let ok = true;
  for (const { field, check } of checks) {
    try {
      validateCondition(check.condition, ctx);
    } catch (err) {
      if (!(err instanceof AssertionInputError)) throw err;
      problems.push(problem("invalid-field", src.at([field]), `${src.label}.${field}: ${err.message}`));
      ok = false;
    }
  }
  if (!ok) return undefined;
  const request = requestOf(e);
  const scope = scopeOf(e);
  const name =
    e.name ?? `${requestText(request)}: ${scopeWords(scope)}${checks.map((c) => describe(c.check)).join(", ")}`;
  return {
    name,
    file: src.file,
    origin: src.at(),
    request,
    checks: checks.map((c) => c.check),
    scope,
    label: src.label,
  };
}

function scopeWords(s: Scope): string {
  return s.kind === "some" ? "some branch: " : s.kind === "probability" ? `with probability ${s.p}: ` : "";
}

/**
 * Runs the expectations. A request that names something the topology lacks (no such pod, host, ...)
 * is bad input, not a failed check: it goes to `problems`.
 */
export function runExpectations(
  topology: Topology,
  ctx: AssertContext,
  list: readonly CompiledExpectation[],
  problems: InputProblem[],
): CheckResult[] {
  const out: CheckResult[] = [];
  for (const expectation of list) {
    let trace: Trace;
    try {
      trace = runRequest(topology, expectation.request);
    } catch (err) {
      if (!(err instanceof RequestError)) throw err;
      problems.push(
        problem(
          "invalid-request",
          expectation.origin,
          `${expectation.label}: ${requestText(expectation.request)}: ${err.message}`,
        ),
      );
      continue;
    }
    out.push({ expectation, trace, verdict: evaluate(trace, expectation.checks, expectation.scope, ctx) });
  }
  return out;
}
