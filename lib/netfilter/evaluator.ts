// Runs one netfilter hook over a ruleset, as the kernel does: the hook's tables in priority
// order, each from its built-in chain, with jumps, gotos, RETURN and policies. A `statistic`
// rule forks the walk (matched branch first); every branch ends in a verdict and carries the
// events that explain it. The walk keeps its call stack as an immutable linked list of frames so
// that forks share it and a long chain of jumps needs no recursion. Chains are compiled when a
// walk first enters them (engine-chains.ts); a chain is a list of parts that may be shared with
// other rulesets, so a position is (part, rule) and a rule's number is its part's offset + 1.
import type { Diagnostic } from "../model/diagnostic.ts";
import type { Packet } from "../model/packet.ts";
import { nextCandidate } from "./chain-index.ts";
import type { ChainSource } from "./chain-source.ts";
import { type Assumed, assume, recentKey, recentWith, type CompiledRule, type CtView } from "./compile.ts";
import { type ChainLookup, type EngineChain, type EnginePart, rulesetChains, sourceChains } from "./engine-chains.ts";
import type {
  Assumption,
  HookBranch,
  HookContext,
  HookName,
  Netfilter,
  NetfilterEvent,
  RecentSets,
  Verdict,
} from "./hooks.ts";
import type { RuleRef, Ruleset, TableName } from "../model/ruleset.ts";
import type { Ipsets } from "../model/ipset.ts";
import { assumedChoice, ipsetDiagnostics, setHolds } from "./ipset-match.ts";
import { hexText, ipText } from "./text-cache.ts";

/** Kernel hook priorities (NF_IP_PRI_*): raw, mangle, nat DNAT, filter, nat SNAT. */
export const HOOK_TABLES: Readonly<Record<HookName, readonly TableName[]>> = {
  PREROUTING: ["raw", "mangle", "nat"],
  INPUT: ["mangle", "filter", "nat"],
  FORWARD: ["mangle", "filter"],
  OUTPUT: ["raw", "mangle", "nat", "filter"],
  POSTROUTING: ["mangle", "nat"],
};

export interface EngineOptions {
  /** Use the (dst, proto, dport) lookup for big chains (default). `false` walks every rule. */
  indexed?: boolean;
  /** The node's ipsets, for `-m set`; without them every set match is unknown (taken as empty). */
  ipsets?: Ipsets;
}

export interface Cons<T> {
  readonly head: T;
  readonly tail: Cons<T> | null;
}

interface Frame {
  readonly chain: EngineChain;
  readonly part: number;
  readonly next: number;
  readonly parent: Frame | null;
}

/** A branch's events, newest first, shared between forks; each knows the hook it happened in. */
export interface Trail {
  readonly event: NetfilterEvent;
  readonly hook: HookName;
  readonly tail: Trail | null;
}

/** A finished branch in the engine's own form, which a later hook can continue (see walkNode). */
export interface WalkBranch extends CtView {
  readonly hook: HookName;
  readonly packet: Packet;
  readonly probability: number;
  readonly choices: Cons<string> | null;
  readonly trail: Trail | null;
  readonly recent: RecentSets;
  readonly dnat: { ip: number; port: number } | null;
  readonly snat: { ip: number; port: number; masquerade: boolean } | null;
  readonly verdict: Verdict;
  readonly rejectWith: string | null;
}

/**
 * One branch in progress. Owned by exactly one walk at a time, so it is updated in place; a fork
 * copies it. A class with every field set up front keeps one object shape, which the walk's
 * property reads depend on for speed.
 */
class WalkState implements WalkBranch {
  verdict: Verdict = "ACCEPT";
  constructor(
    public hook: HookName,
    public packet: Packet,
    public probability: number,
    public choices: Cons<string> | null,
    public trail: Trail | null,
    public recent: RecentSets,
    public untracked: boolean,
    public ctDnat: boolean,
    public ctSnat: boolean,
    public assumed: Assumed | null,
    public dnat: { ip: number; port: number } | null = null,
    public snat: { ip: number; port: number; masquerade: boolean } | null = null,
    public rejectWith: string | null = null,
  ) {}

