// Sections of read text -> tables. A section is what one `*table ... COMMIT`, one command's output
// or one header-less stretch of a paste gave: chain declarations and rules, with the table known
// from a header or a command, or inferred here. Sections of one table are joined in order. Jump
// targets are checked once everything is read, as iptables-restore does at COMMIT; in a paste that
// stops early or leaves lines out, a missing chain is taken as empty rather than as an error.
import { asWritten, excerpt } from "../model/excerpt.ts";
import { type Diagnostic, type DiagnosticCode, diagnostic } from "../model/diagnostic.ts";
import { BUILTIN_CHAINS, type Chain, type Rule, type Table, type TableName } from "../model/ruleset.ts";
import { type ParsedRule, ruleNotes, ruleOf } from "./rule-parser.ts";
import { inferTables } from "./table-inference.ts";

/** `:NAME POLICY [c]` or, from `iptables -S`, `-N NAME` (policy `-`) and `-P NAME POLICY`. */
export interface Decl {
  readonly name: string;
  readonly policy: string;
  readonly line: number;
  /** Column of the policy word, for its diagnostic. */
  readonly policyCol: number;
}

/** A rule as read: parsed, or kept in its chain as unreadable (it never matches). */
export type PendingRule =
  | { readonly chain: string; readonly line: number; readonly parsed: ParsedRule }
  | {
      readonly chain: string;
      readonly line: number;
      readonly text: string;
      readonly unreadable: string;
      /** Where the line stops being readable. */
      readonly col: number;
    };

export interface Section {
  /** null: not given by a header or a command, so inferred from the chains. */
  table: TableName | null;
  /** A table kubehop does not simulate (`*security`): its lines are counted, not read. */
  ignored: string | null;
  how: "header" | "command" | "inferred";
  line: number;
  last: number;
  decls: Decl[];
  rules: PendingRule[];
  ignoredRules: number;
  committed: boolean;
  /** The paste leaves lines out here (`...`, no COMMIT, no header): missing chains are taken as empty. */
  partial: boolean;
}

interface MutableChain {
  name: string;
  table: TableName;
  policy: "ACCEPT" | "DROP" | null;
  line: number;
  rules: Rule[];
}

interface Builder {
  chains: Map<string, MutableChain>;
  /** `CHAIN RULE` -> line, of rules read from pasted command output, to spot the same output pasted again. */
  pasted: Map<string, { line: number; section: number }>;
  /** Line of the first header that named the table, if one did. */
  header: number | null;
  partial: boolean;
}

type Warn = (code: DiagnosticCode, line: number, message: string, hint?: string, col?: number) => void;

export class TableBuilder {
  private readonly tables = new Map<TableName, Builder>();
  private readonly ignoredSeen = new Set<string>();
  readonly diagnostics: Diagnostic[] = [];
  private readonly warn: Warn;

  constructor(readonly file: string) {
    this.warn = (code, line, message, hint, col = 1) =>
      this.diagnostics.push(diagnostic(code, { file, line, col }, message, hint));
  }

  add(s: Section): void {
    if (s.ignored !== null) {
      if (!this.ignoredSeen.has(s.ignored))
        this.warn(
          "iptables-table-ignored",
          s.line,
          `table ${s.ignored} is not simulated; its ${s.ignoredRules} rules are ignored`,
        );
      this.ignoredSeen.add(s.ignored);
      return;
    }
    if (s.table !== null) return this.fill(s.table, s, null);
    const chains = chainOrder(s);
    const inferred = inferTables(
      chains.map((name) => ({
        name,
        targets: s.rules.filter((r) => r.chain === name).flatMap((r) => targetOf(ruleText(r))),
      })),
    );
    const byTable = new Map<TableName, { chains: string[]; because: string[] }>();
    for (const g of inferred) {
      const t = byTable.get(g.table) ?? { chains: [], because: [] };
      t.chains.push(...g.chains);
      for (const b of g.because.split(", ")) if (!t.because.includes(b)) t.because.push(b);
      byTable.set(g.table, t);
    }
    for (const [table, { chains: names, because }] of byTable) {
      const first = names.slice(0, 6).map((n) => asWritten(n));
      const shown = `${first.join(", ")}${names.length > 6 ? ` and ${names.length - 6} more` : ""}`;
      this.warn(
        "iptables-table-inferred",
        s.line,
        `${s.line === s.last ? `line ${s.line} has` : `lines ${s.line}-${s.last} have`} no *${table} line: ` +
          `chain${names.length > 1 ? "s" : ""} ${shown} read as table ${table} (${because.join(", ")})`,
        `paste the whole iptables-save output, from its *${table} line to COMMIT`,
      );
      this.fill(table, s, new Set(names));
    }
  }

