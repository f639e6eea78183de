// Runs one netfilter hook over an nftables ruleset, as the kernel does: every base chain of the hook
// (of ip and inet tables, iptables-nft's among them) in priority order; an accept ends one base chain
// and the next runs, a drop or reject ends the hook. nat chains see only a connection's first packet,
// and once a NAT statement has mapped the connection no later nat chain of the hook runs
// (nf_nat_inet_fn), as in the iptables engine. `numgen random mod N` forks the walk, one branch per
// value with probability 1/N, lowest first. Verdict maps record the element that decided.
import { type Diagnostic, diagnostic } from "../../model/diagnostic.ts";
import { asWritten } from "../../model/excerpt.ts";
import type { Packet } from "../../model/packet.ts";
import type { RuleRef, TableName } from "../../model/ruleset.ts";
import type { HookBranch, HookContext, HookName, Netfilter, NetfilterEvent, Verdict } from "../hooks.ts";
import type { BaseHook, Dim, Expr, NftChain, NftRule, NftRuleset, NftTable, NftVerdict, SetElement } from "./model.ts";
import { assumedBy, ctStatusHolds, selectorValues } from "./packet-fields.ts";
import { Branch, type Pos, pop } from "./branch.ts";
import { asksNode, numgenOf, testedText } from "./selectors.ts";
import { type KeyValue, lookupOf } from "./sets.ts";
import { dimHolds } from "./values.ts";
import { hexText, ipText } from "../text-cache.ts";
import { checkRefs } from "./refs.ts";
import { breakNftLoops } from "./loops.ts";

interface Base {
  readonly table: NftTable;
  readonly chain: NftChain;
  readonly hook: BaseHook;
  readonly kind: TableName;
  /** Each rule's reference as reached from this base chain, made once. */
  readonly refs: WeakMap<NftRule, RuleRef>;
  /** The policy's reference and detail, made once (every walk that falls through records them). */
  readonly policyRef: RuleRef;
  readonly policyDetail: string;
}

/** The iptables table whose place a base chain takes, for RuleRef.table. */
function kindOf(h: BaseHook): TableName {
  if (h.type === "nat") return "nat";
  if (h.type === "route") return "mangle";
  return h.priority <= -300 ? "raw" : h.priority <= -150 ? "mangle" : "filter";
}

const RUN_FAMILIES = new Set(["ip", "inet"]);

function baseOf(table: NftTable, chain: NftChain): Base {
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
    table,
    chain,
    hook,
    kind,
    refs: new WeakMap(),
    policyRef,
    policyDetail: `${chain.name} policy ${hook.policy}`,
  };
}

/**
 * Texts a walk records, made once per rule or element rather than per packet: a numgen rule's
 * choices, and a verdict map element's detail and event field.
 */
const choiceTexts = new WeakMap<NftRule, string[]>();
const elementTexts = new WeakMap<SetElement, { detail: string; element: { map: string; text: string } }>();

/** Whether one of the values (each a list of dimensions) holds `vals`: loops, as it runs per rule. */
function anyHolds(values: readonly (readonly Dim[])[], vals: readonly KeyValue[]): boolean {
  for (const dims of values) {
    let all = true;
    for (let i = 0; i < dims.length && all; i++) all = dimHolds(dims[i]!, vals[i]!);
    if (all) return true;
  }
  return false;
}

function numgenChoice(rule: NftRule, mod: number, v: number): string {
  let texts = choiceTexts.get(rule);
  if (!texts) {
    texts = Array.from({ length: mod }, (_, i) => `${rule.chain} #${rule.index} numgen random mod ${mod} = ${i}`);
    choiceTexts.set(rule, texts);
  }
  return texts[v]!;
}

function elementText(map: string, el: SetElement): { detail: string; element: { map: string; text: string } } {
  let t = elementTexts.get(el);
  if (!t) elementTexts.set(el, (t = { detail: `vmap ${map}: ${el.text}`, element: { map, text: el.text } }));
  return t;
}