  fork(probability: number, choice: string): WalkState {
    const choices = { head: choice, tail: this.choices };
    return new WalkState(
      this.hook,
      this.packet,
      probability,
      choices,
      this.trail,
      this.recent,
      this.untracked,
      this.ctDnat,
      this.ctSnat,
      this.assumed,
      this.dnat,
      this.snat,
      this.rejectWith,
    );
  }
}

export class NetfilterEngine implements Netfilter {
  readonly diagnostics: readonly Diagnostic[];
  private readonly chains: ChainLookup;
  /** Per hook, the built-in chain of each of its tables (in HOOK_TABLES order), or null if absent. */
  private readonly bases = new Map<HookName, readonly (EngineChain | null)[]>();

  private readonly ipsets: Ipsets | undefined;

  /** From parsed text, or from a ChainSource whose chains are compiled as walks enter them. */
  constructor(source: Ruleset | ChainSource, options: EngineOptions = {}) {
    const indexed = options.indexed !== false;
    this.ipsets = options.ipsets;
    this.chains = "chain" in source ? sourceChains(source, indexed) : rulesetChains(source, indexed);
    // A ChainSource's list grows as its chains compile, so it is kept, not copied; generated rules test no sets.
    this.diagnostics =
      "chain" in source ? this.chains.diagnostics : [...source.diagnostics, ...ipsetDiagnostics(source, this.ipsets)];
  }

  private basesOf(hook: HookName): readonly (EngineChain | null)[] {
    let bases = this.bases.get(hook);
    if (!bases) this.bases.set(hook, (bases = HOOK_TABLES[hook].map((t) => this.chains.chain(t, hook))));
    return bases;
  }

  runHook(hook: HookName, packet: Packet, ctx: HookContext): HookBranch[] {
    return this.walk(hook, packet, ctx).map(toBranch);
  }

  /**
   * Like runHook, but `from` may be a branch an earlier hook returned: the walk goes on with its
   * probability, choices, events, NAT and conntrack facts, so a multi-hook walk builds no
   * intermediate arrays. ctx.recent replaces the branch's recent sets.
   */
  walk(hook: HookName, from: Packet | WalkBranch, ctx: HookContext): WalkBranch[] {
    const start =
      "hook" in from
        ? new WalkState(
            hook,
            from.packet,
            from.probability,
            from.choices,
            from.trail,
            ctx.recent,
            from.untracked,
            from.ctDnat,
            from.ctSnat,
            from.assumed,
            from.dnat,
            from.snat,
          )
        : new WalkState(
            hook,
            from,
            1,
            null,
            null,
            ctx.recent,
            false,
            ctx.ctNat?.dnat ?? false,
            ctx.ctNat?.snat ?? false,
            null,
          );
    const out: WalkState[] = [];
    new HookWalk(this.basesOf(hook), HOOK_TABLES[hook], this.chains, ctx, out, this.ipsets).tables(0, start);
    return out;
  }
}

class HookWalk {
  constructor(
    private readonly bases: readonly (EngineChain | null)[],
    private readonly order: readonly TableName[],
    private readonly chains: ChainLookup,
    private readonly ctx: HookContext,
    private readonly out: WalkState[],
    private readonly ipsets: Ipsets | undefined,
  ) {}

  /** Runs table `ti` and the ones after it for every branch, depth first. */
  tables(ti: number, st: WalkState): void {
    const table = this.order[ti];
    if (table === undefined) {
      this.out.push(st);
      return;
    }
    const base = this.bases[ti];
    // nat sees only a connection's first packet; an untracked packet is never NATed.
    const skip = !base || (table === "nat" && (this.ctx.ctState !== "NEW" || st.untracked));
    if (skip) {
      this.tables(ti + 1, st);
      return;
    }
    this.walk(new TableRun(ti, table, base), base, 0, base.parts[0]?.start ?? 0, st, null, false);
  }

