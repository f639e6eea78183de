// One branch of a hook's walk through nft rules: where it is (base chain, chain, rule, expression,
// call stack) and what it carries (the packet, its probability and choices, events, NAT and
// conntrack facts, assumptions). A branch is owned by one walk at a time and changed in place; a
// numgen fork copies it. Choices and events are lists newest first, so forks share their past.
import type { Packet } from "../../model/packet.ts";
import type { Assumption, HookName, NetfilterEvent, RecentSets, Verdict } from "../hooks.ts";
import type { NftChain } from "./model.ts";
import type { ConnView } from "./packet-fields.ts";

export interface Cons<T> {
  readonly head: T;
  readonly tail: Cons<T> | null;
}

/** A branch's events, newest first, shared between forks; each knows the hook it happened in. */
export interface Trail {
  readonly event: NetfilterEvent;
  readonly hook: HookName;
  readonly tail: Trail | null;
}

/** A level of the call stack: a jump goes back to rule `ri` of `chain`; a goto never goes back. */
export interface Frame {
  readonly chain: NftChain;
  readonly ri: number;
  readonly goto: boolean;
  /** Levels down to the base chain, this one included: nf_tables' jump stack holds 16. */
  readonly depth: number;
  /**
   * Where this level stands in the walk's order: the parent's key, then the rule and expression
   * that jumped. A walk only moves forward in this order, which is what lets branches meet.
   */
  readonly key: readonly number[];
  readonly parent: Frame | null;
}

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
  /** The rules of this hook that decided something (NAT, a verdict, notrack), for telling branches apart. */
  decided = "";
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
    public events: Trail | null,
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
      this.events,
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
    b.path = [...this.path, value];
    b.bi = this.bi;
    b.chain = this.chain;
    b.ri = this.ri;
    b.k = this.k;
    b.stack = this.stack;
    return b;
  }
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

/** The order of two branches' places in the walk: base chain, then each level's rule and expression. */
export function comparePlaces(a: Branch, b: Branch): number {
  if (a.bi !== b.bi) return a.bi - b.bi;
  const ka = a.stack?.key ?? NONE;
  const kb = b.stack?.key ?? NONE;
  const la = ka.length + 2;
  const lb = kb.length + 2;
  const n = Math.min(la, lb);
  for (let i = 0; i < n; i++) {
    const x = i < ka.length ? ka[i]! : i === ka.length ? a.ri : a.k;
    const y = i < kb.length ? kb[i]! : i === kb.length ? b.ri : b.k;
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

const NONE: readonly number[] = [];

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
    a.decided === b.decided &&
    a.dnat?.ip === b.dnat?.ip &&
    a.dnat?.port === b.dnat?.port &&
    a.snat?.ip === b.snat?.ip &&
    a.snat?.port === b.snat?.port &&
    a.snat?.masquerade === b.snat?.masquerade
  );
}

function samePacket(a: Packet, b: Packet): boolean {
  return (
    a === b ||
    (a.proto === b.proto &&
      a.src === b.src &&
      a.sport === b.sport &&
      a.dst === b.dst &&
      a.dport === b.dport &&
      a.size === b.size &&
      a.ttl === b.ttl &&
      a.df === b.df &&
      a.mark === b.mark &&
      a.inner === b.inner &&
      a.http === b.http)
  );
}

export function listOf<T>(list: Cons<T> | null): T[] {
  const out: T[] = [];
  for (let c = list; c; c = c.tail) out.push(c.head);
  return out.reverse();
}

/** A trail's events, oldest first. */
export function eventsOf(trail: Trail | null): NetfilterEvent[] {
  const out: NetfilterEvent[] = [];
  for (let t = trail; t; t = t.tail) out.push(t.event);
  return out.reverse();
}
