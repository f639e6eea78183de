// A ruleset given as chains of `-A` lines rather than as one text: what a generator (kube-proxy's)
// hands the engine. A chain's rules come in parts, slices of line arrays that many rulesets may
// share (the same array object); the engine parses and compiles each array once, on first use
// (compiled-lines.ts), so a node whose rules are 99% the same as its neighbours' costs only the 1%.
import type { TableName } from "../model/ruleset.ts";

/** `lines[start..end)`: consecutive rules of one chain. */
export interface LineSlice {
  readonly lines: readonly string[];
  readonly start: number;
  readonly end: number;
}

export interface SourceChain {
  readonly name: string;
  /** Built-in chains have a policy; user chains have null (`:NAME - [0:0]`). */
  readonly policy: "ACCEPT" | "DROP" | null;
  /** The chain's rules in order; each line starts with `-A NAME`. */
  readonly parts: readonly LineSlice[];
}

/** What the engine needs: one chain at a time, looked up when a walk first enters it. */
export interface ChainSource {
  /** Names the ruleset in warnings, as a file name does for parsed text. */
  readonly file: string;
  readonly tables: readonly TableName[];
  /** The chain, or undefined when the table has no chain of that name. */
  chain(table: TableName, name: string): SourceChain | undefined;
}

/** A ChainSource that can also list every chain, in iptables-save's order, for printing. */
export interface SaveTables extends ChainSource {
  chains(table: TableName): readonly SourceChain[];
}

/** A whole array as one part; empty arrays give no part. */
export function whole(lines: readonly string[]): LineSlice[] {
  return lines.length === 0 ? [] : [{ lines, start: 0, end: lines.length }];
}

/** The chain's lines as one array (a copy when it has several parts). */
export function chainLines(chain: SourceChain): readonly string[] {
  const [only] = chain.parts;
  if (chain.parts.length === 1 && only!.start === 0 && only!.end === only!.lines.length) return only!.lines;
  const out: string[] = [];
  for (const p of chain.parts) for (let i = p.start; i < p.end; i++) out.push(p.lines[i]!);
  return out;
}

/**
 * iptables-save's text for the tables: per table the header comment, `*table`, every chain's
 * declaration, every chain's rules in the same order, COMMIT and the trailer comment.
 */
export function printSave(source: SaveTables, header: string, trailer: string): string {
  // Every line in one array, joined once: joining each part first copied the 45 MB text twice, and
  // appending line by line left a rope of 630,000 pieces that costs more to make flat than it saved.
  const out: string[] = [];
  for (const table of source.tables) {
    const chains = source.chains(table);
    out.push(header, `*${table}`);
    for (const c of chains) out.push(`:${c.name} ${c.policy ?? "-"} [0:0]`);
    for (const c of chains) for (const p of c.parts) for (let i = p.start; i < p.end; i++) out.push(p.lines[i]!);
    out.push("COMMIT", trailer);
  }
  if (out.length === 0) return "\n";
  // An empty last line gives the final line break inside the join: `${...}\n` would make a rope of
  // two pieces, and flattening it copies the whole text once more.
  out.push("");
  return out.join("\n");
}
