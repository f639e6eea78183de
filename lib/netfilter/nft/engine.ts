// Runs one netfilter hook over an nftables ruleset, as the kernel does: every base chain of the hook
// (of ip and inet tables, iptables-nft's among them) in priority order (walk.ts walks them). Among
// base chains of one hook and priority the one registered last runs first: nf_hook_entries_grow
// (net/netfilter/core.c) puts a new hook before the existing ones whose priority is not lower, and
// `nft list ruleset` prints tables, and a table's chains, in the order they were made.
import { type Diagnostic, diagnostic } from "../../model/diagnostic.ts";
import { asWritten } from "../../model/excerpt.ts";
import type { Packet } from "../../model/packet.ts";
import type { RuleRef, TableName } from "../../model/ruleset.ts";
import type { HookBranch, HookContext, HookName, Netfilter } from "../hooks.ts";
import type { BaseHook, NftChain, NftRuleset, NftTable } from "./model.ts";
import { Branch, eventsOf, listOf } from "./branch.ts";
import { checkRefs } from "./refs.ts";
import { breakNftLoops } from "./loops.ts";
import { breakDeepJumps } from "./jump-depth.ts";
import type { Base } from "./hook-run.ts";
import { HookWalk } from "./walk.ts";

/** The iptables table whose place a base chain takes, for RuleRef.table. */
function kindOf(h: BaseHook): TableName {
  if (h.type === "nat") return "nat";
  if (h.type === "route") return "mangle";
  return h.priority <= -300 ? "raw" : h.priority <= -150 ? "mangle" : "filter";
}

const RUN_FAMILIES = new Set(["ip", "inet"]);

function baseOf(id: number, table: NftTable, chain: NftChain): Base {
  const hook = chain.base!;
  const kind = kindOf(hook);
  const policyRef: RuleRef = {
    table: kind,
    chain: chain.name,
    index: 0,
    text: `policy ${hook.policy}`,
    nft: { family: table.family, table: table.name },
  };
  return {
    id,
    table,
    chain,
    hook,
    kind,
    policyRef,
    policyDetail: `${chain.name} policy ${hook.policy}`,
  };
}

export class NftEngine implements Netfilter {
  readonly diagnostics: readonly Diagnostic[];
  /**
   * Each hook's base chains, in a record with a field per hook rather than a Map: a node's walk asks
   * once per hook it runs, and a Map hashes the name each time.
   */
  private readonly byHook: Record<HookName, Base[]> = {
    PREROUTING: [],
    INPUT: [],
    FORWARD: [],
    OUTPUT: [],
    POSTROUTING: [],
  };
  /** Walks that have answered, to run again. */
  private readonly idle: HookWalk[] = [];

  constructor(readonly ruleset: NftRuleset) {
    const notes: Diagnostic[] = [...ruleset.diagnostics];
    const bases: Base[] = [];
    for (const table of ruleset.tables) {
      const own = [...table.chains.values()].filter((c) => c.base);
      if (!RUN_FAMILIES.has(table.family)) {
        if (own.length > 0)
          notes.push(
            diagnostic(
              "nft-family-not-run",
              { file: ruleset.file, line: table.line, col: 1 },
              `table ${table.family} ${asWritten(table.name)}: kubehop traces IPv4 packets, ` +
                `which ${table.family} tables never see: read, not run`,
            ),
          );
        continue;
      }
      notes.push(
        ...checkRefs(ruleset.file, table),
        ...breakNftLoops(ruleset.file, table),
        ...breakDeepJumps(ruleset.file, table),
      );
      for (const chain of own) bases.push(baseOf(bases.length, table, chain));
    }
    // Listed in the order they were made; of one priority, the last made runs first.
    bases.reverse();
    bases.sort((a, b) => a.hook.priority - b.hook.priority);
    for (const b of bases) {
      if (b.hook.hook === "ingress" || b.hook.hook === "egress") continue;
      this.byHook[b.hook.hook].push(b);
    }
    this.diagnostics = notes;
  }

  /**
   * A hook's base chains. A switch of plain field loads: indexed by the hook's name, which varies
   * from call to call, the record would be a megamorphic keyed load on every hook of every branch.
   */
  private basesOf(hook: HookName): Base[] {
    const by = this.byHook;
    switch (hook) {
      case "PREROUTING":
        return by.PREROUTING;
      case "INPUT":
        return by.INPUT;
      case "FORWARD":
        return by.FORWARD;
      case "OUTPUT":
        return by.OUTPUT;
      case "POSTROUTING":
        return by.POSTROUTING;
    }
  }

  runHook(hook: HookName, packet: Packet, ctx: HookContext): HookBranch[] {
    return this.walk(hook, packet, ctx).map(toHookBranch);
  }

  /**
   * Like runHook, with an accepting policy not recorded as an event when `policyAccepts` is false (a
   * node's walk lists only a policy that dropped).
   */
  walk(hook: HookName, packet: Packet, ctx: HookContext, policyAccepts = true): Branch[] {
    const start = new Branch(
      packet,
      1,
      null,
      [],
      ctx.recent,
      false,
      ctx.ctNat?.dnat ?? false,
      ctx.ctNat?.snat ?? false,
    );
    return this.run(hook, [start], ctx, policyAccepts);
  }

  /**
   * The next hook of a node's walk for the branches earlier hooks ended with, all routed alike (one
   * context): taken over and changed in place, each goes on with its probability, choices, events
   * and NAT, so a node's walk makes no arrays between hooks. Each starts as runHook does, its own
   * NAT undecided, conntrack's NAT facts those its earlier hooks made; an accepting policy is not
   * recorded. The branches each ended with, in the order given.
   */
  walkOn(hook: HookName, branches: readonly Branch[], ctx: HookContext): Branch[] {
    for (let i = 0; i < branches.length; i++) {
      const b = branches[i]!;
      b.nextHook(b.recent, (b.dnat ?? b.keptDnat) !== undefined, (b.snat ?? b.keptSnat) !== undefined);
    }
    return this.run(hook, branches, ctx, false);
  }

  private run(hook: HookName, starts: readonly Branch[], ctx: HookContext, policyAccepts: boolean): Branch[] {
    // A walk is run again once it has answered.
    const w = this.idle.pop() ?? new HookWalk(this.ruleset.file);
    const out = w.run(hook, this.basesOf(hook), ctx, policyAccepts, starts);
    this.idle.push(w);
    return out;
  }
}

/** A merged branch says so after its own choices: its trail is one of the ways it stands for. */
export function choicesOf(b: Branch): string[] {
  const choices = listOf(b.choices);
  if (b.merged > 0)
    choices.push(
      `and ${b.merged} other way${b.merged === 1 ? "" : "s"} through the numgen rules before, which end alike ` +
        "(same packet, marks, NAT and deciding rules): their probability is added to this branch",
    );
  return choices;
}

function toHookBranch(b: Branch): HookBranch {
  const h: HookBranch = {
    probability: b.probability,
    choices: choicesOf(b),
    verdict: b.verdict,
    packet: b.packet,
    events: eventsOf(b.events),
    recent: b.recent,
    assumptions: b.assumptions.slice(),
  };
  if (b.rejectWith !== undefined) h.rejectWith = b.rejectWith;
  if (b.dnat) h.dnat = b.dnat;
  if (b.snat) h.snat = b.snat;
  return h;
}
