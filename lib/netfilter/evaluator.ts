// Runs one netfilter hook over a parsed ruleset, as the kernel does: the hook's tables in priority
// order, each from its built-in chain, with jumps, gotos, RETURN and policies. A `statistic`
// rule forks the walk (matched branch first); every branch ends in a verdict and carries the
// events that explain it. The walk keeps its call stack as an immutable linked list of frames so
// that forks share it and a long chain of jumps needs no recursion.
import { formatIpv4 } from "../model/address.ts";
import type { Packet } from "../dataplane/packet.ts";
import { buildChainIndex, nextCandidate, type ChainIndex } from "./chain-index.ts";
import { compileChain, recentKey, recentWith, type CompiledChain, type CompiledRule, type CtView } from "./compile.ts";
import type { HookBranch, HookContext, HookName, Netfilter, NetfilterEvent, RecentSets, TableName, Verdict } from "./hooks.ts";
import type { Ruleset } from "./ruleset.ts";

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
}

interface Cons<T> {
  readonly head: T;
  readonly tail: Cons<T> | null;
}

interface Frame {
  readonly chain: IndexedChain;
  readonly next: number;
  readonly parent: Frame | null;
}

interface IndexedChain extends CompiledChain {
  index: ChainIndex | null;
}

/**
 * One branch in progress. Owned by exactly one walk at a time, so it is updated in place; a fork
 * copies it. A class with every field set up front keeps one object shape, which the walk's
 * property reads depend on for speed.
 */
class WalkState implements CtView {
  constructor(
    public packet: Packet,
    public probability: number,
    public choices: Cons<string> | null,
    public events: Cons<NetfilterEvent> | null,
    public recent: RecentSets,
    public untracked: boolean,
    public ctDnat: boolean,
    public ctSnat: boolean,
    public dnat: { ip: number; port: number } | null = null,
    public snat: { ip: number; port: number; masquerade: boolean } | null = null,
    public rejectWith: string | null = null,
  ) {}

  fork(probability: number, choice: string): WalkState {
    const choices = { head: choice, tail: this.choices };
    return new WalkState(this.packet, probability, choices, this.events, this.recent, this.untracked, this.ctDnat, this.ctSnat, this.dnat, this.snat, this.rejectWith);
  }
}

export class NetfilterEngine implements Netfilter {
  readonly warnings: readonly string[];
  private readonly chains = new Map<TableName, Map<string, IndexedChain>>();

  constructor(ruleset: Ruleset, options: EngineOptions = {}) {
    this.warnings = ruleset.warnings;
    for (const [name, table] of ruleset.tables) {
      const compiled = new Map<string, IndexedChain>();
      for (const chain of table.chains.values()) {
        compiled.set(chain.name, { ...compileChain(chain), index: options.indexed === false ? null : buildChainIndex(chain.rules) });
      }
      for (const chain of compiled.values()) {
        for (const rule of chain.rules) if (rule.target.kind === "jump") rule.jumpTo = compiled.get(rule.target.chain) ?? null;
      }
      this.chains.set(name, compiled);
    }
  }

  runHook(hook: HookName, packet: Packet, ctx: HookContext): HookBranch[] {
    const start = new WalkState(packet, 1, null, null, ctx.recent, false, ctx.ctNat?.dnat ?? false, ctx.ctNat?.snat ?? false);
    const out: HookBranch[] = [];
    new HookWalk(this.chains, HOOK_TABLES[hook], hook, ctx, out).tables(0, start);
    return out;
  }
}

class HookWalk {
  constructor(
    private readonly chains: ReadonlyMap<TableName, ReadonlyMap<string, IndexedChain>>,
    private readonly order: readonly TableName[],
    private readonly hook: HookName,
    private readonly ctx: HookContext,
    private readonly out: HookBranch[],
  ) {}

  /** Runs table `ti` and the ones after it for every branch, depth first. */
  tables(ti: number, st: WalkState): void {
    const table = this.order[ti];
    if (table === undefined) {
      this.out.push(toBranch(st, "ACCEPT"));
      return;
    }
    const base = this.chains.get(table)?.get(this.hook);
    // nat sees only a connection's first packet; an untracked packet is never NATed.
    const skip = !base || (table === "nat" && (this.ctx.ctState !== "NEW" || st.untracked));
    if (skip) {
      this.tables(ti + 1, st);
      return;
    }
    this.walk(new TableRun(ti, base), base, 0, st, null, false);
  }