  /**
   * Walks `chain` from rule `i` of part `pi` until the branch ends in this table (an accepting end
   * continues with the next table). `matched` says that rule already matched (after a fork).
   */
  private walk(
    run: TableRun,
    chain: EngineChain,
    pi: number,
    i: number,
    st: WalkState,
    frame: Frame | null,
    matched: boolean,
  ): void {
    let part: EnginePart | undefined = chain.parts[pi];
    for (;;) {
      if (part !== undefined && !matched && part.index && i < part.end) i = nextCandidate(part.index, i, st.packet);
      if (part === undefined || i >= part.end) {
        if (part !== undefined && pi + 1 < chain.parts.length) {
          part = chain.parts[++pi]!;
          i = part.start;
          continue;
        }
        if (!frame) return this.policy(run, st);
        ({ chain, part: pi, next: i, parent: frame } = frame);
        part = chain.parts[pi];
        continue;
      }
      const rule = part.rules[i]!;
      if (!matched) {
        if (rule.never || !this.pure(rule, st)) {
          i++;
          continue;
        }
        if (rule.stateful.length > 0) {
          const rest = this.stateful(run, chain, pi, i, rule, st, frame);
          if (!rest) return;
          st = rest;
          i++;
          continue;
        }
      }
      matched = false;
      const t = rule.target;
      const ref = part.offset === part.start ? rule.ref : shifted(rule.ref, part.offset + i - part.start + 1);
      switch (t.kind) {
        case "none":
          break;
        case "accept":
          record(st, "accept", ref, st.packet, rule.detail);
          return this.end(run, st, "ACCEPT");
        case "drop":
          record(st, "drop", ref, st.packet, rule.detail);
          return this.end(run, st, "DROP");
        case "reject":
          record(st, "reject", ref, st.packet, rule.detail);
          st.rejectWith = t.rejectWith;
          return this.end(run, st, "REJECT");
        case "return":
          record(st, "return", ref, st.packet, rule.detail);
          if (!frame) return this.policy(run, st);
          ({ chain, part: pi, next: i, parent: frame } = frame);
          part = chain.parts[pi];
          continue;
        case "jump": {
          const to = this.chains.chain(run.table, t.chain);
          // A parsed ruleset marks a jump to a missing chain unsupported; a ChainSource learns it here.
          if (!to) {
            this.chains.missingJump(ref, t.chain);
            i++;
            continue;
          }
          record(st, t.goto ? "goto" : "jump", ref, st.packet, rule.detail);
          if (!t.goto) frame = { chain, part: pi, next: i + 1, parent: frame };
          chain = to;
          pi = 0;
          part = chain.parts[0];
          i = part?.start ?? 0;
          continue;
        }
        case "dnat": {
          const after = { ...st.packet, dst: t.ip, dport: t.port ?? st.packet.dport };
          record(st, "dnat", ref, after, rule.detail || `DNAT to ${ipText(after.dst)}:${after.dport}`);
          st.dnat = { ip: after.dst, port: after.dport };
          st.ctDnat = true;
          return this.end(run, st, "ACCEPT");
        }
        case "snat": {
          const after = { ...st.packet, src: t.ip, sport: t.port ?? st.packet.sport };
          record(
            st,
            "snat",
            ref,
            after,
            `SNAT ` +
              `to ${ipText(after.src)}:${after.sport}${t.randomFully ? " (--random-fully may pick another port)" : ""}`,
          );
          st.snat = { ip: after.src, port: after.sport, masquerade: false };
          st.ctSnat = true;
          return this.end(run, st, "ACCEPT");
        }
        case "masquerade":
          if (!this.masquerade(st, ref, t)) return this.end(run, st, "DROP");
          return this.end(run, st, "ACCEPT");
        case "mark": {
          const mark = ((st.packet.mark & ~t.mask) ^ t.value) >>> 0;
          const after = mark === st.packet.mark ? st.packet : { ...st.packet, mark };
          record(st, "mark", ref, after, `MARK ${t.text}: ${hexText(st.packet.mark)} -> ${hexText(mark)}`);
          break;
        }
        case "log":
          record(st, "log", ref, st.packet, rule.detail);
          break;
        case "ct":
          record(st, t.notrack ? "notrack" : "log", ref, st.packet, rule.detail);
          if (t.notrack) st.untracked = true;
          break;
      }
      i++;
    }
  }