  /** The section's declarations and rules (those of `only`'s chains, if given) into the table. */
  private fill(table: TableName, s: Section, only: ReadonlySet<string> | null): void {
    let b = this.tables.get(table);
    if (!b) this.tables.set(table, (b = { chains: new Map(), pasted: new Map(), header: null, partial: false }));
    if (s.how === "header") {
      if (b.header !== null)
        this.warn(
          "iptables-merged",
          s.line,
          `table ${table} again (first at line ${b.header}): its chains and rules are added to the first's, as two ` +
            `pastes would be read one after the other`,
        );
      else b.header = s.line;
    }
    b.partial ||= s.partial;
    for (const d of s.decls) if (!only || only.has(d.name)) this.declare(b, table, d);
    for (const r of s.rules) {
      if (only && !only.has(r.chain)) continue;
      if (this.repeated(b, s, r)) continue;
      const chain = this.chainFor(b, table, r.chain, r.line, s.how === "header");
      chain.rules.push(this.rule(r, table, chain.rules.length + 1));
    }
  }

  /**
   * A command's output pasted twice (`iptables-save | grep X`, run again) lists the same rules again:
   * a rule another section of pasted output already gave is read once. iptables-save's own repeats,
   * within one table, are the node's and are kept.
   */
  private repeated(b: Builder, s: Section, r: PendingRule): boolean {
    if (s.how === "header") return false;
    const key = `${r.chain} ${"parsed" in r ? r.parsed.text : r.text}`;
    const first = b.pasted.get(key);
    if (first === undefined) {
      b.pasted.set(key, { line: r.line, section: s.line });
      return false;
    }
    if (first.section === s.line) return false;
    this.warn(
      "iptables-merged",
      r.line,
      `the rule of line ${first.line} again, from the same output pasted again; read once`,
    );
    return true;
  }

  private declare(b: Builder, table: TableName, d: Decl): void {
    const builtin = BUILTIN_CHAINS[table].includes(d.name);
    const skip = (message: string) => this.warn("iptables-unreadable-line", d.line, `${message}; the line is skipped`);
    if (builtin && d.policy !== "ACCEPT" && d.policy !== "DROP" && d.policy !== "-")
      return skip(`${excerpt(d.policy)} is not a policy for built-in chain ${d.name}; expected ACCEPT, DROP or -`);
    if (!builtin && d.policy !== "-")
      return skip(
        `${excerpt(d.policy)} is not valid for user chain ${d.name}: only built-in chains of table ${table} ` +
          `(${BUILTIN_CHAINS[table].join(", ")}) have a policy; write -`,
      );
    const old = b.chains.get(d.name);
    if (old) {
      this.warn(
        "iptables-merged",
        d.line,
        `chain ${d.name} is declared again in table ${table}${old.line ? ` (first at line ${old.line})` : ""}: read ` +
          `as one chain, its rules in order`,
      );
      if (builtin && d.policy !== "-") old.policy = d.policy as "ACCEPT" | "DROP";
      return;
    }
    if (builtin && d.policy === "-")
      this.warn(
        "iptables-policy-assumed",
        d.line,
        `:${d.name} - keeps the chain's current policy, which the text does not give; ACCEPT, the kernel's default, ` +
          `is assumed`,
      );
    const policy = builtin ? (d.policy === "-" ? "ACCEPT" : (d.policy as "ACCEPT" | "DROP")) : null;
    b.chains.set(d.name, { name: d.name, table, policy, line: d.line, rules: [] });
  }

