// The kernel refuses a table whose jumps or gotos loop (nf_tables_check_loops: ELOOP, which nft prints
// as "Too many levels of symbolic links"), so no real ruleset has one; a paste or a hostile file can,
// and a walk would never end. As in the iptables engine (table-builder.ts breakLoops), the rule that
// closes a loop is kept, reported, and never matches, so the rest of the table is still read. The
// depth-first search keeps its own stack: a 100,000-deep chain of jumps cannot overflow JavaScript's.
import { type Diagnostic, diagnostic } from "../../model/diagnostic.ts";
import { asWritten } from "../../model/excerpt.ts";
import type { Expr, NftRule, NftTable, SetElement } from "./model.ts";

/** Each rule's targets, found once: the loop and the depth checks both ask, and a verdict map may name 10,000. */
const targetsOf = new WeakMap<NftRule, string[]>();
const NO_TARGETS: readonly string[] = [];

/** The chains a rule may continue in: its jump/goto verdicts and the verdicts of the maps it looks up. */
export function jumpTargets(rule: NftRule, table: NftTable): readonly string[] {
  // Most rules jump nowhere or to one chain: answered without the cache, kept for verdict maps.
  let maps = false;
  let one: string | undefined;
  let jumps = 0;
  for (const e of rule.exprs)
    if (e.kind === "vmap") maps = true;
    else if (e.kind === "verdict" && "chain" in e.verdict) {
      jumps++;
      one = e.verdict.chain;
    }
  if (!maps && jumps === 0) return NO_TARGETS;
  if (!maps && jumps === 1) return table.chains.has(one!) ? [one!] : NO_TARGETS;
  let to = targetsOf.get(rule);
  if (to) return to;
  const fromElements = (els: readonly SetElement[]) =>
    els.flatMap((el) => (el.verdict && "chain" in el.verdict ? [el.verdict.chain] : []));
  const ofExpr = (e: Expr): string[] => {
    if (e.kind === "verdict") return "chain" in e.verdict ? [e.verdict.chain] : [];
    if (e.kind !== "vmap") return [];
    if (e.map.kind === "anonymous") return fromElements(e.map.elements);
    return fromElements(table.sets.get(e.map.name)?.elements ?? []);
  };
  to = rule.exprs.length === 0 ? [] : [...new Set(rule.exprs.flatMap(ofExpr))].filter((c) => table.chains.has(c));
  targetsOf.set(rule, to);
  return to;
}

interface Frame {
  readonly name: string;
  readonly rules: NftRule[];
  next: number;
  /** The current rule's targets, found once (a verdict map may name 10,000 chains), and the next to visit. */
  to: readonly string[] | null;
  ti: number;
}

/** Marks each rule that closes a loop as unreadable, in place, and returns a diagnostic for each. */
export function breakNftLoops(file: string, table: NftTable): Diagnostic[] {
  const out: Diagnostic[] = [];
  const done = new Set<string>();
  const onPath = new Map<string, number>();
  const path: Frame[] = [];
  const enter = (name: string) => {
    onPath.set(name, path.length);
    path.push({ name, rules: table.chains.get(name)!.rules, next: 0, to: null, ti: 0 });
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
      if (top.to === null) {
        if (rule.unreadable) {
          top.next++;
          continue;
        }
        top.to = jumpTargets(rule, table);
        top.ti = 0;
        const closing = top.to.find((c) => onPath.has(c));
        if (closing !== undefined) {
          const loop = [...path.slice(onPath.get(closing)!).map((f) => f.name), closing]
            .map((n) => asWritten(n))
            .join(" -> ");
          const where = `table ${table.family} ${asWritten(table.name)}`;
          const reason = `jump loop ${loop} in ${where}, which nft refuses (ELOOP)`;
          top.rules[top.next] = { ...rule, unreadable: reason };
          out.push(
            diagnostic(
              "nft-unreadable",
              { file, line: rule.line, col: 1 },
              `${reason}: the rule is kept and never matches`,
            ),
          );
          top.to = null;
          top.next++;
          continue;
        }
      }
      while (top.ti < top.to.length && done.has(top.to[top.ti]!)) top.ti++;
      if (top.ti < top.to.length) {
        // Visit the target first, then come back to this rule for its other targets.
        enter(top.to[top.ti]!);
        continue;
      }
      top.to = null;
      top.next++;
    }
  }
  return out;
}