  /**
   * MASQUERADE writes the source the context names (the kernel's pick for the out interface); an
   * assumed or unknown one is recorded as such. False: no address at all, which the kernel drops.
   */
  private masquerade(st: WalkState, ref: RuleRef, t: Extract<CompiledRule["target"], { kind: "masquerade" }>): boolean {
    const iface = this.ctx.outIface ?? "(none)";
    const unknown = this.ctx.outIfaceAddress === undefined ? this.ctx.unknown : undefined;
    const addr = this.ctx.outIfaceAddress ?? unknown?.masqueradeSource;
    const ports = t.randomFully ? " (--random-fully may pick another port)" : "";
    if (unknown)
      assume(st, { kind: "masquerade-source", iface, ...(addr !== undefined ? { ip: addr } : {}), rule: ref });
    if (addr === undefined && unknown) {
      // The source is some address of the node's that the input does not give: rewritten, but to what is not said.
      record(st, "masquerade", ref, st.packet, `MASQUERADE to ${iface}'s address (not given)${ports}`);
      st.ctSnat = true;
      return true;
    }
    if (addr === undefined) {
      record(
        st,
        "drop",
        ref,
        st.packet,
        `MASQUERADE: the node has no address to give (on ${iface} or any other interface), the kernel drops the packet`,
      );
      return false;
    }
    const after = { ...st.packet, src: addr, sport: t.port ?? st.packet.sport };
    record(st, "masquerade", ref, after, `MASQUERADE to ${ipText(addr)}:${after.sport}${ports}`);
    st.snat = { ip: addr, port: after.sport, masquerade: true };
    st.ctSnat = true;
    return true;
  }

  private pure(rule: CompiledRule, st: WalkState): boolean {
    const p = st.packet;
    if (((p.src & rule.srcMask) >>> 0 === rule.srcNet) === rule.srcNeg) return false;
    if (((p.dst & rule.dstMask) >>> 0 === rule.dstNet) === rule.dstNeg) return false;
    if (rule.proto !== null && (p.proto === rule.proto) === rule.protoNeg) return false;
    if (p.dport < rule.dportLo || p.dport > rule.dportHi) return false;
    const tests = rule.tests;
    for (let k = 0; k < tests.length; k++) if (!tests[k]!(st.packet, st, this.ctx)) return false;
    return true;
  }

  /**
   * Evaluates statistic/recent matches in order. Branches where the rule matched are walked to
   * their end here (matched first); returns the branch where it did not match, if any, for the
   * caller to continue with the next rule.
   */
  private stateful(
    run: TableRun,
    chain: EngineChain,
    pi: number,
    i: number,
    rule: CompiledRule,
    st: WalkState,
    frame: Frame | null,
  ): WalkState | null {
    const unmatched: WalkState[] = [];
    this.statefulFrom(0, run, chain, pi, i, rule, st, frame, unmatched);
    if (unmatched.length <= 1) return unmatched[0] ?? null;
    for (const u of unmatched) this.walk(run, chain, pi, i + 1, u, frame, false);
    return null;
  }

