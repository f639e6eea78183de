// One hook's walk through its base chains, as the kernel runs them: an accept ends one base chain
// and the next runs, a drop or reject ends the hook. nat chains see only a connection's first
// packet, and once a NAT statement has mapped the connection no later nat chain of the hook runs
// (nf_nat_inet_fn), as in the iptables engine. `numgen random mod N` forks the walk, one branch per
// value with probability 1/N. Verdict maps record the element that decided.
//
// The walk is a loop, never a recursion: the call stack is a list of frames and the branches put
// aside wait in a queue ordered by where they stand, so the walk always moves the branch that is
// furthest behind. A walk only moves forward in that order, so when a branch reaches a rule where
// branches may meet (back from a jump, after a numgen rule, at a base chain's start), every branch
// that could still get there already has: equivalent ones (same place, same packet and marks,
// conntrack, NAT and deciding rules) become one, with their probabilities summed, and a chain of
// 2,000 numgen rules whose choices come back together keeps two branches, not 2^2000. The work is
// bounded as the iptables walk's is (WALK_LIMITS), and branches are answered in numgen's order.
import type { Packet } from "../../model/packet.ts";
import type { RuleRef } from "../../model/ruleset.ts";
import type { HookContext, HookName, NetfilterEvent, Verdict } from "../hooks.ts";
import { hexText, ipText } from "../text-cache.ts";
import { NetfilterWorkError, WALK_LIMITS } from "../work-limits.ts";
import { appended, type Branch, frameOf, pop, sortFrom } from "./branch.ts";
import { NFT_JUMP_STACK_SIZE } from "./jump-depth.ts";
import { cmpHolds } from "./compare.ts";
import { type Base, decides } from "./hook-run.ts";
import type { Expr, NftRule, NftVerdict } from "./model.ts";
import { assumedBy, selectorValues } from "./packet-fields.ts";
import { testedText } from "./selectors.ts";
import { dynamicKey, setHas } from "./sets.ts";
import { ruleTest } from "./rule-tests.ts";
import { elementText, numgenChoice } from "./walk-texts.ts";
import { Waiting } from "./waiting.ts";

/** What running one expression leads to: on to the next expression or rule, or the branch was moved or is done. */
const ON = 0;
const NEXT = 1;
const MOVED = 2;
const DONE = 3;
type Step = typeof ON | typeof NEXT | typeof MOVED | typeof DONE;

/**
 * One hook's walk. An engine keeps the walks it made and runs them again (a node's walk runs one per
 * hook and way its branches go): each run starts from nothing but the rule set's name.
 */
export class HookWalk {
  private readonly waiting = new Waiting();
  private out: Branch[] = [];
  private visits = 0;
  /** Where the current start's branches begin in `out`. */
  private from = 0;
  /** The numgen rule that forked last, where a walk with too many branches is said to stop. */
  private lastFork: RuleRef | undefined;
  private hook: HookName = "PREROUTING";
  private bases: readonly Base[] = [];
  private ctx!: HookContext;
  private policyAccepts = true;

  constructor(private readonly ruleset: string) {}

  /**
   * The branches the walk ends with: each start's in turn, and those of one start in numgen's order
   * (lowest value first at every fork). Each start is walked to its end before the next begins, so
   * branches of different starts never meet, and each start has the limits a walk of its own has.
   */
  run(
    hook: HookName,
    bases: readonly Base[],
    ctx: HookContext,
    policyAccepts: boolean,
    starts: readonly Branch[],
  ): Branch[] {
    this.hook = hook;
    this.bases = bases;
    this.ctx = ctx;
    this.policyAccepts = policyAccepts;
    this.waiting.clear();
    this.out = [];
    for (let i = 0; i < starts.length; i++) {
      const start = starts[i]!;
      const from = this.out.length;
      this.from = from;
      this.visits = 0;
      this.lastFork = undefined;
      let b: Branch | undefined = this.enter(start, 0) ? start : undefined;
      for (;;) {
        if (b) this.walk(b);
        b = this.waiting.next();
        if (!b) break;
      }
      // Most hooks of a node's walk end with the one branch they were given.
      if (this.out.length - from > 1) sortFrom(this.out, from);
    }
    return this.out;
  }