export class NftEngine implements Netfilter {
  readonly diagnostics: readonly Diagnostic[];
  private readonly byHook = new Map<HookName, Base[]>();

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
      notes.push(...checkRefs(ruleset.file, table), ...breakNftLoops(ruleset.file, table));
      for (const chain of own) bases.push(baseOf(table, chain));
    }
    // A stable sort: chains of one priority keep the order they were read in.
    bases.sort((a, b) => a.hook.priority - b.hook.priority);
    for (const b of bases) {
      if (b.hook.hook === "ingress" || b.hook.hook === "egress") continue;
      const list = this.byHook.get(b.hook.hook) ?? [];
      list.push(b);
      this.byHook.set(b.hook.hook, list);
    }
    this.diagnostics = notes;
  }

  runHook(hook: HookName, packet: Packet, ctx: HookContext): HookBranch[] {
    const start = new Branch(packet, 1, [], [], ctx.recent, false, ctx.ctNat?.dnat ?? false, ctx.ctNat?.snat ?? false);
    const out: Branch[] = [];
    new HookWalk(hook, this.byHook.get(hook) ?? [], ctx, out).fromBase(0, start);
    return out.map((b) => {
      const h: HookBranch = {
        probability: b.probability,
        choices: b.choices,
        verdict: b.verdict,
        packet: b.packet,
        events: b.events,
        recent: b.recent,
        assumptions: b.assumptions,
      };
      if (b.rejectWith !== undefined) h.rejectWith = b.rejectWith;
      if (b.dnat) h.dnat = b.dnat;
      if (b.snat) h.snat = b.snat;
      return h;
    });
  }
}

class HookWalk {
  constructor(
    private readonly hook: HookName,
    private readonly bases: readonly Base[],
    private readonly ctx: HookContext,
    private readonly out: Branch[],
  ) {}

  /** Runs base chains from `bi` on; a branch that passes them all is accepted. */
  fromBase(bi: number, b: Branch): void {
    for (; bi < this.bases.length; bi++) {
      const base = this.bases[bi]!;
      if (base.hook.type === "nat" && (this.ctx.ctState !== "NEW" || b.untracked || this.natDone(b))) continue;
      this.walk({ bi, chain: base.chain, ri: 0, k: 0, stack: null }, b);
      return;
    }
    this.out.push(b);
  }

  private natDone(b: Branch): boolean {
    return this.hook === "PREROUTING" || this.hook === "OUTPUT" ? b.dnat !== undefined : b.snat !== undefined;
  }