  private chainFor(b: Builder, table: TableName, name: string, line: number, declared: boolean): MutableChain {
    let chain = b.chains.get(name);
    if (chain) return chain;
    const builtin = BUILTIN_CHAINS[table].includes(name);
    if (builtin)
      this.warn(
        "iptables-policy-assumed",
        line,
        `built-in chain ${name} of table ${table} has no declaration, so the text does not give its policy; ACCEPT, ` +
          `the kernel's default, is assumed`,
      );
    // A header-less paste declares nothing; the inferred-table warning says so once.
    else if (declared)
      this.warn(
        "iptables-undeclared-chain",
        line,
        `chain ${name} has no ":${name} - [0:0]" line in table ${table}; assuming a user chain`,
      );
    chain = { name, table, policy: builtin ? "ACCEPT" : null, line: 0, rules: [] };
    b.chains.set(name, chain);
    return chain;
  }

  private rule(r: PendingRule, table: TableName, index: number): Rule {
    if ("parsed" in r) {
      for (const note of ruleNotes(r.parsed)) this.warn(note.code, r.line, note.message);
      return ruleOf(r.parsed, table, index, r.line);
    }
    this.warn(
      "iptables-unreadable-rule",
      r.line,
      `${r.unreadable}; the rule is kept in chain ${asWritten(r.chain)} and never matches`,
      undefined,
      r.col,
    );
    return {
      ref: { table, chain: r.chain, index, text: r.text, line: r.line },
      header: {},
      matches: [],
      target: { kind: "none" },
      unsupported: r.unreadable,
    };
  }

  /** The tables in the order the text gives them, jump targets checked and loops broken. */
  finish(): Map<TableName, Table> {
    const out = new Map<TableName, Table>();
    for (const [name, b] of this.tables) out.set(name, this.close(name, b));
    return out;
  }

  private close(name: TableName, b: Builder): Table {
    const missing = new Map<string, number>();
    for (const chain of b.chains.values()) {
      chain.rules = chain.rules.map((rule) => {
        const t = rule.target;
        if (t.kind !== "jump" || rule.unsupported || b.chains.has(t.chain)) return rule;
        if (b.partial) {
          if (!missing.has(t.chain)) missing.set(t.chain, rule.ref.line!);
          return rule;
        }
        const reason =
          `${t.goto ? "-g" : "-j"} ${asWritten(t.chain)} (no chain ${asWritten(t.chain)} in table ${name}, and not ` +
          "a target kubehop knows)";
        this.warn(
          "iptables-missing-chain",
          rule.ref.line!,
          `cannot interpret ${reason}; the rule is treated as not matching`,
        );
        return { ...rule, unsupported: reason };
      });
    }
    for (const [chain, line] of missing) {
      this.warn(
        "iptables-missing-chain",
        line,
        `chain ${chain} of table ${name} is not in the paste (it stops or leaves lines out before it); taken as an ` +
          `empty chain, from which the packet returns`,
      );
      b.chains.set(chain, { name: chain, table: name, policy: null, line: 0, rules: [] });
    }
    const chains = new Map<string, Chain>(b.chains);
    breakLoops(chains, name, this.warn);
    return { name, chains };
  }
}

/** Chains in the order the section first names them. */
function chainOrder(s: Section): string[] {
  const seen = new Map<string, number>();
  for (const d of s.decls) if (!seen.has(d.name)) seen.set(d.name, d.line);
  for (const r of s.rules) if (!seen.has(r.chain)) seen.set(r.chain, r.line);
  return [...seen].sort((a, b) => a[1] - b[1]).map(([n]) => n);
}

function ruleText(r: PendingRule): string {
  return "parsed" in r ? r.parsed.text : r.text;
}