  /** Runs base chains from `bi` on: true when one takes the branch, false when it is done (and kept). */
  private enter(b: Branch, bi: number): boolean {
    for (; bi < this.bases.length; bi++) {
      const base = this.bases[bi]!;
      if (base.hook.type === "nat" && (this.ctx.ctState !== "NEW" || b.untracked || this.natDone(b))) continue;
      b.bi = bi;
      b.chain = base.chain;
      b.ri = 0;
      b.k = 0;
      b.stack = null;
      b.meet = true;
      return true;
    }
    this.finish(b);
    return false;
  }

  private natDone(b: Branch): boolean {
    return this.hook === "PREROUTING" || this.hook === "OUTPUT" ? b.dnat !== undefined : b.snat !== undefined;
  }

  private finish(b: Branch): void {
    // Most hooks of a node's walk end with the one branch they were given: an array of one, made
    // whole, rather than an empty one whose first push makes room for 17.
    if (this.out.length === 0) this.out = [b];
    else this.out.push(b);
    this.bound();
  }

  private bound(): void {
    if (this.out.length - this.from + this.waiting.size > WALK_LIMITS.branches)
      throw new NetfilterWorkError("branches", this.hook, this.ruleset, this.lastFork);
  }

  private ref(b: Branch, rule: NftRule): RuleRef {
    const base = this.bases[b.bi]!;
    const refs = (rule.refs ??= []);
    let ref = refs[base.id];
    if (!ref) {
      const nft = { family: base.table.family, table: base.table.name };
      ref = { table: base.kind, chain: rule.chain, index: rule.index, text: rule.text, line: rule.line, nft };
      refs[base.id] = ref;
    }
    return ref;
  }

  private record(
    b: Branch,
    kind: NetfilterEvent["kind"],
    rule: RuleRef,
    after: Packet,
    detail: string,
    element?: NetfilterEvent["element"],
    to?: string,
  ): void {
    // Each shape made whole by one literal (in the order the fields are printed): an event given a
    // field later would need a second allocation, and this runs for every event of every packet.
    const before = b.packet;
    const event: NetfilterEvent = element
      ? to !== undefined
        ? { kind, rule, before, after, detail, element, to }
        : { kind, rule, before, after, detail, element }
      : to !== undefined
        ? { kind, rule, before, after, detail, to }
        : { kind, rule, before, after, detail };
    b.events.push({ hook: this.hook, event });
    b.packet = after;
    if (decides(kind)) this.decide(b, rule);
  }

  private decide(b: Branch, rule: RuleRef): void {
    // Deciding rules tell apart branches that meet, and every branch of a hook's walk comes from the
    // one it started with: what was decided before the first fork is the same for all of them, so
    // it is not kept (most hooks of a node's walk never fork, and keep nothing).
    if (this.lastFork === undefined) return;
    b.decided = { head: rule, tail: b.decided };
    b.decisions++;
  }

  private end(b: Branch, verdict: Verdict): Step {
    b.verdict = verdict;
    this.finish(b);
    return DONE;
  }

  /** Walks the branch until it is done or waits for one further behind; the branches it forks are queued. */
  private walk(b: Branch): void {
    for (;;) {
      if (b.meet && this.waiting.behind(b)) return;
      const rule = b.chain!.rules[b.ri];
      if (!rule) {
        if (pop(b)) {
          b.meet = true;
          continue;
        }
        if (this.policy(b) === DONE) return;
        continue;
      }
      if (++this.visits > WALK_LIMITS.visits)
        throw new NetfilterWorkError("visits", this.hook, this.ruleset, this.ref(b, rule));
      const step = rule.unreadable ? NEXT : this.rule(b, rule);
      if (step === DONE) return;
      if (step === NEXT) {
        b.ri++;
        b.k = 0;
        if (rule.draws) b.meet = true;
      }
    }
  }

  private policy(b: Branch): Step {
    const base = this.bases[b.bi]!;
    if (base.hook.policy === "drop" || this.policyAccepts)
      this.record(b, "policy", base.policyRef, b.packet, base.policyDetail);
    else this.decide(b, base.policyRef);
    if (base.hook.policy === "drop") return this.end(b, "DROP");
    return this.enter(b, b.bi + 1) ? MOVED : DONE;
  }

