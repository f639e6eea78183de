// `nft list ruleset` text and `nft -f` input -> NftRuleset, read as best it can be: both the block
// form nft prints (`table ip t { chain c { ... } }`) and the commands kube-proxy feeds nft
// (`add rule ip kube-proxy services ...`), in any order, since nft resolves names per transaction.
// Blocks are read statement by statement as the text is lexed, so a 40 MB ruleset is never held as
// tokens all at once. Every statement that cannot be read is a diagnostic at its line with a short
// excerpt, and the rest is read; a rule that cannot be read is kept in its chain and never matches.
import { asWritten, excerpt, excerptStart, LINE_START_MAX } from "../../model/excerpt.ts";
import { RulesetBuilder } from "./builder.ts";
import { closingBrace, Unreadable } from "./elements.ts";
import { Lexer, ListSource, sourceOf, type Token, type TokenSource } from "./lexer.ts";
import { type Family, FAMILIES, type NftChain, type NftRuleset, type NftSet, type NftTable } from "./model.ts";
import { nextStatement, splitStatements } from "./statements.ts";

/** The block a statement is read in. */
type Block =
  | { readonly kind: "top" }
  | { readonly kind: "table"; readonly table: NftTable }
  | { readonly kind: "chain"; readonly chain: NftChain }
  | { readonly kind: "set"; readonly set: NftSet };

const ORPHANS = "(no table)";

class NftReader extends RulesetBuilder {
  read(): NftRuleset {
    this.block(new Lexer(this.text), { kind: "top" }, undefined);
    return this.finish();
  }

  /** Reads `block`'s statements until its `}` (true) or the end of the text (false). */
  private block(src: TokenSource, block: Block, open: Token | undefined): boolean {
    const opens = (head: readonly Token[]) => opensBlock(block, head);
    for (;;) {
      const st = nextStatement(src, opens);
      if (st.open) {
        if (!this.child(src, block, st.tokens, st.open)) return this.unclosed(block, open);
        continue;
      }
      if (st.tokens.length > 0) this.statement(block, st.tokens);
      if (st.eof) return this.unclosed(block, open);
      if (st.close) {
        if (block.kind !== "top") return true;
        this.note("nft-unreadable", st.close, "a `}` that closes nothing (the paste starts inside a block?): skipped");
      }
    }
  }

  private unclosed(block: Block, open: Token | undefined): false {
    if (open && block.kind !== "top") {
      const what =
        block.kind === "table"
          ? `table ${block.table.family} ${asWritten(block.table.name)}`
          : `${block.kind} ${asWritten("chain" in block ? block.chain.name : block.set.name)}`;
      this.note("nft-unreadable", open, `${what} is never closed (a cut paste?): what is there is read`);
    }
    return false;
  }

  /** A block opened by `head {`: false when the text ended inside it. */
  private child(src: TokenSource, parent: Block, head: Token[], open: Token): boolean {
    const w = head[0]!.text;
    if (parent.kind === "top" && w === "table") {
      const { family, name } = this.named(head, 1);
      return this.block(src, { kind: "table", table: this.table(family, name, head[0]!) }, open);
    }
    let table: NftTable;
    if (parent.kind === "table") table = parent.table;
    else {
      if (!this.tables.some((t) => t.name === ORPHANS))
        this.note(
          "nft-unreadable",
          head[0]!,
          `a ${w} outside any table (the paste starts inside one): ` +
            `read into a table "ip ${ORPHANS}", run as an ip table would be`,
          "paste the whole `nft list ruleset` output",
        );
      table = this.table("ip", ORPHANS, head[0]!);
    }
    if (w === "chain") return this.block(src, { kind: "chain", chain: this.chain(table, head[1]!) }, open);
    return this.block(src, { kind: "set", set: this.set(table, head[1]!, w as "set" | "map") }, open);
  }

  private statement(block: Block, st: Token[]): void {
    try {
      switch (block.kind) {
        case "top":
          return this.top(st);
        case "table":
          if (st[0]!.text === "comment" || st[0]!.text === "flags") return;
          throw new Unreadable(
            st[0],
            `${excerptStart(st[0]!.text)} in table ${asWritten(block.table.name)}: ` +
              "a table object kubehop does not read",
          );
        case "chain":
          return this.chainStatement(block.chain, st);
        case "set":
          return this.setStatement(block.set, st);
      }
    } catch (e) {
      if (!(e instanceof Unreadable)) throw e;
      this.note(
        "nft-unreadable",
        e.token ?? st[0]!,
        `${e.message}: ${excerptStart(sourceOf(this.text, st[0]!, st[st.length - 1]!))} skipped`,
      );
    }
  }

