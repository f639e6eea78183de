// The ruleset as the reader builds it: tables found or made by name, chains with their rules in
// order (an `insert` puts one first), sets with their types and elements; and the diagnostics of
// everything that could not be read, each at its line.
import { type Diagnostic, type DiagnosticCode, diagnostic } from "../../model/diagnostic.ts";
import { asWritten, excerpt } from "../../model/excerpt.ts";
import { readBase } from "./base-chain.ts";
import { readElements, Unreadable } from "./elements.ts";
import { sourceOf, type Token } from "./lexer.ts";
import type { Expr, Family, NftChain, NftRule, NftRuleset, NftSet, NftTable, ValueKind } from "./model.ts";
import { readRule, readTypeof } from "./rule-reader.ts";
import { KEY_TYPES } from "./values.ts";

export class RulesetBuilder {
  protected readonly tables: NftTable[] = [];
  private readonly notes: Diagnostic[] = [];
  /** Rules as read, numbered when the reading is done (an insert shifts the others). */
  protected readonly pending = new Map<NftChain, NftRule[]>();

  constructor(
    protected readonly text: string,
    protected readonly file: string,
  ) {}

  note(code: DiagnosticCode, at: Token, message: string, hint?: string): void {
    this.notes.push(diagnostic(code, { file: this.file, line: at.line, col: at.col }, message, hint));
  }

  protected finish(): NftRuleset {
    for (const t of this.tables)
      for (const c of t.chains.values()) {
        const rules = this.pending.get(c) ?? [];
        for (let i = 0; i < rules.length; i++) (rules[i] as { index: number }).index = i + 1;
        // Each chain's list made at its length (most of kube-proxy's 160,000 chains hold one or two rules).
        (c as { rules: NftRule[] }).rules = rules.slice();
      }
    return { file: this.file, tables: this.tables, diagnostics: this.notes };
  }

  protected table(family: Family, name: string, at: Token): NftTable {
    let t = this.tables.find((x) => x.family === family && x.name === name);
    if (!t) {
      t = { family, name, line: at.line, chains: new Map(), sets: new Map() };
      this.tables.push(t);
    }
    return t;
  }

  protected chain(table: NftTable, name: Token): NftChain {
    let c = table.chains.get(name.text);
    if (!c) {
      c = { name: name.text, line: name.line, rules: [] };
      table.chains.set(name.text, c);
      this.pending.set(c, []);
    }
    return c;
  }

  /** One statement inside a chain: its hook and policy, or a rule. */
  protected chainStatement(chain: NftChain, st: Token[]): void {
    const w = st[0]!.text;
    if (w === "type" || w === "policy") {
      try {
        chain.base = readBase(st, chain.base);
      } catch (e) {
        if (!(e instanceof Unreadable)) throw e;
        this.note(
          "nft-unsupported",
          e.token ?? st[0]!,
          `chain ${asWritten(chain.name)}: ${e.message}: not run as a base chain`,
        );
      }
    } else if (w !== "comment" && w !== "devices" && w !== "device") this.rule(chain, st, false);
  }

  protected rule(chain: NftChain, st: Token[], first: boolean): void {
    const text = sourceOf(this.text, st[0]!, st[st.length - 1]!);
    const line = st[0]!.line;
    let rule: NftRule;
    try {
      const exprs = readRule(st);
      // One literal per rule, no spread: a node's ruleset holds 300,000 of them. Both literals have
      // the same fields in the same order, so that the walk reads every rule through one shape.
      rule = {
        chain: chain.name,
        index: 0,
        line,
        text,
        exprs,
        draws: drawsIn(exprs),
        asks: asksIn(exprs),
        unreadable: undefined,
        refs: undefined,
        test: undefined,
        frames: undefined,
      };
    } catch (e) {
      if (!(e instanceof Unreadable)) throw e;
      const at = e.token ?? st[0]!;
      // A rule that starts with what kubehop cannot read may be no rule at all (a line of any file):
      // only a rule that starts as nft rules do is quoted, and only its start.
      const quoted = at === st[0] ? "" : ` in ${excerpt(text)}`;
      this.note("nft-unsupported", at, `chain ${asWritten(chain.name)}: ${e.message}${quoted}: the rule never matches`);
      rule = {
        chain: chain.name,
        index: 0,
        line,
        text,
        exprs: [],
        draws: false,
        asks: false,
        unreadable: e.message,
        refs: undefined,
        test: null,
        frames: undefined,
      };
    }
    const list = this.pending.get(chain)!;
    if (first) list.unshift(rule);
    else list.push(rule);
  }

  protected set(table: NftTable, name: Token, what: "set" | "map"): NftSet {
    let s = table.sets.get(name.text);
    if (!s) {
      s = {
        name: name.text,
        line: name.line,
        kinds: [],
        verdictMap: false,
        isMap: what === "map",
        dynamic: false,
        elements: [],
      };
      table.sets.set(name.text, s);
    }
    return s;
  }

  /** One statement inside a set or map: its type, flags, elements; the rest (size, timeout) changes no lookup. */
  protected setStatement(set: NftSet, st: Token[]): void {
    const w = st[0]!.text;
    try {
      if (w === "type" || w === "typeof") this.setType(set, st);
      else if (w === "flags") {
        if (st.some((t) => t.text === "dynamic")) (set as { dynamic: boolean }).dynamic = true;
      } else if (w === "elements") {
        if (st[1]?.text !== "=" || st[2]?.text !== "{" || st[st.length - 1]!.text !== "}")
          throw new Unreadable(st[1] ?? st[0], "elements without = { ... }");
        this.elements(set, st.slice(3, -1), st[0]!);
      }
    } catch (e) {
      if (!(e instanceof Unreadable)) throw e;
      this.note("nft-unreadable", e.token ?? st[0]!, `${e.message}: skipped`);
    }
  }

  private setType(set: NftSet, st: Token[]): void {
    const colon = st.findIndex((t) => t.text === ":");
    const keys = colon < 0 ? st.slice(1) : st.slice(1, colon);
    const m = set as { kinds: readonly ValueKind[]; verdictMap: boolean };
    if (colon >= 0) m.verdictMap = st[colon + 1]?.text === "verdict";
    if (st[0]!.text === "typeof") {
      m.kinds = readTypeof(keys);
      return;
    }
    const kinds = keys.filter((t) => t.text !== ".").map((t) => KEY_TYPES[t.text]);
    if (kinds.length === 0 || kinds.some((k) => k === undefined))
      throw new Unreadable(
        keys[0] ?? st[0],
        `set ${asWritten(set.name)}: a key type kubehop does not model (${excerpt(keys.map((t) => t.text).join(" "))})`,
      );
    m.kinds = kinds as ValueKind[];
  }

  protected elements(set: NftSet, tokens: Token[], at: Token): void {
    if (set.kinds.length === 0)
      throw new Unreadable(at, `set ${asWritten(set.name)}: elements of a set whose type is not known`);
    for (const e of readElements(tokens, set.kinds, set.verdictMap)) set.elements.push(e);
  }
}

/** Whether an expression tests what rules read alone do not say (selectors.ts's asksNode). */
function asksIn(exprs: readonly Expr[]): boolean {
  for (const e of exprs)
    if ((e.kind === "cmp" || e.kind === "lookup" || e.kind === "vmap") && e.sel.asksNode) return true;
  return false;
}

/** Whether an expression draws a number (numgen). */
function drawsIn(exprs: readonly Expr[]): boolean {
  for (const e of exprs) if ((e.kind === "cmp" || e.kind === "lookup" || e.kind === "vmap") && e.sel.draw) return true;
  return false;
}