  /** Runs the rule's expressions from b.k: the next rule, the branch moved, or done. */
  private rule(b: Branch, rule: NftRule): Step {
    const exprs = rule.exprs;
    let k = b.k;
    if (k === 0) {
      // Its leading tests in one call (rule-tests.ts), made the first time any walk comes here.
      let test = rule.test;
      if (test === undefined) test = rule.test = ruleTest(rule, this.bases[b.bi]!.table);
      if (test !== null) {
        if (!test.holds(b, this.ctx)) return NEXT;
        k = test.count;
      }
    }
    for (; k < exprs.length; k++) {
      const e = exprs[k]!;
      if (rule.draws && b.drawn === undefined && (e.kind === "cmp" || e.kind === "lookup" || e.kind === "vmap")) {
        const ng = e.sel.draw;
        if (ng) this.fork(b, rule, k, ng.mod, ng.offset);
      }
      const step = this.expr(b, rule, e);
      b.drawn = undefined;
      if (step !== ON) return step;
    }
    return NEXT;
  }

  /** numgen: the branch in hand draws the lowest value, one branch per other value waits at this expression. */
  private fork(b: Branch, rule: NftRule, k: number, mod: number, offset: number): void {
    b.k = k;
    this.lastFork = this.ref(b, rule);
    const share = b.probability / mod;
    for (let v = 1; v < mod; v++) {
      const child = b.fork(share, numgenChoice(rule, mod, v), v);
      child.drawn = v + offset;
      this.waiting.push(child);
    }
    b.probability = share;
    b.choices = { head: numgenChoice(rule, mod, 0), tail: b.choices };
    b.path = appended(b.path, 0);
    b.drawn = offset;
    this.bound();
  }

  private expr(b: Branch, rule: NftRule, e: Expr): Step {
    if (
      rule.asks &&
      this.ctx.unknown &&
      (e.kind === "cmp" || e.kind === "lookup" || e.kind === "vmap") &&
      e.sel.asksNode
    ) {
      const assumed = assumedBy(e.sel, b, this.ctx, this.hook, this.ref(b, rule), testedText(e));
      if (assumed.length > 0) b.assumptions = b.assumptions.concat(assumed);
    }
    switch (e.kind) {
      case "cmp":
        return cmpHolds(e, b, this.ctx) ? ON : NEXT;
      case "lookup": {
        const vals = selectorValues(e.sel, b, this.ctx);
        const held = vals !== undefined && setHas(this.bases[b.bi]!.table, b, e.set, vals) !== undefined;
        return held !== e.neg && vals !== undefined ? ON : NEXT;
      }
      case "vmap": {
        const vals = selectorValues(e.sel, b, this.ctx);
        const el = vals && setHas(this.bases[b.bi]!.table, b, e.map, vals);
        if (!el?.verdict) return NEXT;
        const t = elementText(e.map.kind === "named" ? `@${e.map.name}` : "{ ... }", el);
        return this.verdict(b, rule, el.verdict, t.detail, t.element);
      }
      case "verdict":
        return this.verdict(b, rule, e.verdict, rule.text);
      case "dnat": {
        const fixed = e.fixed;
        const to = fixed ? fixed.to : { ip: e.ip, port: b.packet.dport };
        const after = { ...b.packet, dst: to.ip, dport: to.port };
        this.record(b, "dnat", this.ref(b, rule), after, fixed ? fixed.detail : `DNAT to ${ipText(to.ip)}:${to.port}`);
        b.dnat = to;
        b.ctDnat = true;
        return this.enter(b, b.bi + 1) ? MOVED : DONE;
      }
      case "snat": {
        const after = { ...b.packet, src: e.ip, sport: e.port ?? b.packet.sport };
        const detail = e.fixed ? e.fixed.detail : `SNAT to ${ipText(after.src)}:${after.sport}`;
        this.record(b, "snat", this.ref(b, rule), after, detail);
        b.snat = { ip: after.src, port: after.sport, masquerade: false };
        b.ctSnat = true;
        return this.enter(b, b.bi + 1) ? MOVED : DONE;
      }
      case "masquerade":
        return this.masquerade(b, rule, e);
      case "setmark": {
        const mark = ((b.packet.mark & e.and) ^ e.xor) >>> 0;
        const after = mark === b.packet.mark ? b.packet : { ...b.packet, mark };
        this.record(b, "mark", this.ref(b, rule), after, `${e.text}: ${hexText(b.packet.mark)} -> ${hexText(mark)}`);
        return ON;
      }
      case "setupdate": {
        const vals = selectorValues(e.sel, b, this.ctx);
        const ip = vals?.[0];
        if (vals?.length !== 1 || typeof ip !== "number") return ON;
        const key = dynamicKey(this.bases[b.bi]!.table, e.set);
        const next = new Map(b.recent);
        next.set(key, new Set([...(b.recent.get(key) ?? []), ip]));
        b.recent = next;
        this.record(b, "affinity", this.ref(b, rule), b.packet, `${e.op} @${e.set}: remember ${ipText(ip)}`);
        return ON;
      }
      case "notrack":
        b.untracked = true;
        this.record(b, "notrack", this.ref(b, rule), b.packet, rule.text);
        return ON;
      case "note":
        return ON;
    }
  }

