// Rule lines -> compiled rules and their chain index, once per line array: rulesets that share an
// array (kube-proxy's KUBE-SERVICES, KUBE-SVC-*, KUBE-SEP-* are the same on every node) share the
// work and the memory. Keyed weakly by the array, so a dropped cluster frees its entries.
import { indexKey, indexOfKeys, type ChainIndex } from "./chain-index.ts";
import { compileRule, type CompiledRule } from "./compile.ts";
import type { TableName } from "../model/ruleset.ts";
import { parseRuleLine, type RuleNote, ruleNotes, ruleOf } from "./rule-parser.ts";

export interface CompiledLines {
  /** rules[i] is lines[i]; its ref.index is i + 1 (a part that starts elsewhere shifts it). */
  readonly rules: readonly CompiledRule[];
  readonly index: ChainIndex | null;
  /** Approximations and rules that cannot be interpreted, by position in the array. */
  readonly notes: readonly { readonly at: number; readonly note: RuleNote }[];
}

const cache = new WeakMap<readonly string[], Partial<Record<TableName, CompiledLines>>>();

/** `file` only names the lines in a parse error (generated lines are well-formed). */
export function compiledLines(lines: readonly string[], table: TableName, file: string): CompiledLines {
  let byTable = cache.get(lines);
  if (!byTable) cache.set(lines, (byTable = {}));
  return (byTable[table] ??= compile(lines, table, file));
}

function compile(lines: readonly string[], table: TableName, file: string): CompiledLines {
  const rules: CompiledRule[] = new Array(lines.length);
  const keys: (number | null)[] = new Array(lines.length);
  const notes: { at: number; note: RuleNote }[] = [];
  for (let i = 0; i < lines.length; i++) {
    const parsed = parseRuleLine(lines[i]!, file, i + 1);
    for (const note of ruleNotes(parsed)) notes.push({ at: i, note });
    const rule = ruleOf(parsed, table, i + 1, undefined);
    rules[i] = compileRule(rule);
    keys[i] = indexKey(rule);
  }
  return { rules, index: indexOfKeys(keys), notes };
}
