// What each nft selector reads from a packet and its context: addresses, protocol, ports, mark,
// interfaces, conntrack state and status, and the fib's address type.
import type { Ipv4 } from "../../model/address.ts";
import type { RuleRef } from "../../model/ruleset.ts";
import type { Assumption, HookContext, HookName } from "../hooks.ts";
import type { ConnView, Dim, Field, Selector } from "./model.ts";
import type { KeyValue } from "./sets.ts";
import { CT_STATES, CT_STATUS, FIB_TYPES, PROTOCOLS } from "./values.ts";

/** The context's conntrack state as ct state's bit, looked up without making a lower-case string. */
const CT_STATE_BITS: Readonly<Record<string, number | undefined>> = {
  NEW: CT_STATES.new,
  ESTABLISHED: CT_STATES.established,
  RELATED: CT_STATES.related,
  INVALID: CT_STATES.invalid,
};

function fibType(ip: Ipv4, ctx: HookContext): number {
  if (ctx.isLocal(ip)) return FIB_TYPES.indexOf("local");
  if (ip === 0xffffffff) return FIB_TYPES.indexOf("broadcast");
  if (ip >>> 28 === 14) return FIB_TYPES.indexOf("multicast");
  return FIB_TYPES.indexOf("unicast");
}

/** `ct state` as its bit: untracked, or the context's state. */
export function ctStateBit(c: ConnView, ctx: HookContext): number | undefined {
  return c.untracked ? CT_STATES.untracked : CT_STATE_BITS[ctx.ctState];
}

/** The field's value, or undefined when the packet has none (a port on ICMP, an unknown interface). */
export function fieldValue(f: Field, c: ConnView, ctx: HookContext): KeyValue | undefined {
  const p = c.packet;
  switch (f.kind) {
    case "saddr":
      return p.src;
    case "daddr":
      return p.dst;
    case "l4proto":
      return PROTOCOLS[p.proto];
    case "sport":
      return p.proto === "icmp" ? undefined : p.sport;
    case "dport":
      return p.proto === "icmp" ? undefined : p.dport;
    case "mark":
      return p.mark;
    case "iifname":
      return ctx.inIface;
    case "oifname":
      return ctx.outIface;
    case "ctstate":
      return ctStateBit(c, ctx);
    case "ctstatus":
      return undefined;
    case "nfproto":
      return 2;
    case "fib":
      return fibType(f.dir === "saddr" ? p.src : p.dst, ctx);
    case "numgen":
      return c.drawn;
  }
}

// One array per length for every call: a walk reads a selector's values once per rule it tests, and
// uses them before it reads the next (a comparison, a set or map lookup, the key an update adds).
const scratch: KeyValue[][] = [];

function scratchOf(n: number): KeyValue[] {
  let a = scratch[n];
  if (!a) scratch[n] = a = new Array<KeyValue>(n).fill(0);
  return a;
}

/**
 * The selector's values, masked; undefined when a field has none or the protocol dependency fails.
 * The array is reused by the next call: use it before that, never keep it.
 */
export function selectorValues(sel: Selector, c: ConnView, ctx: HookContext): readonly KeyValue[] | undefined {
  if (sel.proto !== undefined && PROTOCOLS[c.packet.proto] !== sel.proto) return undefined;
  const out = scratchOf(sel.fields.length);
  let i = 0;
  for (const f of sel.fields) {
    let v = fieldValue(f, c, ctx);
    if (v === undefined) return undefined;
    if (sel.binop && typeof v === "number") {
      const m = sel.binop.value;
      v = (sel.binop.op === "&" ? v & m : sel.binop.op === "|" ? v | m : v ^ m) >>> 0;
    }
    out[i++] = v;
  }
  return out;
}

/** `ct status dnat,snat`: any listed status bit the connection has. */
export function ctStatusHolds(values: readonly (readonly Dim[])[], c: ConnView): boolean {
  return values.some(([d]) => {
    const name = d && "lo" in d ? CT_STATUS[d.lo] : undefined;
    if (name === "dnat") return c.ctDnat;
    if (name === "snat") return c.ctSnat;
    // A new connection is neither confirmed nor has it seen a reply.
    return false;
  });
}

/**
 * What a test of `sel` assumed when the rules are read alone (HookContext.unknown): an address taken
 * as not the node's by `fib ... type`, or an interface name that was a default, not given.
 */
export function assumedBy(
  sel: Selector,
  c: ConnView,
  ctx: HookContext,
  hook: HookName,
  rule: RuleRef,
  tested: string,
): Assumption[] {
  const unknown = ctx.unknown;
  if (!unknown) return [];
  const out: Assumption[] = [];
  for (const f of sel.fields) {
    if (f.kind === "fib") {
      const ip = f.dir === "saddr" ? c.packet.src : c.packet.dst;
      if (unknown.local(ip)) out.push({ kind: "not-local", ip, rule, hook, test: `fib ${f.dir} type` });
    } else if (f.kind === "iifname" && unknown.inIface !== undefined && ctx.inIface === unknown.inIface)
      out.push({ kind: "iface", dir: "in", assumed: unknown.inIface, tested, rule, hook });
    else if (f.kind === "oifname" && unknown.outIface !== undefined && ctx.outIface === unknown.outIface)
      out.push({ kind: "iface", dir: "out", assumed: unknown.outIface, tested, rule, hook });
  }
  return out;
}
