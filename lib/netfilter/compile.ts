// Turns Rule data into closures once, at load time, so a packet's walk through tens of thousands
// of rules does no text handling and little allocation. Matches with no state are "pure" tests;
// statistic and recent need the walk's state (they fork it or change the recent sets).
import { formatIpv4, maskOf } from "../model/address.ts";
import type { Packet } from "../model/packet.ts";
import type {
  AddrType,
  CtState,
  CtStateName,
  Header,
  IfaceMatch,
  Match,
  Rule,
  RuleRef,
  Target,
} from "../model/ruleset.ts";
import type { Assumption, HookContext, HookName, RecentSets } from "./hooks.ts";

/** Assumptions a branch was evaluated under, newest first, shared between forks. */
export interface Assumed {
  readonly head: Assumption;
  readonly tail: Assumed | null;
}

/**
 * What a pure test may read besides the packet: conntrack facts that change during a walk, and the
 * branch's assumptions, to which a test adds when it answered a question the input does not settle.
 */
export interface CtView {
  readonly hook: HookName;
  untracked: boolean;
  ctDnat: boolean;
  ctSnat: boolean;
  assumed: Assumed | null;
}

export type Test = (p: Packet, ct: CtView, ctx: HookContext) => boolean;
type RecentMatch = Extract<Match, { kind: "recent" }>;
/**
 * A statistic match with its two `choices` texts built once, since every fork records one; a set
 * match, which reads the walk's ipsets and notes on the branch when it decided by assumption.
 */
export type StatefulMatch =
  | RecentMatch
  | Extract<Match, { kind: "set" }>
  | {
      readonly kind: "statistic";
      readonly probability: number;
      readonly text: string;
      readonly matched: string;
      readonly missed: string;
    };

/**
 * -s, -d, -p and a single --dport live in plain fields, not closures: a big ruleset's walk touches
 * rules all over the heap, and one object per rule is far kinder to the CPU cache than a graph of
 * closures. The defaults (mask 0, any protocol, ports 0-65535) match every packet.
 */
export interface CompiledRule {
  readonly ref: RuleRef;
  /** Unsupported rules never match. */
  readonly never: boolean;
  readonly srcMask: number;
  readonly srcNet: number;
  readonly srcNeg: boolean;
  readonly dstMask: number;
  readonly dstNet: number;
  readonly dstNeg: boolean;
  /** null: any protocol. */
  readonly proto: string | null;
  readonly protoNeg: boolean;
  readonly dportLo: number;
  readonly dportHi: number;
  /** Every other pure match. */
  readonly tests: readonly Test[];
  /** statistic / recent / set, in rule order; evaluated after the pure tests pass. */
  readonly stateful: readonly StatefulMatch[];
  readonly target: Target;
  /** The event text of a target whose effect does not depend on the packet, built once. */
  readonly detail: string;
}

const NONE: readonly never[] = [];

/** A compiled rule holds nothing of its ruleset, so rulesets that share a rule can share this. */
export function compileRule(rule: Rule): CompiledRule {
  const h = rule.header;
  const tests = headerTests(h, rule.ref);
  const stateful: StatefulMatch[] = [];
  let dportLo = 0;
  let dportHi = 65535;
  for (const m of rule.matches) {
    const plainDport =
      m.kind === "ports" &&
      m.which === "dport" &&
      !m.neg &&
      m.ranges.length === 1 &&
      dportLo === 0 &&
      dportHi === 65535;
    if (plainDport && h.proto && !h.proto.neg && (m.proto === null || m.proto === h.proto.name)) {
      dportLo = m.ranges[0]!.lo;
      dportHi = m.ranges[0]!.hi;
    } else if (m.kind === "recent" || m.kind === "set") stateful.push(m);
    else if (m.kind === "statistic") {
      const where = `${rule.ref.chain} #${rule.ref.index} statistic ${m.text}`;
      stateful.push({
        kind: "statistic",
        probability: m.probability,
        text: m.text,
        matched: `${where} matched`,
        missed: `${where} did not match`,
      });
    } else {
      const t = matchTest(m, rule.ref);
      if (t) tests.push(t);
    }
  }
  return {
    ref: rule.ref,
    never: rule.unsupported !== undefined,
    srcMask: h.src ? maskOf(h.src.prefix.length) : 0,
    srcNet: h.src ? h.src.prefix.network : 0,
    srcNeg: h.src?.neg ?? false,
    dstMask: h.dst ? maskOf(h.dst.prefix.length) : 0,
    dstNet: h.dst ? h.dst.prefix.network : 0,
    dstNeg: h.dst?.neg ?? false,
    proto: h.proto?.name ?? null,
    protoNeg: h.proto?.neg ?? false,
    dportLo,
    dportHi,
    tests: tests.length > 0 ? tests : NONE,
    stateful: stateful.length > 0 ? stateful : NONE,
    target: rule.target,
    detail: staticDetail(rule.target, rule.ref.chain),
  };
}

