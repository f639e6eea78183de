// Names a table's rules use that the table lacks: a jump or goto to a missing chain and an @set that
// was never declared never match (nft itself would refuse them; a paste may have lost them).
import { type Diagnostic, diagnostic } from "../../model/diagnostic.ts";
import { asWritten, excerpt } from "../../model/excerpt.ts";
import type { Expr, NftTable, SetElement } from "./model.ts";

function chainsOf(e: Expr): string[] {
  const fromElements = (els: readonly SetElement[]) =>
    els.flatMap((el) => (el.verdict && "chain" in el.verdict ? [el.verdict.chain] : []));
  if (e.kind === "verdict" && "chain" in e.verdict) return [e.verdict.chain];
  if (e.kind === "vmap" && e.map.kind === "anonymous") return fromElements(e.map.elements);
  return [];
}

function setsOf(e: Expr): string[] {
  if ((e.kind === "lookup" && e.set.kind === "named") || (e.kind === "vmap" && e.map.kind === "named"))
    return [e.kind === "lookup" ? (e.set as { name: string }).name : (e.map as { name: string }).name];
  if (e.kind === "setupdate") return [e.set];
  return [];
}

export function checkRefs(file: string, table: NftTable): Diagnostic[] {
  const out: Diagnostic[] = [];
  const missing = (line: number, what: string) =>
    out.push(
      diagnostic(
        "nft-missing",
        { file, line, col: 1 },
        `${what} does not exist in table ${table.family} ${asWritten(table.name)}: never matches`,
      ),
    );
  for (const set of table.sets.values())
    for (const el of set.elements)
      if (el.verdict && "chain" in el.verdict && !table.chains.has(el.verdict.chain))
        missing(set.line, `chain ${excerpt(el.verdict.chain)} (from @${asWritten(set.name)})`);
  for (const chain of table.chains.values())
    for (const rule of chain.rules)
      for (const e of rule.exprs) {
        for (const c of chainsOf(e)) if (!table.chains.has(c)) missing(rule.line, `chain ${excerpt(c)}`);
        for (const s of setsOf(e)) if (!table.sets.has(s)) missing(rule.line, `set @${asWritten(s)}`);
      }
  return out;
}
