// Runs one netfilter hook over a ruleset, as the kernel does: the hook's tables in priority
// order, each from its built-in chain, with jumps, gotos, RETURN and policies (hook-walk.ts). A
// `statistic` rule forks the walk (matched branch first); every branch ends in a verdict and
// carries the events that explain it. Chains are compiled when a walk first enters them
// (engine-chains.ts); a chain is a list of parts that may be shared with other rulesets, so a
// position is (part, rule) and a rule's number is its part's offset + 1.
import type { Diagnostic } from "../model/diagnostic.ts";
import type { Ipsets } from "../model/ipset.ts";
import type { Packet } from "../model/packet.ts";
import type { Ruleset, TableName } from "../model/ruleset.ts";
import type { ChainSource } from "./chain-source.ts";
import type { CtView } from "./compile.ts";
import { type ChainLookup, type EngineChain, rulesetChains, sourceChains } from "./engine-chains.ts";
import { HookWalk } from "./hook-walk.ts";
import type { Assumption, HookBranch, HookContext, HookName, Netfilter, NetfilterEvent } from "./hooks.ts";
import { ipsetDiagnostics } from "./ipset-match.ts";
import { type Cons, type WalkBranch, WalkState } from "./walk-state.ts";

export type { Cons, Trail, WalkBranch } from "./walk-state.ts";

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
  /** Merge equivalent branches (default); `false` keeps every way through statistic rules apart. */
  merge?: boolean;
}

export class NetfilterEngine implements Netfilter {
  readonly diagnostics: readonly Diagnostic[];
  private readonly chains: ChainLookup;
  /** Per hook, the built-in chain of each of its tables (in HOOK_TABLES order), or null if absent. */
  private readonly bases = new Map<HookName, readonly (EngineChain | null)[]>();

  private readonly ipsets: Ipsets | undefined;
  private readonly merge: boolean;
  private readonly file: string;

  /** From parsed text, or from a ChainSource whose chains are compiled as walks enter them. */
  constructor(source: Ruleset | ChainSource, options: EngineOptions = {}) {
    const indexed = options.indexed !== false;
    this.ipsets = options.ipsets;
    this.merge = options.merge !== false;
    this.file = source.file;
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
    if (from instanceof WalkState) start.merged = from.merged;
    const out: WalkState[] = [];
    const bases = this.basesOf(hook);
    new HookWalk(bases, HOOK_TABLES[hook], this.chains, ctx, out, this.ipsets, hook, this.file, this.merge).run(start);
    return out;
  }
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
    choices: choicesOf(b),
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

/** A merged branch says so after its own choices: its trail is one of the ways it stands for. */
export function choicesOf(b: WalkBranch): string[] {
  const choices = listOf(b.choices);
  const merged = b instanceof WalkState ? b.merged : 0;
  if (merged > 0)
    choices.push(
      `and ${merged} other way${merged === 1 ? "" : "s"} through the statistic rules before, which end alike ` +
        "(same packet, marks, NAT and deciding rules): their probability is added to this branch",
    );
  return choices;
}
