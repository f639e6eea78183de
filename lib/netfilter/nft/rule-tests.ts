// A rule's leading tests, made into one function the first time a walk reaches the rule. Most of
// kube-proxy's rules are a test or two and a verdict (`ct state new jump ...`, `ip daddr @cluster-ips
// reject`, `meta mark & 0x00004000 == 0x00000000 return`), and a walk runs each of them once per
// branch. Made here, a test reads its field and compares its ranges directly, with no dispatch on
// the expression's kind or its selector's and values' shapes. What is not made here (a numgen draw, a
// test that may need an assumption, a dynamic set) is left to the walk's own expression loop, which
// gives the same answers (spec/nft-rule-tests.spec.ts compares the two).
import type { HookContext } from "../hooks.ts";
import { cmpHolds } from "./compare.ts";
import type { ConnView, Expr, Field, NftRule, NftTable, RuleTest, Selector, SetIndex } from "./model.ts";
import { ctStateBit, fieldValue, selectorValues } from "./packet-fields.ts";
import { lookupOf } from "./sets.ts";
import { PROTOCOLS } from "./values.ts";

type Holds = (c: ConnView, ctx: HookContext) => boolean;
type Read = (c: ConnView, ctx: HookContext) => number | undefined;

/** The rule's leading tests as one function, or null when it starts with anything else. */
export function ruleTest(rule: NftRule, table: NftTable): RuleTest | null {
  if (rule.draws || rule.asks || rule.unreadable !== undefined) return null;
  const tests: Holds[] = [];
  for (const e of rule.exprs) {
    const t = testOf(e, table);
    if (!t) break;
    tests.push(t);
  }
  return tests.length === 0 ? null : { count: tests.length, holds: allOf(tests) };
}

function allOf(tests: readonly Holds[]): Holds {
  const [a, b] = tests;
  if (tests.length === 1) return a!;
  if (tests.length === 2) return (c, ctx) => a!(c, ctx) && b!(c, ctx);
  return (c, ctx) => {
    for (let i = 0; i < tests.length; i++) if (!tests[i]!(c, ctx)) return false;
    return true;
  };
}

function testOf(e: Expr, table: NftTable): Holds | undefined {
  if (e.kind === "cmp") return rangeTest(e) ?? ((c, ctx) => cmpHolds(e, c, ctx));
  if (e.kind === "lookup") return lookupTest(e, table);
  return undefined;
}

/** `ip daddr 10.96.0.0/12`, `meta mark & 0x4000 == 0`, `th dport 30000-32767`: one numeric field against ranges. */
function rangeTest(e: Extract<Expr, { kind: "cmp" }>): Holds | undefined {
  const field = e.sel.fields[0];
  // `ct status dnat` tests the connection's status bits, not a value (compare.ts's ctStatusHolds).
  if (e.op !== "eq" || e.sel.fields.length !== 1 || !field || field.kind === "ctstatus") return undefined;
  const los: number[] = [];
  const his: number[] = [];
  for (const value of e.values) {
    const d = value[0];
    if (value.length !== 1 || !d || !("lo" in d)) return undefined;
    los.push(d.lo);
    his.push(d.hi);
  }
  const read = masked(e.sel, readerOf(field));
  const neg = e.neg;
  if (los.length === 1) {
    const lo = los[0]!;
    const hi = his[0]!;
    return (c, ctx) => {
      const v = read(c, ctx);
      if (v === undefined) return false;
      return (v >= lo && v <= hi) !== neg;
    };
  }
  return (c, ctx) => {
    const v = read(c, ctx);
    if (v === undefined) return false;
    let held = false;
    for (let i = 0; i < los.length && !held; i++) held = v >= los[i]! && v <= his[i]!;
    return held !== neg;
  };
}

/** The field's number as selectorValues reads it; undefined where it has none (a port of ICMP, a name). */
function readerOf(f: Field): Read {
  switch (f.kind) {
    case "saddr":
      return (c) => c.packet.src;
    case "daddr":
      return (c) => c.packet.dst;
    case "mark":
      return (c) => c.packet.mark;
    case "dport":
      return (c) => (c.packet.proto === "icmp" ? undefined : c.packet.dport);
    case "sport":
      return (c) => (c.packet.proto === "icmp" ? undefined : c.packet.sport);
    case "l4proto":
      return (c) => PROTOCOLS[c.packet.proto];
    case "ctstate":
      return ctStateBit;
    default:
      return (c, ctx) => {
        const v = fieldValue(f, c, ctx);
        return typeof v === "number" ? v : undefined;
      };
  }
}

/** The selector's protocol dependency (`tcp dport`) and mask (`meta mark & 0x4000`) around a field's reader. */
function masked(sel: Selector, read: Read): Read {
  const proto = sel.proto;
  const binop = sel.binop;
  const withProto: Read =
    proto === undefined ? read : (c, ctx) => (PROTOCOLS[c.packet.proto] === proto ? read(c, ctx) : undefined);
  if (!binop) return withProto;
  const m = binop.value;
  const op = binop.op;
  return (c, ctx) => {
    const v = withProto(c, ctx);
    if (v === undefined) return undefined;
    return (op === "&" ? v & m : op === "|" ? v | m : v ^ m) >>> 0;
  };
}

/** `ip daddr @cluster-ips`, `ip daddr . th dport { ... }`: the element list indexed once, as the walk indexes it. */
function lookupTest(e: Extract<Expr, { kind: "lookup" }>, table: NftTable): Holds | undefined {
  const src = e.set;
  let index: SetIndex | null;
  if (src.kind === "anonymous") index = src.index ??= lookupOf(src.elements);
  else {
    let set = src.found;
    if (set === undefined) set = src.found = table.sets.get(src.name) ?? null;
    // A dynamic set is the branch's own (what `update @set` added on its way): the walk reads it.
    if (set?.dynamic) return undefined;
    index = set ? (src.index ??= lookupOf(set.elements)) : null;
  }
  const sel = e.sel;
  const neg = e.neg;
  return (c, ctx) => {
    const vals = selectorValues(sel, c, ctx);
    if (vals === undefined) return false;
    return (index !== null && index.find(vals) !== undefined) !== neg;
  };
}
