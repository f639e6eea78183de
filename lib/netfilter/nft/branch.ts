// One branch of a hook's walk through nft rules: where it is (base chain, chain, rule, expression,
// call stack) and what it carries (the packet, its probability and choices, events, NAT and
// conntrack facts, assumptions). A branch is owned by one walk at a time and changed in place; a
// numgen fork copies it. Choices are a list newest first, so forks share their past; events are an
// array in order, each with its hook, in the very shape a node's walk answers them (NodeStep): a fork
// copies the array (numgen forks are few and early), a node's answer takes it over.
import type { Packet } from "../../model/packet.ts";
import type { RuleRef } from "../../model/ruleset.ts";
import type { Assumption, NetfilterEvent, RecentSets, Verdict } from "../hooks.ts";
import type { NodeStep } from "../node-walk.ts";
import { samePacket } from "../walk-merge.ts";

const NONE: readonly number[] = [];
import type { ConnView, Frame, NftChain, NftRule } from "./model.ts";

export interface Cons<T> {
  readonly head: T;
  readonly tail: Cons<T> | null;
}

/** One event of a branch and the hook it happened in (a node's walk answers these objects as they are). */
export type Trail = NodeStep[];

export class Branch implements ConnView {
  drawn: number | undefined = undefined;
  verdict: Verdict = "ACCEPT";
  rejectWith: string | undefined = undefined;
  dnat: { ip: number; port: number } | undefined = undefined;
  snat: { ip: number; port: number; masquerade: boolean } | undefined = undefined;
  /** What earlier hooks of a node's walk NATed (dnat and snat are this hook's). */
  keptDnat: { ip: number; port: number } | undefined = undefined;
  keptSnat: { ip: number; port: number; masquerade: boolean } | undefined = undefined;
  /** What this branch's answer assumed (HookContext.unknown), oldest first; replaced, never changed. */
  assumptions: readonly Assumption[] = [];
  /**
   * The rules of this hook that decided something (NAT, a verdict, notrack), newest first, for
   * telling branches apart: a list shared with forks, so that deciding builds no string.
   */
  decided: Cons<RuleRef> | null = null;
  /** How many rules `decided` holds. */
  decisions = 0;
  /** How many other ways through earlier numgen rules were merged into this branch. */
  merged = 0;
  /** The values numgen drew for this branch, in order: the order the branches are answered in. */
  path: readonly number[] = [];
  /** Whether the branch stands where branches may meet (see HookWalk) and has not looked yet. */
  meet = false;
  bi = 0;
  chain: NftChain | undefined = undefined;
  ri = 0;
  k = 0;
  stack: Frame | null = null;
  constructor(
    public packet: Packet,
    public probability: number,
    public choices: Cons<string> | null,
    public events: Trail,
    public recent: RecentSets,
    public untracked: boolean,
    public ctDnat: boolean,
    public ctSnat: boolean,
  ) {}

  fork(probability: number, choice: string, value: number): Branch {
    const b = new Branch(
      this.packet,
      probability,
      { head: choice, tail: this.choices },
      this.events.slice(),
      this.recent,
      this.untracked,
      this.ctDnat,
      this.ctSnat,
    );
    b.dnat = this.dnat;
    b.snat = this.snat;
    b.keptDnat = this.keptDnat;
    b.keptSnat = this.keptSnat;
    b.assumptions = this.assumptions;
    b.decided = this.decided;
    b.decisions = this.decisions;
    b.path = appended(this.path, value);
    b.bi = this.bi;
    b.chain = this.chain;
    b.ri = this.ri;
    b.k = this.k;
    b.stack = this.stack;
    return b;
  }

  /**
   * The branch an earlier hook of a node's walk ended with, made ready for the next hook in place
   * (it is the walk's own, nothing else holds it): its probability, choices, events, assumptions
   * and NAT go on; this hook's NAT, deciding rules, draws and place start anew.
   */
  nextHook(recent: RecentSets, ctDnat: boolean, ctSnat: boolean): void {
    this.keptDnat = this.dnat ?? this.keptDnat;
    this.keptSnat = this.snat ?? this.keptSnat;
    this.dnat = undefined;
    this.snat = undefined;
    this.recent = recent;
    this.untracked = false;
    this.ctDnat = ctDnat;
    this.ctSnat = ctSnat;
    this.drawn = undefined;
    this.verdict = "ACCEPT";
    this.rejectWith = undefined;
    this.decided = null;
    this.decisions = 0;
    this.path = NONE;
    this.meet = false;
    this.bi = 0;
    this.chain = undefined;
    this.ri = 0;
    this.k = 0;
    this.stack = null;
  }
}

/**
 * `list` and then `x`, in an array made at its length: a spread (`[...list, x]`) leaves room for 17
 * (184 bytes for one number, here 80), and concat is a call the JIT does not inline.
 */
export function appended<T>(list: readonly T[], x: T): T[] {
  const n = list.length;
  const out = new Array<T>(n + 1);
  for (let i = 0; i < n; i++) out[i] = list[i]!;
  out[n] = x;
  return out;
}

/** Back to the rule after the jump that entered the current chain; false when no jump is left (a base chain's end). */
export function pop(b: Branch): boolean {
  for (let f = b.stack; f; f = f.parent) {
    if (f.goto) continue;
    b.chain = f.chain;
    b.ri = f.ri;
    b.k = 0;
    b.stack = f.parent;
    return true;
  }
  b.stack = null;
  return false;
}

/** At most this many frames kept per rule: more caller stacks than that make their own frames. */
const FRAMES_PER_RULE = 8;

