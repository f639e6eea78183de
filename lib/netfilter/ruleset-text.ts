// A parsed ruleset as iptables-save text again, for what must load it into a kernel (emulate's
// iptables-restore) when only the parsed form is kept. Each rule is printed as it was read
// (RuleRef.text, from -A on); counters, comment lines and the tables kubehop does not simulate
// (security) are not kept, so the text is what the simulator evaluates.
import type { Chain, Ruleset, TableName } from "../model/ruleset.ts";
import { printSave, type SaveTables, type SourceChain, whole } from "./chain-source.ts";
import { saveCommentLine } from "./save-string.ts";

export function printRuleset(ruleset: Ruleset): string {
  const header = saveCommentLine(`Printed by kubehop from ${ruleset.file}`);
  return printSave(rulesetTables(ruleset), header, "# Completed by kubehop");
}

/** Tables in the order the text had them, chains in the order they were declared. */
function rulesetTables(ruleset: Ruleset): SaveTables {
  const source = (chain: Chain): SourceChain => ({
    name: chain.name,
    policy: chain.policy,
    parts: whole(chain.rules.map((r) => r.ref.text)),
  });
  const chainsOf = (table: TableName) => [...(ruleset.tables.get(table)?.chains.values() ?? [])];
  return {
    file: ruleset.file,
    tables: [...ruleset.tables.keys()],
    chain: (table, name) => {
      const chain = ruleset.tables.get(table)?.chains.get(name);
      return chain ? source(chain) : undefined;
    },
    chains: (table) => chainsOf(table).map(source),
  };
}