  private statefulFrom(
    k: number,
    run: TableRun,
    chain: EngineChain,
    pi: number,
    i: number,
    rule: CompiledRule,
    st: WalkState,
    frame: Frame | null,
    unmatched: WalkState[],
  ): void {
    const part = chain.parts[pi]!;
    for (; k < rule.stateful.length; k++) {
      const m = rule.stateful[k]!;
      if (m.kind === "statistic") {
        const p = m.probability;
        if (p <= 0) {
          unmatched.push(st);
          return;
        }
        if (p < 1) {
          const where =
            part.offset === part.start
              ? null
              : `${rule.ref.chain} #${part.offset + i - part.start + 1} statistic ${m.text}`;
          const hit = st.fork(st.probability * p, where ? `${where} matched` : m.matched);
          this.statefulFrom(k + 1, run, chain, pi, i, rule, hit, frame, unmatched);
          st.probability *= 1 - p;
          st.choices = { head: where ? `${where} did not match` : m.missed, tail: st.choices };
          unmatched.push(st);
          return;
        }
        continue;
      }
      if (m.kind === "set") {
        const held = setHolds(this.ipsets, m.name, m, st.packet, this.ctx);
        if (held === undefined) {
          const index = part.offset === part.start ? rule.ref.index : part.offset + i - part.start + 1;
          st.choices = { head: assumedChoice(m, this.ipsets, `${rule.ref.chain} #${index}`), tail: st.choices };
        }
        if ((held ?? false) === m.neg) {
          unmatched.push(st);
          return;
        }
        continue;
      }
      const key = recentKey(m, st.packet);
      const present = st.recent.get(m.name)?.has(key) ?? false;
      const ref = part.offset === part.start ? rule.ref : shifted(rule.ref, part.offset + i - part.start + 1);
      if (m.mode === "set") {
        if (!present) st.recent = recentWith(st.recent, m.name, key, true);
        record(st, "affinity", ref, st.packet, `recent ${m.name} --set: remember ${ipText(key)}`);
      } else if (m.mode === "remove" && present) {
        st.recent = recentWith(st.recent, m.name, key, false);
        record(st, "affinity", ref, st.packet, `recent ${m.name} --remove: forget ${ipText(key)}`);
      }
      if ((m.mode === "set" || present) === m.neg) {
        unmatched.push(st);
        return;
      }
    }
    this.walk(run, chain, pi, i, st, frame, true);
  }

  private policy(run: TableRun, st: WalkState): void {
    const base = run.base;
    const verdict = base.policy === "DROP" ? "DROP" : "ACCEPT";
    record(st, "policy", base.policyRef, st.packet, `${base.name} policy ${verdict}`);
    this.end(run, st, verdict);
  }

  /** The branch is done with this table: an accept moves on to the next table of the hook. */
  private end(run: TableRun, st: WalkState, verdict: Verdict): void {
    if (verdict === "ACCEPT") this.tables(run.ti + 1, st);
    else {
      st.verdict = verdict;
      this.out.push(st);
    }
  }
}

class TableRun {
  constructor(
    readonly ti: number,
    readonly table: TableName,
    readonly base: EngineChain,
  ) {}
}

/** A shared rule's reference at another position of its chain. */
function shifted(ref: RuleRef, index: number): RuleRef {
  return { ...ref, index };
}

function record(st: WalkState, kind: NetfilterEvent["kind"], rule: RuleRef, after: Packet, detail: string): void {
  st.trail = { event: { kind, rule, before: st.packet, after, detail }, hook: st.hook, tail: st.trail };
  st.packet = after;
}

export function listOf<T>(list: Cons<T> | null): T[] {
  const out: T[] = [];
  for (let c = list; c; c = c.tail) out.push(c.head);
  return out.reverse();
}

/** A branch's assumptions, oldest first, each once. */
export function assumptionsOf(b: CtView): Assumption[] {
  const out: Assumption[] = [];
  const seen = new Set<string>();
  for (let a = b.assumed; a; a = a.tail) {
    const key = JSON.stringify(a.head);
    if (!seen.has(key)) {
      seen.add(key);
      out.push(a.head);
    }
  }
  return out.reverse();
}

/** The events of this hook only, oldest first. */
function hookEvents(b: WalkBranch): NetfilterEvent[] {
  const out: NetfilterEvent[] = [];
  for (let t = b.trail; t && t.hook === b.hook; t = t.tail) out.push(t.event);
  return out.reverse();
}

function toBranch(b: WalkBranch): HookBranch {
  const out: HookBranch = {
    probability: b.probability,
    choices: listOf(b.choices),
    verdict: b.verdict,
    packet: b.packet,
    events: hookEvents(b),
    recent: b.recent,
    assumptions: assumptionsOf(b),
  };
  if (b.rejectWith !== null) out.rejectWith = b.rejectWith;
  if (b.dnat) out.dnat = b.dnat;
  if (b.snat) out.snat = b.snat;
  return out;
}