  /**
   * Walks `chain` from rule `i` until the branch ends in this table (an accepting end continues
   * with the next table). `matched` says rule `i` already matched (after a fork).
   */
  private walk(run: TableRun, chain: IndexedChain, i: number, st: WalkState, frame: Frame | null, matched: boolean): void {
    for (;;) {
      if (!matched && chain.index && i < chain.rules.length) i = nextCandidate(chain.index, i, st.packet);
      const rule = chain.rules[i];
      if (!rule) {
        if (!frame) return this.policy(run, st);
        ({ chain, next: i, parent: frame } = frame);
        continue;
      }
      if (!matched) {
        if (rule.never || !this.pure(rule, st)) {
          i++;
          continue;
        }
        if (rule.stateful.length > 0) {
          const rest = this.stateful(run, chain, i, rule, st, frame);
          if (!rest) return;
          st = rest;
          i++;
          continue;
        }
      }
      matched = false;
      const t = rule.target;
      switch (t.kind) {
        case "none":
          break;
        case "accept":
          record(st, "accept", rule, st.packet, "ACCEPT");
          return this.end(run, st, "ACCEPT");
        case "drop":
          record(st, "drop", rule, st.packet, "DROP");
          return this.end(run, st, "DROP");
        case "reject":
          record(st, "reject", rule, st.packet, `REJECT with ${t.rejectWith}`);
          st.rejectWith = t.rejectWith;
          return this.end(run, st, "REJECT");
        case "return":
          record(st, "return", rule, st.packet, `RETURN from ${chain.name}`);
          if (!frame) return this.policy(run, st);
          ({ chain, next: i, parent: frame } = frame);
          continue;
        case "jump":
          record(st, t.goto ? "goto" : "jump", rule, st.packet, `${t.goto ? "goto" : "jump to"} ${t.chain}`);
          if (!t.goto) frame = { chain, next: i + 1, parent: frame };
          chain = rule.jumpTo as IndexedChain;
          i = 0;
          continue;
        case "dnat": {
          const after = { ...st.packet, dst: t.ip, dport: t.port ?? st.packet.dport };
          record(st, "dnat", rule, after, `DNAT to ${formatIpv4(after.dst)}:${after.dport}`);
          st.dnat = { ip: after.dst, port: after.dport };
          st.ctDnat = true;
          return this.end(run, st, "ACCEPT");
        }
        case "snat": {
          const after = { ...st.packet, src: t.ip, sport: t.port ?? st.packet.sport };
          record(st, "snat", rule, after, `SNAT to ${formatIpv4(after.src)}:${after.sport}${t.randomFully ? " (--random-fully may pick another port)" : ""}`);
          st.snat = { ip: after.src, port: after.sport, masquerade: false };
          st.ctSnat = true;
          return this.end(run, st, "ACCEPT");
        }
        case "masquerade": {
          const addr = this.ctx.outIfaceAddress;
          if (addr === undefined) {
            record(st, "drop", rule, st.packet, `MASQUERADE: out interface ${this.ctx.outIface ?? "(none)"} has no address, the kernel drops the packet`);
            return this.end(run, st, "DROP");
          }
          const after = { ...st.packet, src: addr, sport: t.port ?? st.packet.sport };
          record(st, "masquerade", rule, after, `MASQUERADE to ${formatIpv4(addr)}:${after.sport}${t.randomFully ? " (--random-fully may pick another port)" : ""}`);
          st.snat = { ip: addr, port: after.sport, masquerade: true };
          st.ctSnat = true;
          return this.end(run, st, "ACCEPT");
        }
        case "mark": {
          const mark = ((st.packet.mark & ~t.mask) ^ t.value) >>> 0;
          const after = mark === st.packet.mark ? st.packet : { ...st.packet, mark };
          record(st, "mark", rule, after, `MARK ${t.text}: 0x${st.packet.mark.toString(16)} -> 0x${mark.toString(16)}`);
          break;
        }
        case "log":
          record(st, "log", rule, st.packet, `${t.text} (no effect on the packet)`);
          break;
        case "ct":
          record(st, t.notrack ? "notrack" : "log", rule, st.packet, t.notrack ? `${t.text}: the connection is not tracked, so nat is skipped` : `${t.text} (recorded only)`);
          if (t.notrack) st.untracked = true;
          break;
      }
      i++;
    }
  }