  private top(st: Token[]): void {
    const w = st[0]!.text;
    if (["add", "create", "insert", "replace", "flush", "delete", "destroy"].includes(w)) return this.command(st);
    throw new Unreadable(st[0], "not an nft statement kubehop reads");
  }

  /** `[family] name` at st[i]: the family defaults to ip, as nft's does. */
  private named(st: Token[], i: number): { family: Family; name: string; next: number } {
    const first = st[i];
    if (!first) throw new Unreadable(st[i - 1], "a name is missing");
    if ((FAMILIES as readonly string[]).includes(first.text) && st[i + 1] && st[i + 1]!.text !== "{")
      return { family: first.text as Family, name: st[i + 1]!.text, next: i + 2 };
    return { family: "ip", name: first.text, next: i + 1 };
  }

  /** A command's inline `{ ... }` at st[open], read as the block it stands for. */
  private inline(st: Token[], open: number, block: Block): void {
    if (st[open]?.text !== "{") throw new Unreadable(st[open] ?? st[open - 1], "expected { ... }");
    const close = closingBrace(st, open);
    if (close !== st.length - 1) throw new Unreadable(st[close + 1], "text after the block");
    this.block(new ListSource(st.slice(open + 1, close)), block, undefined);
  }

  private command(st: Token[]): void {
    const [verb, object] = [st[0]!.text, st[1]?.text];
    if (verb === "flush" && object === "ruleset") {
      this.tables.splice(0);
      return;
    }
    const t = this.named(st, 2);
    if (object === "table") {
      if (verb === "delete" || verb === "destroy") {
        const i = this.tables.findIndex((x) => x.family === t.family && x.name === t.name);
        if (i >= 0) this.tables.splice(i, 1);
        return;
      }
      const table = this.table(t.family, t.name, st[0]!);
      if (verb === "flush") for (const c of table.chains.values()) this.pending.set(c, []);
      else if (st[t.next]) this.inline(st, t.next, { kind: "table", table });
      return;
    }
    const table = this.table(t.family, t.name, st[0]!);
    const name = st[t.next];
    if (!name)
      throw new Unreadable(st[st.length - 1], `\`${verb} ${asWritten(object ?? "", LINE_START_MAX)}\` names no object`);
    const next = t.next + 1;
    if (object === "chain") {
      if (verb === "delete" || verb === "destroy") return void table.chains.delete(name.text);
      const chain = this.chain(table, name);
      if (verb === "flush") this.pending.set(chain, []);
      else if (st[next]) this.inline(st, next, { kind: "chain", chain });
      return;
    }
    if (object === "rule" && (verb === "add" || verb === "insert"))
      return this.ruleCommand(verb, table, name, st, next);
    if ((object === "set" || object === "map") && verb !== "delete" && verb !== "destroy") {
      const set = this.set(table, name, object);
      if (verb === "flush") set.elements.splice(0);
      else if (st[next]) this.inline(st, next, { kind: "set", set });
      return;
    }
    if (object === "element" && verb === "add") {
      const set = table.sets.get(name.text);
      if (!set) throw new Unreadable(name, `elements for a set that was not declared (${excerpt(name.text)})`);
      if (st[next]?.text !== "{" || closingBrace(st, next) !== st.length - 1)
        throw new Unreadable(st[next] ?? name, "elements without { ... }");
      return this.elements(set, st.slice(next + 1, -1), name);
    }
    throw new Unreadable(
      st[0],
      `\`${verb} ${asWritten(object ?? "", LINE_START_MAX)}\` is a command kubehop does not run`,
    );
  }

  private ruleCommand(verb: string, table: NftTable, name: Token, st: Token[], next: number): void {
    const chain = this.chain(table, name);
    let i = next;
    if (["position", "handle", "index"].includes(st[i]?.text ?? "")) {
      this.note(
        "nft-unsupported",
        st[i]!,
        `\`${verb} rule ... ${st[i]!.text}\`: ` +
          `placed ${verb === "insert" ? "first" : "last"} in ${asWritten(chain.name)}`,
      );
      i += 2;
    }
    if (!st[i]) throw new Unreadable(st[i - 1], "a rule command with no rule");
    for (const part of splitStatements(st.slice(i))) this.rule(chain, part, verb === "insert");
  }
}

/** Whether `head {` opens a block read statement by statement (rather than a value's braces). */
function opensBlock(block: Block, head: readonly Token[]): boolean {
  const w = head[0]?.text;
  if (block.kind === "top")
    return (w === "table" && (head.length === 2 || head.length === 3)) || (isChainOrSet(w) && head.length === 2);
  return block.kind === "table" && isChainOrSet(w) && head.length === 2;
}

function isChainOrSet(w: string | undefined): boolean {
  return w === "chain" || w === "set" || w === "map";
}

export function parseNftRuleset(text: string, file = "<nft>"): NftRuleset {
  return new NftReader(text, file).read();
}
