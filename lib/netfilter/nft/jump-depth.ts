// nf_tables refuses a table whose jumps and gotos nest too deep below a base chain
// (nft_chain_validate: a chain reached at level NFT_JUMP_STACK_SIZE is EMLINK, which nft prints as
// "Too many links"), so no real ruleset has one; a paste or a hostile file can. As with a loop
// (loops.ts), the rule whose jump reaches that level is kept, reported, and never matches, so the
// rest of the table is still read. Runs after loops are broken, so the jumps form no cycle; the
// levels are found by a sweep in topological order, never by recursion, so a 5,000-deep chain of
// jumps cannot overflow JavaScript's stack.
import { type Diagnostic, diagnostic } from "../../model/diagnostic.ts";
import { asWritten } from "../../model/excerpt.ts";
import { jumpTargets } from "./loops.ts";
import type { NftTable } from "./model.ts";

/** include/net/netfilter/nf_tables.h: the levels a walk may go down, the base chain's included. */
export const NFT_JUMP_STACK_SIZE = 16;

const NONE: readonly string[] = [];

/** Marks each rule whose jump nests NFT_JUMP_STACK_SIZE levels deep as unreadable, in place; a diagnostic for each. */
export function breakDeepJumps(file: string, table: NftTable): Diagnostic[] {
  const edges = new Map<string, { ri: number; to: readonly string[] }[]>();
  const indegree = new Map<string, number>();
  const reach: string[] = [];
  for (const [name, chain] of table.chains) if (chain.base) reach.push(name);
  const seen = new Set(reach);
  // The chains base chains reach, with each one's edges and how many edges come into it.
  for (let i = 0; i < reach.length; i++) {
    const name = reach[i]!;
    const out: { ri: number; to: readonly string[] }[] = [];
    const rules = table.chains.get(name)!.rules;
    for (let ri = 0; ri < rules.length; ri++) {
      const to = rules[ri]!.unreadable ? NONE : jumpTargets(rules[ri]!, table);
      if (to.length > 0) out.push({ ri, to });
    }
    edges.set(name, out);
    for (const e of out)
      for (const t of e.to) {
        if (!indegree.has(t)) {
          indegree.set(t, 0);
          if (!seen.has(t)) {
            seen.add(t);
            reach.push(t);
          }
        }
        indegree.set(t, indegree.get(t)! + 1);
      }
  }
  // A chain's deepest level below a base chain; none for one reached only through jumps cut here.
  const level = new Map<string, number>();
  const ready = reach.filter((n) => !indegree.get(n));
  for (const n of ready) level.set(n, 0);
  const out: Diagnostic[] = [];
  for (let i = 0; i < ready.length; i++) {
    const name = ready[i]!;
    const at = level.get(name);
    const chain = table.chains.get(name)!;
    for (const e of edges.get(name) ?? []) {
      const deep = at !== undefined && at + 1 >= NFT_JUMP_STACK_SIZE;
      if (deep) {
        const rule = chain.rules[e.ri]!;
        const reason =
          `a jump to ${asWritten(e.to[0]!)} ${NFT_JUMP_STACK_SIZE} levels below a base chain of table ` +
          `${table.family} ${asWritten(table.name)}, which nft refuses (NFT_JUMP_STACK_SIZE, "Too many links")`;
        chain.rules[e.ri] = { ...rule, unreadable: reason };
        out.push(
          diagnostic(
            "nft-unreadable",
            { file, line: rule.line, col: 1 },
            `${reason}: the rule is kept and never matches`,
          ),
        );
      }
      for (const t of e.to) {
        if (!deep && at !== undefined) level.set(t, Math.max(level.get(t) ?? 0, at + 1));
        const left = indegree.get(t)! - 1;
        indegree.set(t, left);
        if (left === 0) ready.push(t);
      }
    }
  }
  return out;
}
