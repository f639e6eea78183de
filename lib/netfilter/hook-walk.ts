// One hook's walk through its tables, as the kernel does: each table from its built-in chain, with
// jumps, gotos, RETURN and policies. A `statistic` rule forks the walk (matched branch first). The
// walk is a loop, never a recursion: the call stack is a linked list of frames and the branches
// still to walk are a stack of tasks, so neither 5,000 nested jumps nor 100,000 statistic rules can
// overflow JavaScript's stack. Branches that become equivalent are merged (walk-merge.ts), and the
// work is bounded: a walk that visits too many rules or keeps too many branches is refused.
import type { Ipsets } from "../model/ipset.ts";
import type { RuleRef, TableName } from "../model/ruleset.ts";
import { nextCandidate } from "./chain-index.ts";
import { assume, type CompiledRule, recentKey, recentWith } from "./compile.ts";
import type { ChainLookup, EngineChain, EnginePart } from "./engine-chains.ts";
import type { HookContext, HookName, Verdict } from "./hooks.ts";
import { assumedChoice, setHolds } from "./ipset-match.ts";
import { hexText, ipText } from "./text-cache.ts";
import { WalkMerger } from "./walk-merge.ts";
import { type Frame, missed, record, shifted, type WalkState } from "./walk-state.ts";
import { NetfilterWorkError, WALK_LIMITS } from "./work-limits.ts";

/** A branch waiting to be walked from rule `i` of part `pi` of `chain` in table walk `ti`. */
interface Task {
  ti: number;
  chain: EngineChain;
  pi: number;
  i: number;
  st: WalkState;
  frame: Frame | null;
}

export class HookWalk {
  private readonly pending: Task[] = [];
  private readonly merger: WalkMerger | null;
  private visits = 0;
  /** The statistic rule that forked last, where a walk with too many branches is said to stop. */
  private lastFork: RuleRef | undefined;

  constructor(
    private readonly bases: readonly (EngineChain | null)[],
    private readonly order: readonly TableName[],
    private readonly chains: ChainLookup,
    private readonly ctx: HookContext,
    private readonly out: WalkState[],
    private readonly ipsets: Ipsets | undefined,
    private readonly hook: HookName,
    private readonly ruleset: string,
    merge: boolean,
  ) {
    this.merger = merge ? new WalkMerger() : null;
  }

  /** Walks the branch and every branch it forks into, depth first, matched before unmatched. */
  run(start: WalkState): void {
    let task = this.enter(0, start);
    for (;;) {
      if (task) this.walk(task);
      const next = this.pending.pop();
      if (!next) return;
      this.merger?.resume(this.pending.length, this.out.length);
      task = this.arrive(next.ti, next.chain, next.pi, next.i, next.frame, next.st) ? null : next;
    }
  }

  /** The first table from `ti` on that sees the branch, or null when the branch is done (and kept). */
  private enter(ti: number, st: WalkState): Task | null {
    for (; ti < this.order.length; ti++) {
      const base = this.bases[ti];
      // nat sees only a connection's first packet; an untracked packet is never NATed.
      const skip = !base || (this.order[ti] === "nat" && (this.ctx.ctState !== "NEW" || st.untracked));
      if (!skip) return { ti, chain: base, pi: 0, i: base.parts[0]?.start ?? 0, st, frame: null };
    }
    this.finish(st);
    return null;
  }

  private finish(st: WalkState): void {
    this.out.push(st);
    this.merger?.finished(st);
    if (this.out.length + this.pending.length > WALK_LIMITS.branches) throw this.tooMuch("branches", this.lastFork);
  }

  private tooMuch(what: "visits" | "branches", at: RuleRef | undefined): NetfilterWorkError {
    return new NetfilterWorkError(what, this.hook, this.ruleset, at);
  }

  /** True when the branch merged into an equivalent one that got here first, so it ends here. */
  private arrive(ti: number, chain: EngineChain, pi: number, i: number, frame: Frame | null, st: WalkState): boolean {
    return this.merger?.arrive(ti, chain, pi, i, frame, st, this.out, this.pending.length) ?? false;
  }

