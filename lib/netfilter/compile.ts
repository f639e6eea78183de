// Turns Rule data into closures once, at load time, so a packet's walk through tens of thousands
// of rules does no text handling and little allocation. Matches with no state are "pure" tests;
// statistic and recent need the walk's state (they fork it or change the recent sets).
import { maskOf } from "../model/address.ts";
import type { Packet } from "../dataplane/packet.ts";
import type { CtState, HookContext, RecentSets, RuleRef } from "./hooks.ts";
import type { AddrMatch, Chain, CtStateName, Header, IfaceMatch, Match, Rule, Target } from "./ruleset.ts";

/** What a pure test may read besides the packet: conntrack facts that change during a walk. */
export interface CtView {
  untracked: boolean;
  ctDnat: boolean;
  ctSnat: boolean;
}

export type Test = (p: Packet, ct: CtView, ctx: HookContext) => boolean;
export type StatefulMatch = Extract<Match, { kind: "statistic" | "recent" }>;

export interface CompiledRule {
  readonly ref: RuleRef;
  /** Unsupported rules never match. */
  readonly never: boolean;
  readonly tests: readonly Test[];
  /** statistic / recent, in rule order; evaluated after the pure tests pass. */
  readonly stateful: readonly StatefulMatch[];
  readonly target: Target;
  /** The chain a jump or goto enters, resolved after every chain is compiled. */
  jumpTo: CompiledChain | null;
}

export interface CompiledChain {
  readonly name: string;
  readonly policy: "ACCEPT" | "DROP" | null;
  readonly policyRef: RuleRef;
  readonly rules: readonly CompiledRule[];
}

export function compileChain(chain: Chain): CompiledChain {
  return {
    name: chain.name,
    policy: chain.policy,
    policyRef: { table: chain.table, chain: chain.name, index: 0, text: `:${chain.name} ${chain.policy ?? "-"}`, line: chain.line || undefined },
    rules: chain.rules.map(compileRule),
  };
}

function compileRule(rule: Rule): CompiledRule {
  const tests = headerTests(rule.header);
  const stateful: StatefulMatch[] = [];
  for (const m of rule.matches) {
    if (m.kind === "statistic" || m.kind === "recent") stateful.push(m);
    else {
      const t = matchTest(m);
      if (t) tests.push(t);
    }
  }
  return { ref: rule.ref, never: rule.unsupported !== undefined, tests, stateful, target: rule.target, jumpTo: null };
}

function headerTests(h: Header): Test[] {
  const tests: Test[] = [];
  if (h.src) tests.push(addrTest(h.src, "src"));
  if (h.dst) tests.push(addrTest(h.dst, "dst"));
  if (h.proto) {
    const { name, neg } = h.proto;
    tests.push(neg ? (p) => p.proto !== name : (p) => p.proto === name);
  }
  if (h.inIface) tests.push(ifaceTest(h.inIface, (ctx) => ctx.inIface));
  if (h.outIface) tests.push(ifaceTest(h.outIface, (ctx) => ctx.outIface));
  // kubehop's packets are never non-first fragments.
  if (h.fragment && !h.fragment.neg) tests.push(() => false);
  return tests;
}

function addrTest(a: AddrMatch, field: "src" | "dst"): Test {
  const net = a.prefix.network;
  const mask = maskOf(a.prefix.length);
  const neg = a.neg;
  return field === "src" ? (p) => ((p.src & mask) >>> 0 === net) !== neg : (p) => ((p.dst & mask) >>> 0 === net) !== neg;
}

function ifaceTest(m: IfaceMatch, pick: (ctx: HookContext) => string | undefined): Test {
  const { name, wildcard, neg } = m;
  return (_p, _ct, ctx) => {
    const iface = pick(ctx) ?? "";
    return (wildcard ? iface.startsWith(name) : iface === name) !== neg;
  };
}

function matchTest(m: Exclude<Match, StatefulMatch>): Test | null {
  switch (m.kind) {
    case "comment":
    case "nfacct":
      return null;
    case "ports": {
      const { proto, which, ranges, neg } = m;
      const only = ranges.length === 1 ? ranges[0]! : null;
      const inRanges = only ? (port: number) => port >= only.lo && port <= only.hi : (port: number) => ranges.some((r) => port >= r.lo && port <= r.hi);
      const hit =
        which === "dport" ? (p: Packet) => inRanges(p.dport) : which === "sport" ? (p: Packet) => inRanges(p.sport) : (p: Packet) => inRanges(p.dport) || inRanges(p.sport);
      // The protocol check of -m tcp is not inverted by `! --dport`.
      return (p) => (proto === null ? p.proto !== "icmp" : p.proto === proto) && hit(p) !== neg;
    }
    case "syn":
      return (p, _ct, ctx) => p.proto === "tcp" && (ctx.ctState === "NEW") !== m.neg;
    case "mark": {
      const { value, mask, neg } = m;
      return (p) => ((p.mark & mask) >>> 0 === value) !== neg;
    }
    case "addrtype": {
      const { dir, types, neg } = m;
      return (p, _ct, ctx) => {
        const ip = dir === "src" ? p.src : p.dst;
        return types.some((t) => addrTypeOf(ip, ctx) === t) !== neg;
      };
    }
    case "ctstate": {
      const { states, neg } = m;
      return (_p, ct, ctx) => states.some((s) => hasCtState(s, ct, ctx.ctState)) !== neg;
    }
  }
}

function addrTypeOf(ip: number, ctx: HookContext): string {
  if (ctx.isLocal(ip)) return "LOCAL";
  if (ip === 0xffffffff) return "BROADCAST";
  if (ip >>> 28 === 14) return "MULTICAST";
  return "UNICAST";
}

function hasCtState(s: CtStateName, ct: CtView, state: CtState): boolean {
  if (s === "UNTRACKED") return ct.untracked;
  if (s === "DNAT") return ct.ctDnat;
  if (s === "SNAT") return ct.ctSnat;
  return !ct.untracked && state === s;
}

/** The key a recent set stores for this packet, or undefined if the match does not apply. */
export function recentKey(m: Extract<Match, { kind: "recent" }>, p: Packet): number {
  return ((m.side === "source" ? p.src : p.dst) & m.mask) >>> 0;
}

/** Copy-on-write: the caller's sets are never mutated. */
export function recentWith(sets: RecentSets, name: string, key: number, present: boolean): RecentSets {
  const next = new Map(sets);
  const set = new Set(sets.get(name));
  if (present) set.add(key);
  else set.delete(key);
  next.set(name, set);
  return next;
}
