// A comparison (`ip daddr 10.0.0.0/8`, `meta mark & 0x4000 != 0`, `th dport >= 1024`) tested
// against a branch's packet and context.
import type { HookContext } from "../hooks.ts";
import type { ConnView, Dim, Expr } from "./model.ts";
import { ctStatusHolds, selectorValues } from "./packet-fields.ts";
import type { KeyValue } from "./sets.ts";
import { dimHolds } from "./values.ts";

/** Whether one of the values (each a list of dimensions) holds `vals`: loops, as it runs per rule. */
function anyHolds(values: readonly (readonly Dim[])[], vals: readonly KeyValue[]): boolean {
  for (const dims of values) {
    let all = true;
    for (let i = 0; i < dims.length && all; i++) all = dimHolds(dims[i]!, vals[i]!);
    if (all) return true;
  }
  return false;
}

/** Whether the comparison holds for the branch. */
export function cmpHolds(e: Extract<Expr, { kind: "cmp" }>, b: ConnView, ctx: HookContext): boolean {
  if (e.sel.fields[0]?.kind === "ctstatus") return ctStatusHolds(e.values, b) !== e.neg;
  const vals = selectorValues(e.sel, b, ctx);
  if (vals === undefined) return false;
  const v = vals[0]!;
  let held: boolean;
  if (e.op === "eq") held = anyHolds(e.values, vals);
  else {
    const d = e.values[0]![0]!;
    if (!("lo" in d) || typeof v !== "number") return false;
    held = e.op === "lt" ? v < d.lo : e.op === "gt" ? v > d.lo : e.op === "le" ? v <= d.lo : v >= d.lo;
  }
  return held !== e.neg;
}