  private verdict(b: Branch, rule: NftRule, v: NftVerdict, detail: string, element?: NetfilterEvent["element"]): Step {
    const ref = this.ref(b, rule);
    // The trace names the chain a jump went to and the map element that gave the verdict.
    switch (v.kind) {
      case "continue":
        return NEXT;
      case "accept":
        this.record(b, "accept", ref, b.packet, detail, element);
        return this.enter(b, b.bi + 1) ? MOVED : DONE;
      case "drop":
        this.record(b, "drop", ref, b.packet, detail, element);
        return this.end(b, "DROP");
      case "reject":
        this.record(b, "reject", ref, b.packet, detail, element);
        b.rejectWith = v.with;
        return this.end(b, "REJECT");
      case "return":
        this.record(b, "return", ref, b.packet, detail);
        if (!pop(b)) return this.policy(b);
        b.meet = true;
        return MOVED;
      case "jump":
      case "goto": {
        // A verdict belongs to one table, whose chains are fixed once read: looked up by name once.
        let to = v.target;
        if (to === undefined) to = v.target = this.bases[b.bi]!.table.chains.get(v.chain) ?? null;
        const parent = b.stack;
        const depth = (parent?.depth ?? 0) + 1;
        // jump-depth.ts reports and disables a jump nft would refuse as too deep; this never lets one through.
        if (!to || depth >= NFT_JUMP_STACK_SIZE) return NEXT;
        this.record(b, v.kind, ref, b.packet, detail, element, v.chain);
        b.stack = frameOf(rule, b.chain!, b.ri, b.k, v.kind === "goto", parent);
        b.chain = to;
        b.ri = 0;
        b.k = 0;
        return MOVED;
      }
    }
  }

  /** masquerade writes the source the context names; none known and none assumed: the kernel drops. */
  private masquerade(b: Branch, rule: NftRule, e: Extract<Expr, { kind: "masquerade" }>): Step {
    const ref = this.ref(b, rule);
    const iface = this.ctx.outIface ?? "(none)";
    const addr = this.ctx.outIfaceAddress ?? this.ctx.unknown?.masqueradeSource;
    const ports = e.fullyRandom ? " (fully-random may pick another port)" : "";
    if (this.ctx.outIfaceAddress === undefined && this.ctx.unknown)
      b.assumptions = [
        ...b.assumptions,
        { kind: "masquerade-source", iface, ...(addr !== undefined ? { ip: addr } : {}), rule: ref },
      ];
    if (addr === undefined && !this.ctx.unknown) {
      const detail = `masquerade: the node has no address to give on ${iface}, the kernel drops the packet`;
      this.record(b, "drop", ref, b.packet, detail);
      return this.end(b, "DROP");
    }
    b.ctSnat = true;
    if (addr === undefined) {
      this.record(b, "masquerade", ref, b.packet, `masquerade to ${iface}'s address (not given)${ports}`);
      b.snat = { ip: b.packet.src, port: b.packet.sport, masquerade: true };
    } else {
      const after = { ...b.packet, src: addr, sport: e.port ?? b.packet.sport };
      this.record(b, "masquerade", ref, after, `masquerade to ${ipText(addr)}:${after.sport}${ports}`);
      b.snat = { ip: addr, port: after.sport, masquerade: true };
    }
    return this.enter(b, b.bi + 1) ? MOVED : DONE;
  }
}