  private pure(rule: CompiledRule, st: WalkState): boolean {
    const tests = rule.tests;
    for (let k = 0; k < tests.length; k++) if (!tests[k]!(st.packet, st, this.ctx)) return false;
    return true;
  }

  /**
   * Evaluates statistic/recent matches in order. Branches where the rule matched are walked to
   * their end here (matched first); returns the branch where it did not match, if any, for the
   * caller to continue with the next rule.
   */
  private stateful(run: TableRun, chain: IndexedChain, i: number, rule: CompiledRule, st: WalkState, frame: Frame | null): WalkState | null {
    const unmatched: WalkState[] = [];
    this.statefulFrom(0, run, chain, i, rule, st, frame, unmatched);
    if (unmatched.length <= 1) return unmatched[0] ?? null;
    for (const u of unmatched) this.walk(run, chain, i + 1, u, frame, false);
    return null;
  }

  private statefulFrom(k: number, run: TableRun, chain: IndexedChain, i: number, rule: CompiledRule, st: WalkState, frame: Frame | null, unmatched: WalkState[]): void {
    for (; k < rule.stateful.length; k++) {
      const m = rule.stateful[k]!;
      if (m.kind === "statistic") {
        const p = m.probability;
        const where = `${chain.name} #${rule.ref.index} statistic ${m.text}`;
        if (p <= 0) {
          unmatched.push(st);
          return;
        }
        if (p < 1) {
          const hit = st.fork(st.probability * p, `${where} matched`);
          this.statefulFrom(k + 1, run, chain, i, rule, hit, frame, unmatched);
          st.probability *= 1 - p;
          st.choices = { head: `${where} did not match`, tail: st.choices };
          unmatched.push(st);
          return;
        }
        continue;
      }
      const key = recentKey(m, st.packet);
      const present = st.recent.get(m.name)?.has(key) ?? false;
      if (m.mode === "set") {
        if (!present) st.recent = recentWith(st.recent, m.name, key, true);
        record(st, "affinity", rule, st.packet, `recent ${m.name} --set: remember ${formatIpv4(key)}`);
      } else if (m.mode === "remove" && present) {
        st.recent = recentWith(st.recent, m.name, key, false);
        record(st, "affinity", rule, st.packet, `recent ${m.name} --remove: forget ${formatIpv4(key)}`);
      }
      if ((m.mode === "set" || present) === m.neg) {
        unmatched.push(st);
        return;
      }
    }
    this.walk(run, chain, i, st, frame, true);
  }

  private policy(run: TableRun, st: WalkState): void {
    const base = run.base;
    const verdict = base.policy === "DROP" ? "DROP" : "ACCEPT";
    record(st, "policy", { ref: base.policyRef }, st.packet, `${base.name} policy ${verdict}`);
    this.end(run, st, verdict);
  }

  /** The branch is done with this table: an accept moves on to the next table of the hook. */
  private end(run: TableRun, st: WalkState, verdict: Verdict): void {
    if (verdict === "ACCEPT") this.tables(run.ti + 1, st);
    else this.out.push(toBranch(st, verdict));
  }
}

class TableRun {
  constructor(
    readonly ti: number,
    readonly base: IndexedChain,
  ) {}
}

function record(st: WalkState, kind: NetfilterEvent["kind"], rule: Pick<CompiledRule, "ref">, after: Packet, detail: string): void {
  st.events = { head: { kind, rule: rule.ref, before: st.packet, after, detail }, tail: st.events };
  st.packet = after;
}

function toArray<T>(list: Cons<T> | null): T[] {
  const out: T[] = [];
  for (let c = list; c; c = c.tail) out.push(c.head);
  return out.reverse();
}

function toBranch(st: WalkState, verdict: Verdict): HookBranch {
  const b: HookBranch = { probability: st.probability, choices: toArray(st.choices), verdict, packet: st.packet, events: toArray(st.events), recent: st.recent };
  if (st.rejectWith !== null) b.rejectWith = st.rejectWith;
  if (st.dnat) b.dnat = st.dnat;
  if (st.snat) b.snat = st.snat;
  return b;
}
