// The kernel refuses a table whose jumps or gotos loop (nf_tables_check_loops: ELOOP, which nft prints
// as "Too many levels of symbolic links"), so no real ruleset has one; a paste or a hostile file can,
// and a walk would never end. As in the iptables engine (table-builder.ts breakLoops), the rule that
// closes a loop is kept, reported, and never matches, so the rest of the table is still read. The
// depth-first search keeps its own stack: a 100,000-deep chain of jumps cannot overflow JavaScript's.
import { type Diagnostic, diagnostic } from "../../model/diagnostic.ts";
import { asWritten } from "../../model/excerpt.ts";
import type { Expr, NftRule, NftTable, SetElement } from "./model.ts";

/** The chains a rule may continue in: its jump/goto verdicts and the verdicts of the maps it looks up. */
export function jumpTargets(rule: NftRule, table: NftTable): string[] {
  const fromElements = (els: readonly SetElement[]) =>
    els.flatMap((el) => (el.verdict && "chain" in el.verdict ? [el.verdict.chain] : []));
  const ofExpr = (e: Expr): string[] => {
    if (e.kind === "verdict") return "chain" in e.verdict ? [e.verdict.chain] : [];
    if (e.kind !== "vmap") return [];
    if (e.map.kind === "anonymous") return fromElements(e.map.elements);
    return fromElements(table.sets.get(e.map.name)?.elements ?? []);
  };
  return [...new Set(rule.exprs.flatMap(ofExpr))].filter((c) => table.chains.has(c));
}

interface Frame {
  readonly name: string;
  readonly rules: NftRule[];
  next: number;
}

/** Marks each rule that closes a loop as unreadable, in place, and returns a diagnostic for each. */
export function breakNftLoops(file: string, table: NftTable): Diagnostic[] {
  const out: Diagnostic[] = [];
  const done = new Set<string>();
  const onPath = new Map<string, number>();
  const path: Frame[] = [];
  const enter = (name: string) => {
    onPath.set(name, path.length);
    path.push({ name, rules: table.chains.get(name)!.rules, next: 0 });
  };
  for (const root of table.chains.keys()) {
    if (done.has(root)) continue;
    enter(root);
    while (path.length > 0) {
      const top = path[path.length - 1]!;
      const rule = top.rules[top.next];
      if (rule === undefined) {
        done.add(top.name);
        onPath.delete(top.name);
        path.pop();
        continue;
      }
      top.next++;
      if (rule.unreadable) continue;
      const to = jumpTargets(rule, table);
      const closing = to.find((c) => onPath.has(c));
      if (closing !== undefined) {
        const loop = [...path.slice(onPath.get(closing)!).map((f) => f.name), closing]
          .map((n) => asWritten(n))
          .join(" -> ");
        const reason = `jump loop ${loop} in table ${table.family} ${asWritten(table.name)}, which nft refuses (ELOOP)`;
        top.rules[top.next - 1] = { ...rule, unreadable: reason };
        out.push(
          diagnostic(
            "nft-unreadable",
            { file, line: rule.line, col: 1 },
            `${reason}: the rule is kept and never matches`,
          ),
        );
        continue;
      }
      const unvisited = to.find((c) => !done.has(c));
      if (unvisited !== undefined) {
        // Visit the target first, then look at this rule again for its other targets.
        top.next--;
        enter(unvisited);
      }
    }
  }
  return out;
}
