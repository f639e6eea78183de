// Names a table's rules use that the table lacks: a jump or goto to a missing chain and an @set that
// was never declared never match (nft itself would refuse them; a paste may have lost them).
import { type Diagnostic, diagnostic } from "../../model/diagnostic.ts";
import { asWritten, excerpt } from "../../model/excerpt.ts";
import type { NftTable } from "./model.ts";

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
  // One pass over every rule of a table of 150,000 chains: each expression looked at in place.
  const chain = (line: number, c: string) => {
    if (!table.chains.has(c)) missing(line, `chain ${excerpt(c)}`);
  };
  const set = (line: number, s: string) => {
    if (!table.sets.has(s)) missing(line, `set @${asWritten(s)}`);
  };
  for (const c of table.chains.values())
    for (const rule of c.rules)
      for (const e of rule.exprs) {
        if (e.kind === "verdict") {
          if ("chain" in e.verdict) chain(rule.line, e.verdict.chain);
        } else if (e.kind === "vmap") {
          if (e.map.kind === "named") set(rule.line, e.map.name);
          else
            for (const el of e.map.elements)
              if (el.verdict && "chain" in el.verdict) chain(rule.line, el.verdict.chain);
        } else if (e.kind === "lookup") {
          if (e.set.kind === "named") set(rule.line, e.set.name);
        } else if (e.kind === "setupdate") set(rule.line, e.set);
      }
  return out;
}
