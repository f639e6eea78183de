// A branch of a netfilter walk while it is under way: the packet, its probability, the choices and
// events that explain it, and the conntrack and NAT facts later rules and hooks read. Lists are
// immutable and newest first, so forks share their past.
import type { Packet } from "../model/packet.ts";
import type { RuleRef } from "../model/ruleset.ts";
import type { Assumed, CtView } from "./compile.ts";
import type { EngineChain } from "./engine-chains.ts";
import type { HookName, NetfilterEvent, RecentSets, Verdict } from "./hooks.ts";

export interface Cons<T> {
  readonly head: T;
  readonly tail: Cons<T> | null;
}

/** Where a jump returns to: the walk's call stack as a linked list, shared by forks. */
export interface Frame {
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
export class WalkState implements WalkBranch {
  verdict: Verdict = "ACCEPT";
  /** The rules of this hook that decided something (NAT, a verdict, notrack), for telling branches apart. */
  decided = "";
  /** How many other ways through earlier statistic rules were merged into this branch (see walk-merge.ts). */
  merged = 0;
  /** The statistic rules of one chain that did not match in a row, ending at `choices` (see missed). */
  misses: MissRun | null = null;
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
    const copy = new WalkState(
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
    copy.decided = this.decided;
    copy.misses = this.misses;
    return copy;
  }
}

/** Events that decide where the packet goes or what it becomes; jumps, returns, logs and marks only lead there. */
const DECIDING: ReadonlySet<NetfilterEvent["kind"]> = new Set([
  "accept",
  "drop",
  "reject",
  "dnat",
  "snat",
  "masquerade",
  "policy",
  "notrack",
]);

export function record(
  st: WalkState,
  kind: NetfilterEvent["kind"],
  rule: RuleRef,
  after: Packet,
  detail: string,
): void {
  st.trail = { event: { kind, rule, before: st.packet, after, detail }, hook: st.hook, tail: st.trail };
  st.packet = after;
  if (DECIDING.has(kind)) st.decided += `${rule.table} ${rule.chain} ${rule.index};`;
}

/** A shared rule's reference at another position of its chain. */
export function shifted(ref: RuleRef, index: number): RuleRef {
  return { ...ref, index };
}

interface MissRun {
  readonly chain: string;
  readonly first: number;
  readonly last: number;
  readonly count: number;
  /** The choices before the run. */
  readonly before: Cons<string> | null;
  /** The run's newest choice: the run goes on only while it is the branch's newest. */
  readonly head: Cons<string>;
}

/**
 * Past this many statistic rules of one chain that did not match in a row, a branch's choices name
 * them as one range: a chain of 100,000 statistic rules would otherwise give its last branch
 * 100,000 choices, and all its branches together billions.
 */
export const MISS_RUN_LIMIT = 64;

/** The branch went past statistic rule `index` of `chain`, which did not match. */
export function missed(st: WalkState, chain: string, index: number, text: string): void {
  const run = st.misses;
  const goesOn = run !== null && run.head === st.choices && run.chain === chain && run.last < index;
  const first = goesOn ? run.first : index;
  const count = goesOn ? run.count + 1 : 1;
  const before = goesOn ? run.before : st.choices;
  const head =
    count > MISS_RUN_LIMIT
      ? { head: `${chain} #${first} to #${index}: ${count} statistic rules did not match`, tail: before }
      : { head: text, tail: st.choices };
  st.choices = head;
  st.misses = { chain, first, last: index, count, before, head };
}
