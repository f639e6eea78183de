// Where the engine's chains come from: compiled on first use, either from a parsed Ruleset (its
// own rules) or from a ChainSource, whose line arrays may be shared with other rulesets and are
// compiled once per array (compiled-lines.ts). A node that differs from its neighbours in a few
// chains thus costs those few chains, not the whole ruleset.
import { asWritten } from "../model/excerpt.ts";
import { buildChainIndex, type ChainIndex } from "./chain-index.ts";
import type { ChainSource } from "./chain-source.ts";
import { compileRule, type CompiledRule } from "./compile.ts";
import { compiledLines } from "./compiled-lines.ts";
import { type Diagnostic, diagnostic } from "../model/diagnostic.ts";
import type { Chain, RuleRef, Ruleset, TableName } from "../model/ruleset.ts";

/** rules[start..end) of a compiled array; `offset` is the chain position of rules[start]. */
export interface EnginePart {
  readonly rules: readonly CompiledRule[];
  readonly index: ChainIndex | null;
  readonly start: number;
  readonly end: number;
  readonly offset: number;
}

export interface EngineChain {
  readonly name: string;
  readonly policy: "ACCEPT" | "DROP" | null;
  readonly policyRef: RuleRef;
  /** Non-empty parts, in order. */
  readonly parts: readonly EnginePart[];
}

export interface ChainLookup {
  /** Grows as chains are compiled when the source is a ChainSource. */
  readonly diagnostics: readonly Diagnostic[];
  /** Null when the table has no such chain. */
  chain(table: TableName, name: string): EngineChain | null;
  /** A walk met a jump to a chain that does not exist: the rule is treated as not matching. */
  missingJump(rule: RuleRef, target: string): void;
}

type Cache = Map<TableName, Map<string, EngineChain | null>>;

function cached(cache: Cache, table: TableName, name: string, make: () => EngineChain | null): EngineChain | null {
  let byName = cache.get(table);
  if (!byName) cache.set(table, (byName = new Map()));
  let chain = byName.get(name);
  if (chain === undefined) byName.set(name, (chain = make()));
  return chain;
}

export function rulesetChains(ruleset: Ruleset, indexed: boolean): ChainLookup {
  const cache: Cache = new Map();
  return {
    diagnostics: ruleset.diagnostics,
    // The parser already marked such rules unsupported, with a warning.
    missingJump: () => {},
    chain: (table, name) =>
      cached(cache, table, name, () => {
        const chain = ruleset.tables.get(table)?.chains.get(name);
        return chain ? compileParsed(chain, indexed) : null;
      }),
  };
}

function compileParsed(chain: Chain, indexed: boolean): EngineChain {
  const rules = chain.rules.map(compileRule);
  const index = indexed ? buildChainIndex(chain.rules) : null;
  return {
    name: chain.name,
    policy: chain.policy,
    policyRef: {
      table: chain.table,
      chain: chain.name,
      index: 0,
      text: `:${chain.name} ${chain.policy ?? "-"}`,
      line: chain.line || undefined,
    },
    parts: rules.length > 0 ? [{ rules, index, start: 0, end: rules.length, offset: 0 }] : [],
  };
}

export function sourceChains(source: ChainSource, indexed: boolean): ChainLookup {
  const cache: Cache = new Map();
  const warnings: Diagnostic[] = [];
  // Generated rules have no lines: a warning names the chain and the rule's position in it.
  const at = (table: TableName, chain: string, index: number) => ({
    rule: { ruleset: source.file, table, chain, index },
  });
  const compile = (table: TableName, name: string): EngineChain | null => {
    if (!source.tables.includes(table)) return null;
    const chain = source.chain(table, name);
    if (!chain) return null;
    const parts: EnginePart[] = [];
    let offset = 0;
    for (const p of chain.parts) {
      if (p.end <= p.start) continue;
      const c = compiledLines(p.lines, table, source.file);
      for (const n of c.notes) {
        if (n.at >= p.start && n.at < p.end)
          warnings.push(diagnostic(n.note.code, at(table, name, offset + n.at - p.start + 1), n.note.message));
      }
      parts.push({ rules: c.rules, index: indexed ? c.index : null, start: p.start, end: p.end, offset });
      offset += p.end - p.start;
    }
    return {
      name,
      policy: chain.policy,
      policyRef: { table, chain: name, index: 0, text: `:${name} ${chain.policy ?? "-"}`, line: undefined },
      parts,
    };
  };
  const reported = new Set<string>();
  return {
    diagnostics: warnings,
    chain: (table, name) => cached(cache, table, name, () => compile(table, name)),
    missingJump: (rule, target) => {
      const key = `${rule.table} ${rule.chain} ${rule.index}`;
      if (reported.has(key)) return;
      reported.add(key);
      warnings.push(
        diagnostic(
          "iptables-missing-chain",
          at(rule.table, rule.chain, rule.index),
          `cannot interpret -j ${asWritten(target)} (no chain ${asWritten(target)} in table ${rule.table}); the ` +
            "rule is treated as not matching",
        ),
      );
    },
  };
}