  private ref(pos: Pos, rule: NftRule): RuleRef {
    const base = this.bases[pos.bi]!;
    let ref = base.refs.get(rule);
    if (!ref) {
      const nft = { family: base.table.family, table: base.table.name };
      ref = { table: base.kind, chain: rule.chain, index: rule.index, text: rule.text, line: rule.line, nft };
      base.refs.set(rule, ref);
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
    // Fields set one by one, not spread: this runs for every event of every packet.
    const event: NetfilterEvent = { kind, rule, before: b.packet, after, detail };
    if (element) event.element = element;
    if (to !== undefined) event.to = to;
    b.events.push(event);
    b.packet = after;
  }

  private end(b: Branch, verdict: Verdict): void {
    b.verdict = verdict;
    this.out.push(b);
  }

  /** Walks from `pos` until the branch leaves its base chain (or forks, each fork walked in turn). */
  private walk(pos: Pos, b: Branch): void {
    for (;;) {
      const rule = pos.chain.rules[pos.ri];
      if (!rule) {
        if (pos.stack) {
          pop(pos);
          continue;
        }
        return this.policy(pos, b);
      }
      const step = rule.unreadable ? "next" : this.rule(pos, rule, b);
      if (step === "done") return;
      if (step === "next") {
        pos.ri++;
        pos.k = 0;
      }
    }
  }

  private policy(pos: Pos, b: Branch): void {
    const base = this.bases[pos.bi]!;
    this.record(b, "policy", base.policyRef, b.packet, base.policyDetail);
    if (base.hook.policy === "drop") return this.end(b, "DROP");
    this.fromBase(pos.bi + 1, b);
  }

  /** Runs the rule's expressions from pos.k: "next" rule, "moved" (pos changed chain), or "done". */
  private rule(pos: Pos, rule: NftRule, b: Branch): "next" | "moved" | "done" {
    const exprs = rule.exprs;
    for (let k = pos.k; k < exprs.length; k++) {
      const e = exprs[k]!;
      if ("sel" in e && b.drawn === undefined) {
        const ng = numgenOf(e.sel);
        if (ng) {
          for (let v = 0; v < ng.mod; v++) {
            const child = b.fork(b.probability / ng.mod, numgenChoice(rule, ng.mod, v));
            child.drawn = v + ng.offset;
            this.walk({ ...pos, k }, child);
          }
          return "done";
        }
      }
      const step = this.expr(pos, rule, e, b);
      b.drawn = undefined;
      if (step !== "on") return step;
    }
    return "next";
  }

  private expr(pos: Pos, rule: NftRule, e: Expr, b: Branch): "on" | "next" | "moved" | "done" {
    if (this.ctx.unknown && (e.kind === "cmp" || e.kind === "lookup" || e.kind === "vmap") && asksNode(e.sel))
      b.assumptions.push(...assumedBy(e.sel, b, this.ctx, this.hook, this.ref(pos, rule), testedText(e)));
    switch (e.kind) {
      case "cmp":
        return this.cmp(e, b) ? "on" : "next";
      case "lookup": {
        const vals = selectorValues(e.sel, b, this.ctx);
        const held = vals !== undefined && this.setHas(pos, e.set, vals, b) !== undefined;
        return held !== e.neg && vals !== undefined ? "on" : "next";
      }
      case "vmap": {
        const vals = selectorValues(e.sel, b, this.ctx);
        const el = vals && this.setHas(pos, e.map, vals, b);
        if (!el?.verdict) return "next";
        const t = elementText(e.map.kind === "named" ? `@${e.map.name}` : "{ ... }", el);
        return this.verdict(pos, rule, el.verdict, b, t.detail, t.element);
      }
      case "verdict":
        return this.verdict(pos, rule, e.verdict, b, rule.text);
      case "dnat": {
        const after = { ...b.packet, dst: e.ip, dport: e.port ?? b.packet.dport };
        this.record(b, "dnat", this.ref(pos, rule), after, `DNAT to ${ipText(after.dst)}:${after.dport}`);
        b.dnat = { ip: after.dst, port: after.dport };
        b.ctDnat = true;
        this.fromBase(pos.bi + 1, b);
        return "done";
      }
      case "snat": {
        const after = { ...b.packet, src: e.ip, sport: e.port ?? b.packet.sport };
        this.record(b, "snat", this.ref(pos, rule), after, `SNAT to ${ipText(after.src)}:${after.sport}`);
        b.snat = { ip: after.src, port: after.sport, masquerade: false };
        b.ctSnat = true;
        this.fromBase(pos.bi + 1, b);
        return "done";
      }
      case "masquerade":
        this.masquerade(pos, rule, e, b);
        return "done";
      case "setmark": {
        const mark = ((b.packet.mark & e.and) ^ e.xor) >>> 0;
        const after = mark === b.packet.mark ? b.packet : { ...b.packet, mark };
        this.record(b, "mark", this.ref(pos, rule), after, `${e.text}: ${hexText(b.packet.mark)} -> ${hexText(mark)}`);
        return "on";
      }
      case "setupdate": {
        const vals = selectorValues(e.sel, b, this.ctx);
        const ip = vals?.[0];
        if (vals?.length !== 1 || typeof ip !== "number") return "on";
        const key = this.dynamicKey(pos, e.set);
        const next = new Map(b.recent);
        next.set(key, new Set([...(b.recent.get(key) ?? []), ip]));
        b.recent = next;
        this.record(b, "affinity", this.ref(pos, rule), b.packet, `${e.op} @${e.set}: remember ${ipText(ip)}`);
        return "on";
      }
      case "notrack":
        b.untracked = true;
        this.record(b, "notrack", this.ref(pos, rule), b.packet, rule.text);
        return "on";
      case "note":
        return "on";
    }
  }

  private cmp(e: Extract<Expr, { kind: "cmp" }>, b: Branch): boolean {
    if (e.sel.fields[0]?.kind === "ctstatus") return ctStatusHolds(e.values, b) !== e.neg;
    const vals = selectorValues(e.sel, b, this.ctx);
    if (vals === undefined) return false;
    const v = vals[0]!;
    let held: boolean;
    if (e.op === "eq") held = anyHolds(e.values, vals);
    else {
      const d = e.values[0]![0]!;
      if (!("lo" in d) || typeof v !== "number") return false;
      held = e.op === "lt" ? v < d.lo : e.op === "gt" ? v > d.lo : e.op === "le" ? v <= d.lo : v >= d.lo;
    }
    return held !== e.neg;
  }

  private dynamicKey(pos: Pos, set: string): string {
    const t = this.bases[pos.bi]!.table;
    return `nft ${t.family} ${t.name} @${set}`;
  }

  /** The element of the named or anonymous set that holds `vals`; a dynamic set is the branch's own. */
  private setHas(
    pos: Pos,
    src: Extract<Expr, { kind: "lookup" }>["set"],
    vals: readonly KeyValue[],
    b: Branch,
  ): SetElement | undefined {
    if (src.kind === "anonymous") return lookupOf(src.elements).find(vals);
    const set = this.bases[pos.bi]!.table.sets.get(src.name);
    if (!set) return undefined;
    if (set.dynamic) {
      const v = vals[0];
      const seen = typeof v === "number" && b.recent.get(this.dynamicKey(pos, src.name))?.has(v);
      return seen ? { key: [], text: `${ipText(v)} in @${src.name}` } : undefined;
    }
    return lookupOf(set.elements).find(vals);
  }

  private verdict(
    pos: Pos,
    rule: NftRule,
    v: NftVerdict,
    b: Branch,
    detail: string,
    element?: NetfilterEvent["element"],
  ): "on" | "next" | "moved" | "done" {
    const ref = this.ref(pos, rule);
    // The trace names the chain a jump went to and the map element that gave the verdict.
    switch (v.kind) {
      case "continue":
        return "next";
      case "accept":
        this.record(b, "accept", ref, b.packet, detail, element);
        this.fromBase(pos.bi + 1, b);
        return "done";
      case "drop":
        this.record(b, "drop", ref, b.packet, detail, element);
        this.end(b, "DROP");
        return "done";
      case "reject":
        this.record(b, "reject", ref, b.packet, detail, element);
        b.rejectWith = v.with;
        this.end(b, "REJECT");
        return "done";
      case "return":
        this.record(b, "return", ref, b.packet, detail);
        if (!pos.stack) {
          this.policy(pos, b);
          return "done";
        }
        pop(pos);
        return "moved";
      case "jump":
      case "goto": {
        const to = this.bases[pos.bi]!.table.chains.get(v.chain);
        if (!to) return "next";
        this.record(b, v.kind, ref, b.packet, detail, element, v.chain);
        const stack = v.kind === "jump" ? { chain: pos.chain, ri: pos.ri + 1, parent: pos.stack } : pos.stack;
        pos.chain = to;
        pos.ri = 0;
        pos.k = 0;
        pos.stack = stack;
        return "moved";
      }
    }
  }

  /** MASQUERADE writes the source the context names; none known and none assumed: the kernel drops. */
  private masquerade(pos: Pos, rule: NftRule, e: Extract<Expr, { kind: "masquerade" }>, b: Branch): void {
    const ref = this.ref(pos, rule);
    const iface = this.ctx.outIface ?? "(none)";
    const addr = this.ctx.outIfaceAddress ?? this.ctx.unknown?.masqueradeSource;
    const ports = e.fullyRandom ? " (fully-random may pick another port)" : "";
    if (this.ctx.outIfaceAddress === undefined && this.ctx.unknown)
      b.assumptions.push({ kind: "masquerade-source", iface, ...(addr !== undefined ? { ip: addr } : {}), rule: ref });
    if (addr === undefined && !this.ctx.unknown) {
      this.record(
        b,
        "drop",
        ref,
        b.packet,
        `masquerade: the node has no address to give on ${iface}, the kernel drops the packet`,
      );
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
    this.fromBase(pos.bi + 1, b);
  }
}
