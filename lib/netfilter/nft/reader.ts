// `nft list ruleset` text and `nft -f` input -> NftRuleset, read as best it can be: both the block
// form nft prints (`table ip t { chain c { ... } }`) and the commands kube-proxy feeds nft
// (`add rule ip kube-proxy services ...`), in any order, since nft resolves names per transaction.
// Every statement that cannot be read is a diagnostic at its line with a short excerpt, and the
// rest is read; a rule that cannot be read is kept in its chain and never matches.
import { type Diagnostic, type DiagnosticCode, diagnostic } from "../../model/diagnostic.ts";
import { closingBrace, readElements, splitTop, Unreadable } from "./elements.ts";
import { lex, sourceOf, type Token } from "./lexer.ts";
import {
  type Family,
  FAMILIES,
  type NftChain,
  type NftRuleset,
  type NftSet,
  type NftTable,
  type ValueKind,
} from "./model.ts";
import { readBase } from "./base-chain.ts";
import { readRule, readTypeof } from "./rule-reader.ts";
import { KEY_TYPES } from "./values.ts";

type PendingRule = Omit<NftChain["rules"][number], "index" | "chain">;

/** Splits `tokens` into statements at `;` / line ends outside braces. */
function statements(tokens: readonly Token[]): Token[][] {
  const out: Token[][] = [];
  let cur: Token[] = [];
  let depth = 0;
  for (const t of tokens) {
    if (t.kind === "punct" && t.text === "{") depth++;
    if (t.kind === "punct" && t.text === "}") depth = Math.max(0, depth - 1);
    if (t.kind === "end" && depth === 0) {
      if (cur.length > 0) out.push(cur);
      cur = [];
    } else cur.push(t);
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

export function excerpt(text: string): string {
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 57)}...` : text);
}

class NftReader {
  private readonly tables: NftTable[] = [];
  private readonly notes: Diagnostic[] = [];
  private readonly pending = new Map<NftChain, PendingRule[]>();

  constructor(
    private readonly text: string,
    private readonly file: string,
  ) {}

  note(code: DiagnosticCode, at: Token, message: string, hint?: string): void {
    this.notes.push(diagnostic(code, { file: this.file, line: at.line, col: at.col }, message, hint));
  }

  read(): NftRuleset {
    for (const st of this.topStatements()) this.top(st);
    for (const t of this.tables)
      for (const c of t.chains.values())
        c.rules.splice(
          0,
          c.rules.length,
          ...(this.pending.get(c) ?? []).map((r, i) => ({ ...r, chain: c.name, index: i + 1 })),
        );
    return { file: this.file, tables: this.tables, diagnostics: this.notes };
  }

  /** Top-level statements; a `}` with nothing open is reported and skipped. */
  private topStatements(): Token[][] {
    const out: Token[][] = [];
    for (const st of statements(lex(this.text))) {
      if (st[0]?.kind === "punct" && st[0].text === "}") {
        this.note("nft-unreadable", st[0], "a `}` that closes nothing (the paste starts inside a block?): skipped");
        if (st.length > 1) out.push(st.slice(1));
      } else out.push(st);
    }
    return out;
  }

  private top(st: Token[]): void {
    const w = st[0]!.text;
    try {
      if (w === "table") return this.tableBlock(st.slice(1), st[0]!);
      if (w === "chain" || w === "set" || w === "map") {
        const orphans = this.tables.find((t) => t.name === "(no table)");
        if (!orphans)
          this.note(
            "nft-unreadable",
            st[0]!,
            `a ${w} outside any table (the paste starts inside one): ` +
              `read into a table "ip (no table)", run as an ip table would be`,
            "paste the whole `nft list ruleset` output",
          );
        return this.tableItem(this.table("ip", "(no table)", st[0]!), st);
      }
      if (["add", "create", "insert", "replace", "flush", "delete", "destroy"].includes(w)) return this.command(st);
      this.note(
        "nft-unreadable",
        st[0]!,
        `${excerpt(sourceOf(this.text, st[0]!, st[st.length - 1]!))}: not an nft statement kubehop reads: skipped`,
      );
    } catch (e) {
      if (!(e instanceof Unreadable)) throw e;
      this.note(
        "nft-unreadable",
        e.token ?? st[0]!,
        `${e.message}: ${excerpt(sourceOf(this.text, st[0]!, st[st.length - 1]!))} skipped`,
      );
    }
  }

  /** `[family] name` at st[i]: the family defaults to ip, as nft's does. */
  private named(st: Token[], i: number): { family: Family; name: string; next: number } {
    const first = st[i];
    if (!first) throw new Unreadable(st[i - 1], "a name is missing");
    if ((FAMILIES as readonly string[]).includes(first.text) && st[i + 1] && st[i + 1]!.text !== "{")
      return { family: first.text as Family, name: st[i + 1]!.text, next: i + 2 };
    return { family: "ip", name: first.text, next: i + 1 };
  }

  private table(family: Family, name: string, at: Token): NftTable {
    let t = this.tables.find((x) => x.family === family && x.name === name);
    if (!t) {
      t = { family, name, line: at.line, chains: new Map(), sets: new Map() };
      this.tables.push(t);
    }
    return t;
  }

  /** The tokens between the `{` at `open` and its `}`; a block the text never closes runs to its end. */
  private body(st: Token[], open: number, what: string): Token[] {
    if (st[open]?.text !== "{") throw new Unreadable(st[open] ?? st[open - 1], `${what} without a { block }`);
    try {
      const close = closingBrace(st, open);
      if (close !== st.length - 1)
        this.note("nft-unreadable", st[close + 1]!, `text after ${what}'s closing brace: skipped`);
      return st.slice(open + 1, close);
    } catch {
      this.note("nft-unreadable", st[open]!, `${what} is never closed (a cut paste?): what is there is read`);
      return st.slice(open + 1);
    }
  }

  private tableBlock(st: Token[], at: Token): void {
    const { family, name, next } = this.named(st, 0);
    const table = this.table(family, name, at);
    for (const item of statements(this.body(st, next, `table ${family} ${name}`))) this.tableItem(table, item);
  }

  private tableItem(table: NftTable, st: Token[]): void {
    const w = st[0]!.text;
    try {
      if (w === "chain") return this.chainBlock(table, st[1]!, this.body(st, 2, `chain ${st[1]?.text}`));
      if (w === "set" || w === "map") return this.setBlock(table, st[1]!, this.body(st, 2, `${w} ${st[1]?.text}`), w);
      if (w === "comment" || w === "flags") return;
      this.note(
        "nft-unreadable",
        st[0]!,
        `${excerpt(w)} in table ${table.name}: a table object kubehop does not read: skipped`,
      );
    } catch (e) {
      if (!(e instanceof Unreadable)) throw e;
      this.note("nft-unreadable", e.token ?? st[0]!, `${e.message}: skipped`);
    }
  }

  private chain(table: NftTable, name: Token): NftChain {
    let c = table.chains.get(name.text);
    if (!c) {
      c = { name: name.text, line: name.line, rules: [] };
      table.chains.set(name.text, c);
      this.pending.set(c, []);
    }
    return c;
  }

  private chainBlock(table: NftTable, name: Token, body: Token[]): void {
    const chain = this.chain(table, name);
    for (const st of statements(body)) {
      const w = st[0]!.text;
      if (w === "type" || w === "policy") {
        try {
          chain.base = readBase(st, chain.base);
        } catch (e) {
          if (!(e instanceof Unreadable)) throw e;
          this.note("nft-unsupported", e.token ?? st[0]!, `chain ${chain.name}: ${e.message}: not run as a base chain`);
        }
      } else if (w !== "comment" && w !== "devices" && w !== "device") this.rule(chain, st, false);
    }
  }

  private rule(chain: NftChain, st: Token[], first: boolean): void {
    const text = sourceOf(this.text, st[0]!, st[st.length - 1]!);
    const base = { line: st[0]!.line, text };
    let rule: PendingRule;
    try {
      rule = { ...base, exprs: readRule(st) };
    } catch (e) {
      if (!(e instanceof Unreadable)) throw e;
      const at = e.token ?? st[0]!;
      this.note("nft-unsupported", at, `chain ${chain.name}: ${e.message} in ${excerpt(text)}: the rule never matches`);
      rule = { ...base, exprs: [], unreadable: e.message };
    }
    const list = this.pending.get(chain)!;
    if (first) list.unshift(rule);
    else list.push(rule);
  }

  private setBlock(table: NftTable, name: Token, body: Token[], what: "set" | "map"): void {
    const set = this.set(table, name, what);
    for (const st of statements(body)) {
      const w = st[0]!.text;
      if (w === "type" || w === "typeof") this.setType(set, st);
      else if (w === "flags") {
        if (st.some((t) => t.text === "dynamic")) (set as { dynamic: boolean }).dynamic = true;
      } else if (w === "elements") this.elements(set, this.body(st, 2, `${set.name}'s elements`), st[0]!);
    }
  }

  private set(table: NftTable, name: Token, what: "set" | "map"): NftSet {
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

  private setType(set: NftSet, st: Token[]): void {
    const colon = st.findIndex((t) => t.text === ":");
    const keys = colon < 0 ? st.slice(1) : st.slice(1, colon);
    const m = set as { kinds: readonly ValueKind[]; verdictMap: boolean };
    if (colon >= 0) m.verdictMap = st[colon + 1]?.text === "verdict";
    if (st[0]!.text === "typeof") {
      m.kinds = readTypeof(keys);
      return;
    }
    const kinds = splitTop(keys, ".").length ? keys.filter((t) => t.text !== ".").map((t) => KEY_TYPES[t.text]) : [];
    if (kinds.some((k) => k === undefined))
      throw new Unreadable(
        keys[0],
        `set ${set.name}: a key type kubehop does not model (${excerpt(keys.map((t) => t.text).join(" "))})`,
      );
    m.kinds = kinds as ValueKind[];
  }

  private elements(set: NftSet, tokens: Token[], at: Token): void {
    if (set.kinds.length === 0) throw new Unreadable(at, `set ${set.name}: elements of a set whose type is not known`);
    set.elements.push(...readElements(tokens, set.kinds, set.verdictMap));
  }

  private command(st: Token[]): void {
    const [verb, object] = [st[0]!.text, st[1]?.text];
    if (verb === "flush" && object === "ruleset") {
      this.tables.splice(0);
      return;
    }
    const t = this.named(st, 2);
    if (object === "table") {
      if (verb === "delete" || verb === "destroy") return this.dropTable(t.family, t.name);
      const table = this.table(t.family, t.name, st[0]!);
      if (verb === "flush") for (const c of table.chains.values()) this.pending.set(c, []);
      else if (st[t.next])
        for (const item of statements(this.body(st, t.next, `table ${t.name}`))) this.tableItem(table, item);
      return;
    }
    const table = this.table(t.family, t.name, st[0]!);
    const name = st[t.next];
    if (!name) throw new Unreadable(st[st.length - 1], `\`${verb} ${object}\` names no object`);
    if (object === "chain") return this.chainCommand(verb, table, name, st, t.next + 1);
    if (object === "rule" && (verb === "add" || verb === "insert"))
      return this.ruleCommand(verb, table, name, st, t.next + 1);
    if ((object === "set" || object === "map") && verb !== "delete" && verb !== "destroy") {
      if (verb === "flush") return void this.set(table, name, object).elements.splice(0);
      return this.setBlock(
        table,
        name,
        st[t.next + 1] ? this.body(st, t.next + 1, `${object} ${name.text}`) : [],
        object,
      );
    }
    if (object === "element" && verb === "add") {
      const set = table.sets.get(name.text);
      if (!set) throw new Unreadable(name, `elements for a set that was not declared (${excerpt(name.text)})`);
      return this.elements(set, this.body(st, t.next + 1, `the elements of ${name.text}`), name);
    }
    throw new Unreadable(st[0], `\`${verb} ${object ?? ""}\` is a command kubehop does not run`);
  }

  private chainCommand(verb: string, table: NftTable, name: Token, st: Token[], next: number): void {
    if (verb === "delete" || verb === "destroy") {
      table.chains.delete(name.text);
      return;
    }
    const chain = this.chain(table, name);
    if (verb === "flush") this.pending.set(chain, []);
    else if (st[next]) this.chainBlock(table, name, this.body(st, next, `chain ${name.text}`));
  }

  private ruleCommand(verb: string, table: NftTable, name: Token, st: Token[], next: number): void {
    const chain = table.chains.get(name.text) ?? this.chain(table, name);
    let i = next;
    if (["position", "handle", "index"].includes(st[i]?.text ?? "")) {
      this.note(
        "nft-unsupported",
        st[i]!,
        `\`${verb} rule ... ${st[i]!.text}\`: placed ${verb === "insert" ? "first" : "last"} in ${chain.name}`,
      );
      i += 2;
    }
    if (!st[i]) throw new Unreadable(st[i - 1], "a rule command with no rule");
    this.rule(chain, st.slice(i), verb === "insert");
  }

  private dropTable(family: Family, name: string): void {
    const i = this.tables.findIndex((x) => x.family === family && x.name === name);
    if (i >= 0) this.tables.splice(i, 1);
  }
}

export function parseNftRuleset(text: string, file = "<nft>"): NftRuleset {
  return new NftReader(text, file).read();
}