  /** Walks one branch until it ends; the branches it forks off are queued. */
  private walk(task: Task): void {
    let { ti, chain, pi, i, st, frame } = task;
    let table = this.order[ti]!;
    let part: EnginePart | undefined = chain.parts[pi];
    // Merging only pays once the walk has forked; before that every point is reached once.
    let check = false;
    for (;;) {
      if (check && this.arrive(ti, chain, pi, i, frame, st)) return;
      check = false;
      if (part?.index && i < part.end) i = nextCandidate(part.index, i, st.packet);
      if (part === undefined || i >= part.end) {
        if (part !== undefined && pi + 1 < chain.parts.length) {
          part = chain.parts[++pi]!;
          i = part.start;
          continue;
        }
        if (!frame) {
          const next = this.policy(ti, st);
          if (!next) return;
          ({ ti, chain, pi, i, st, frame } = next);
          table = this.order[ti]!;
          part = chain.parts[pi];
          continue;
        }
        ({ chain, part: pi, next: i, parent: frame } = frame);
        part = chain.parts[pi];
        check = this.pending.length > 0 || this.out.length > 0;
        continue;
      }
      const rule = part.rules[i]!;
      if (++this.visits > WALK_LIMITS.visits) throw this.tooMuch("visits", rule.ref);
      if (rule.never || !this.pure(rule, st)) {
        i++;
        continue;
      }
      if (rule.stateful.length > 0) {
        // Whether a rule that does nothing matched changes nothing: no fork, nothing to merge.
        if (inert(rule)) {
          i++;
          continue;
        }
        const hit = this.stateful(ti, chain, pi, i, part, rule, st, frame);
        if (hit === ENDED) return;
        check = this.pending.length > 0 || this.out.length > 0;
        if (hit === null) {
          i++;
          continue;
        }
        st = hit;
      }
      const t = rule.target;
      const ref = part.offset === part.start ? rule.ref : shifted(rule.ref, part.offset + i - part.start + 1);
      let verdict: Verdict | null = null;
      switch (t.kind) {
        case "none":
          break;
        case "accept":
          record(st, "accept", ref, st.packet, rule.detail);
          verdict = "ACCEPT";
          break;
        case "drop":
          record(st, "drop", ref, st.packet, rule.detail);
          verdict = "DROP";
          break;
        case "reject":
          record(st, "reject", ref, st.packet, rule.detail);
          st.rejectWith = t.rejectWith;
          verdict = "REJECT";
          break;
        case "return":
          record(st, "return", ref, st.packet, rule.detail);
          if (!frame) {
            const next = this.policy(ti, st);
            if (!next) return;
            ({ ti, chain, pi, i, st, frame } = next);
            table = this.order[ti]!;
            part = chain.parts[pi];
            continue;
          }
          ({ chain, part: pi, next: i, parent: frame } = frame);
          part = chain.parts[pi];
          check = this.pending.length > 0 || this.out.length > 0;
          continue;
        case "jump": {
          const to = this.chains.chain(table, t.chain);
          // A parsed ruleset marks a jump to a missing chain unsupported; a ChainSource learns it here.
          if (!to) {
            this.chains.missingJump(ref, t.chain);
            i++;
            continue;
          }
          record(st, t.goto ? "goto" : "jump", ref, st.packet, rule.detail);
          // Branches meet where they come back to this chain, not at the top of the one they jump to.
          check = false;
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
          verdict = "ACCEPT";
          break;
        }
        case "snat": {
          const after = { ...st.packet, src: t.ip, sport: t.port ?? st.packet.sport };
          const ports = t.randomFully ? " (--random-fully may pick another port)" : "";
          record(st, "snat", ref, after, `SNAT to ${ipText(after.src)}:${after.sport}${ports}`);
          st.snat = { ip: after.src, port: after.sport, masquerade: false };
          st.ctSnat = true;
          verdict = "ACCEPT";
          break;
        }
        case "masquerade":
          verdict = this.masquerade(st, ref, t) ? "ACCEPT" : "DROP";
          break;
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
      if (verdict === null) {
        i++;
        continue;
      }
      check = false;
      const next = this.end(ti, st, verdict);
      if (!next) return;
      ({ ti, chain, pi, i, st, frame } = next);
      table = this.order[ti]!;
      part = chain.parts[pi];
    }
  }

  /** The branch fell off the end of a built-in chain: its policy decides. */
  private policy(ti: number, st: WalkState): Task | null {
    const base = this.bases[ti]!;
    const verdict = base.policy === "DROP" ? "DROP" : "ACCEPT";
    record(st, "policy", base.policyRef, st.packet, `${base.name} policy ${verdict}`);
    return this.end(ti, st, verdict);
  }

  /** The branch is done with this table: an accept moves on to the next table of the hook. */
  private end(ti: number, st: WalkState, verdict: Verdict): Task | null {
    if (verdict === "ACCEPT") return this.enter(ti + 1, st);
    st.verdict = verdict;
    this.finish(st);
    return null;
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
   * A matched branch that a later match of the rule turns down goes on at the next rule, after the
   * unmatched branches forked before it (it was forked last, so it is queued last).
   */
  private unmatched(
    st: WalkState,
    original: WalkState,
    ti: number,
    chain: EngineChain,
    pi: number,
    i: number,
    frame: Frame | null,
  ): null | typeof ENDED {
    if (st === original) return null;
    this.pending.push({ ti, chain, pi, i, st, frame });
    return ENDED;
  }

  /**
   * Evaluates statistic, set and recent matches in order. A statistic match forks: the unmatched
   * branch is queued to go on at the next rule, the matched one goes on with the next match.
   * Returns the branch for which every match matched, or null when the one in hand did not match
   * (it goes on with the next rule, after the matched ones: they are walked first).
   */
  private stateful(
    ti: number,
    chain: EngineChain,
    pi: number,
    i: number,
    part: EnginePart,
    rule: CompiledRule,
    st: WalkState,
    frame: Frame | null,
  ): WalkState | null | typeof ENDED {
    const original = st;
    const index = part.offset === part.start ? rule.ref.index : part.offset + i - part.start + 1;
    for (const m of rule.stateful) {
      if (m.kind === "statistic") {
        const p = m.probability;
        if (p <= 0) return this.unmatched(st, original, ti, chain, pi, i + 1, frame);
        if (p >= 1) continue;
        const where = part.offset === part.start ? null : `${rule.ref.chain} #${index} statistic ${m.text}`;
        const hit = st.fork(st.probability * p, where ? `${where} matched` : m.matched);
        this.lastFork = rule.ref;
        st.probability *= 1 - p;
        missed(st, rule.ref.chain, index, where ? `${where} did not match` : m.missed);
        this.pending.push({ ti, chain, pi, i: i + 1, st, frame });
        st = hit;
        continue;
      }
      if (m.kind === "set") {
        const held = setHolds(this.ipsets, m.name, m, st.packet, this.ctx);
        if (held === undefined)
          st.choices = { head: assumedChoice(m, this.ipsets, `${rule.ref.chain} #${index}`), tail: st.choices };
        if ((held ?? false) === m.neg) return this.unmatched(st, original, ti, chain, pi, i + 1, frame);
        continue;
      }
      const key = recentKey(m, st.packet);
      const present = st.recent.get(m.name)?.has(key) ?? false;
      const ref = part.offset === part.start ? rule.ref : shifted(rule.ref, index);
      if (m.mode === "set") {
        if (!present) st.recent = recentWith(st.recent, m.name, key, true);
        record(st, "affinity", ref, st.packet, `recent ${m.name} --set: remember ${ipText(key)}`);
      } else if (m.mode === "remove" && present) {
        st.recent = recentWith(st.recent, m.name, key, false);
        record(st, "affinity", ref, st.packet, `recent ${m.name} --remove: forget ${ipText(key)}`);
      }
      if ((m.mode === "set" || present) === m.neg) return this.unmatched(st, original, ti, chain, pi, i + 1, frame);
    }
    return st;
  }
}

/** The branch in hand is done; what is left of it was queued. */
const ENDED = Symbol("ended");

/** A rule with no target and nothing to remember (`recent --set`): matched or not, nothing changes. */
function inert(rule: CompiledRule): boolean {
  return rule.target.kind === "none" && !rule.stateful.some((m) => m.kind === "recent");
}