function staticDetail(t: Target, chain: string): string {
  switch (t.kind) {
    case "accept":
      return "ACCEPT";
    case "drop":
      return "DROP";
    case "reject":
      return `REJECT with ${t.rejectWith}`;
    case "return":
      return `RETURN from ${chain}`;
    case "jump":
      return `${t.goto ? "goto" : "jump to"} ${t.chain}`;
    case "dnat":
      return t.port === null ? "" : `DNAT to ${formatIpv4(t.ip)}:${t.port}`;
    case "log":
      return `${t.text} (no effect on the packet)`;
    case "ct":
      return t.notrack ? `${t.text}: the connection is not tracked, so nat is skipped` : `${t.text} (recorded only)`;
    default:
      return "";
  }
}

/** The header matches that are not plain fields of CompiledRule. */
function headerTests(h: Header, ref: RuleRef): Test[] {
  const tests: Test[] = [];
  if (h.inIface) tests.push(ifaceTest(h.inIface, "in", ref));
  if (h.outIface) tests.push(ifaceTest(h.outIface, "out", ref));
  // kubehop's packets are never non-first fragments.
  if (h.fragment && !h.fragment.neg) tests.push(() => false);
  return tests;
}

function ifaceTest(m: IfaceMatch, dir: "in" | "out", ref: RuleRef): Test {
  const { name, wildcard, neg } = m;
  const tested = `${neg ? "! " : ""}-${dir === "in" ? "i" : "o"} ${name}${wildcard ? "+" : ""}`;
  return (_p, ct, ctx) => {
    const iface = (dir === "in" ? ctx.inIface : ctx.outIface) ?? "";
    if (iface !== "" && iface === ctx.unknown?.[dir === "in" ? "inIface" : "outIface"])
      assume(ct, { kind: "iface", dir, assumed: iface, tested, rule: ref, hook: ct.hook });
    return (wildcard ? iface.startsWith(name) : iface === name) !== neg;
  };
}

export function assume(ct: CtView, a: Assumption): void {
  ct.assumed = { head: a, tail: ct.assumed };
}

function matchTest(m: Exclude<Match, { kind: "statistic" | "recent" | "set" }>, ref: RuleRef): Test | null {
  switch (m.kind) {
    case "comment":
    case "nfacct":
      return null;
    case "ports": {
      const { proto, which, ranges, neg } = m;
      const only = ranges.length === 1 ? ranges[0]! : null;
      const inRanges = only
        ? (port: number) => port >= only.lo && port <= only.hi
        : (port: number) => ranges.some((r) => port >= r.lo && port <= r.hi);
      const hit =
        which === "dport"
          ? (p: Packet) => inRanges(p.dport)
          : which === "sport"
            ? (p: Packet) => inRanges(p.sport)
            : (p: Packet) => inRanges(p.dport) || inRanges(p.sport);
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
      return (p, ct, ctx) => {
        const ip = dir === "src" ? p.src : p.dst;
        const type = addrTypeOf(ip, ctx);
        if (type === "UNICAST" && ctx.unknown?.local(ip))
          assume(ct, { kind: "not-local", ip, rule: ref, hook: ct.hook });
        return types.includes(type) !== neg;
      };
    }
    case "ctstate": {
      const { states, neg } = m;
      return (_p, ct, ctx) => {
        let hit = false;
        for (let k = 0; k < states.length && !hit; k++) hit = hasCtState(states[k]!, ct, ctx.ctState);
        return hit !== neg;
      };
    }
  }
}

function addrTypeOf(ip: number, ctx: HookContext): AddrType {
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
export function recentKey(m: RecentMatch, p: Packet): number {
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