/**
 * The frame a jump or goto at rule `ri` of `chain` pushes over `parent`. Frames never change, so a
 * rule keeps those it made (one per caller stack, expression and kind of jump) and the branches that
 * jump from there share them: a node's walk of 15 branches makes a few frames, not one per branch
 * and jump. Branches with one frame also compare their places at once (samePlace, comparePlaces).
 */
export function frameOf(
  rule: NftRule,
  chain: NftChain,
  ri: number,
  k: number,
  goto: boolean,
  parent: Frame | null,
): Frame {
  const made = rule.frames;
  if (made !== undefined)
    for (let i = 0; i < made.length; i++) {
      const f = made[i]!;
      if (f.parent === parent && f.k === k && f.goto === goto && f.chain === chain) return f;
    }
  const f: Frame = { chain, ri: ri + 1, goto, depth: (parent?.depth ?? 0) + 1, at: ri, k, parent };
  if (made === undefined) rule.frames = [f];
  else if (made.length < FRAMES_PER_RULE) made.push(f);
  return f;
}

// Two stacks' keys, root level first, filled per comparison: a walk compares places often and
// keeps no key per jump. nf_tables' jump stack bounds the levels.
const keyA: number[] = [];
const keyB: number[] = [];

/** The stack's key into `out`, root level first (each level's jumping rule, then expression); its length. */
function keyOf(f: Frame | null, out: number[]): number {
  const n = f ? f.depth * 2 : 0;
  for (let i = n - 2; f; f = f.parent, i -= 2) {
    out[i] = f.at;
    out[i + 1] = f.k;
  }
  return n;
}

/** The order of two branches' places in the walk: base chain, then each level's rule and expression. */
export function comparePlaces(a: Branch, b: Branch): number {
  if (a.bi !== b.bi) return a.bi - b.bi;
  if (a.stack === b.stack) return a.ri !== b.ri ? a.ri - b.ri : a.k - b.k;
  const na = keyOf(a.stack, keyA);
  const nb = keyOf(b.stack, keyB);
  const la = na + 2;
  const lb = nb + 2;
  const n = Math.min(la, lb);
  for (let i = 0; i < n; i++) {
    const x = i < na ? keyA[i]! : i === na ? a.ri : a.k;
    const y = i < nb ? keyB[i]! : i === nb ? b.ri : b.k;
    if (x !== y) return x - y;
  }
  // One stands inside a jump made where the other stands: it is further on.
  return la - lb;
}

/** The order numgen's draws give: lowest value first at each fork, as the branches are answered. */
export function comparePaths(a: Branch, b: Branch): number {
  const n = Math.min(a.path.length, b.path.length);
  for (let i = 0; i < n; i++) if (a.path[i] !== b.path[i]) return a.path[i]! - b.path[i]!;
  return a.path.length - b.path.length;
}

/** Sorts out[from..] (the branches of a walk's last start) in numgen's order. */
export function sortFrom(out: Branch[], from: number): void {
  if (from === 0) {
    out.sort(comparePaths);
    return;
  }
  const last = out.slice(from).sort(comparePaths);
  for (let i = 0; i < last.length; i++) out[from + i] = last[i]!;
}

/** Whether two branches stand at the same rule of the same call stack. */
export function samePlace(a: Branch, b: Branch): boolean {
  if (a.bi !== b.bi || a.chain !== b.chain || a.ri !== b.ri || a.k !== b.k) return false;
  let fa = a.stack;
  let fb = b.stack;
  while (fa && fb && fa !== fb) {
    if (fa.chain !== fb.chain || fa.ri !== fb.ri || fa.goto !== fb.goto || fa.depth !== fb.depth) return false;
    fa = fa.parent;
    fb = fb.parent;
  }
  return fa === fb;
}

/** Whether two branches at one place carry what decides their future alike, so they end alike. */
export function sameState(a: Branch, b: Branch): boolean {
  return (
    samePacket(a.packet, b.packet) &&
    a.drawn === b.drawn &&
    a.untracked === b.untracked &&
    a.ctDnat === b.ctDnat &&
    a.ctSnat === b.ctSnat &&
    a.recent === b.recent &&
    (a.assumptions === b.assumptions || (a.assumptions.length === 0 && b.assumptions.length === 0)) &&
    sameDecisions(a, b) &&
    a.dnat?.ip === b.dnat?.ip &&
    a.dnat?.port === b.dnat?.port &&
    a.snat?.ip === b.snat?.ip &&
    a.snat?.port === b.snat?.port &&
    a.snat?.masquerade === b.snat?.masquerade
  );
}

/** The same deciding rules, in order: the same table, chain and place (as reached from any base chain). */
function sameDecisions(a: Branch, b: Branch): boolean {
  if (a.decisions !== b.decisions) return false;
  let x = a.decided;
  let y = b.decided;
  for (; x && y && x !== y; x = x.tail, y = y.tail) {
    const p = x.head;
    const q = y.head;
    if (p !== q && (p.nft?.table !== q.nft?.table || p.chain !== q.chain || p.index !== q.index)) return false;
  }
  return x === y;
}

export function listOf<T>(list: Cons<T> | null): T[] {
  // Counted first and filled from the end: one array of the list's length, none grown or reversed.
  let n = 0;
  for (let c = list; c; c = c.tail) n++;
  const out = new Array<T>(n);
  for (let c = list; c; c = c.tail) out[--n] = c.head;
  return out;
}

/** A trail's events, oldest first. */
export function eventsOf(trail: Trail): NetfilterEvent[] {
  return trail.map((s) => s.event);
}