function targetOf(text: string): string[] {
  const m = /\s-[jg]\s+(\S+)/.exec(text);
  return m ? [m[1]!] : [];
}

/**
 * The kernel refuses a table whose jumps loop (ELOOP, "Loop found in table"), and a walk would not
 * end: the rule that closes a loop is kept but never matches, so the rest of the table is still
 * read. The depth-first search keeps its own stack, so a 5,000-deep chain of jumps cannot overflow
 * the JavaScript one; it also measures how deep the jumps nest (see NFT_JUMP_STACK_SIZE).
 */
function breakLoops(chains: Map<string, Chain>, table: TableName, warn: Warn): void {
  // Levels below the chain, once done: 0 for a chain that jumps nowhere.
  const height = new Map<string, number>();
  const onPath = new Map<string, number>();
  const path: { name: string; chain: Chain; rules: Rule[]; next: number; height: number }[] = [];
  const enter = (name: string) => {
    onPath.set(name, path.length);
    path.push({ name, chain: chains.get(name)!, rules: [], next: 0, height: 0 });
  };
  for (const root of [...chains.keys()]) {
    if (height.has(root)) continue;
    enter(root);
    while (path.length > 0) {
      const top = path[path.length - 1]!;
      const rule = top.chain.rules[top.next];
      if (rule === undefined) {
        chains.set(top.name, { ...top.chain, rules: top.rules });
        height.set(top.name, top.height);
        onPath.delete(top.name);
        path.pop();
        continue;
      }
      const t = rule.target;
      if (t.kind !== "jump" || rule.unsupported) {
        top.rules.push(rule);
        top.next++;
        continue;
      }
      const at = onPath.get(t.chain);
      if (at !== undefined) {
        const loop = [...path.slice(at).map((f) => f.name), t.chain].join(" -> ");
        const reason = `jump loop ${loop} in table ${table}, which iptables-restore refuses`;
        warn("iptables-unreadable-rule", rule.ref.line ?? 0, `${reason}; the rule is kept and never matches`);
        top.rules.push({ ...rule, unsupported: reason });
        top.next++;
        continue;
      }
      const below = height.get(t.chain);
      if (below === undefined && chains.has(t.chain)) {
        // Visit the target first; this rule is taken again when it is done.
        enter(t.chain);
        continue;
      }
      top.height = Math.max(top.height, (below ?? 0) + 1);
      top.rules.push(rule);
      top.next++;
    }
  }
  warnDeepJumps(chains, table, height, warn);
}

/** nf_tables' jump stack (include/net/netfilter/nf_tables.h); a chain this many levels down is refused. */
const NFT_JUMP_STACK_SIZE = 16;

/**
 * nf_tables, behind iptables-nft, refuses a table whose jumps nest NFT_JUMP_STACK_SIZE deep
 * (nft_chain_validate: EMLINK, "Too many links"); the legacy x_tables kernel sizes its jump stack
 * by the table's user chains, which loops being refused is always enough. The text does not say
 * which of the two loaded it, so the rules are walked as legacy does, with a warning.
 */
function warnDeepJumps(chains: Map<string, Chain>, table: TableName, height: Map<string, number>, warn: Warn): void {
  for (const base of BUILTIN_CHAINS[table]) {
    const depth = height.get(base) ?? 0;
    if (depth < NFT_JUMP_STACK_SIZE) continue;
    const chain = chains.get(base)!;
    const first = chain.rules.find(
      (r) => r.target.kind === "jump" && !r.unsupported && height.get(r.target.chain) === depth - 1,
    );
    warn(
      "iptables-deep-jumps",
      first?.ref.line ?? chain.line,
      `jumps from ${table} ${base} nest ${depth} chains deep; iptables-nft (nf_tables) refuses a table whose jumps ` +
        `nest ${NFT_JUMP_STACK_SIZE} deep (NFT_JUMP_STACK_SIZE, "Too many links"), iptables-legacy loads it: the ` +
        `rules are walked as the legacy kernel walks them`,
    );
  }
}
