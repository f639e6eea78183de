// Questions about a rule's selector the walk asks before evaluating it: does it draw a random
// number, does it depend on what rules read alone do not say, and how an assumption names it.
import type { Expr, Field } from "./model.ts";

export function numgenOf(fields: readonly Field[]): Extract<Field, { kind: "numgen" }> | undefined {
  for (const f of fields) if (f.kind === "numgen") return f;
  return undefined;
}

/** Whether a test depends on what rules read alone do not say: the node's addresses or interfaces. */
export function asksNode(fields: readonly Field[]): boolean {
  for (const f of fields) if (f.kind === "fib" || f.kind === "iifname" || f.kind === "oifname") return true;
  return false;
}

/** What an interface test compares, as the assumption it leads to names it: `iifname "eth*"`, `oifname @set`. */
export function testedText(e: Extract<Expr, { kind: "cmp" | "lookup" | "vmap" }>): string {
  const field = e.sel.fields.map((f) => f.kind).join(" . ");
  if (e.kind !== "cmp") {
    const src = e.kind === "lookup" ? e.set : e.map;
    return `${field} ${src.kind === "named" ? `@${src.name}` : "{ ... }"}`;
  }
  const values = e.values.map((dims) =>
    dims.map((d) => ("name" in d ? JSON.stringify(`${d.name}${d.wildcard ? "*" : ""}`) : String(d.lo))),
  );
  return `${field} ${e.neg ? "!= " : ""}${values.join(", ")}`;
}
