// Splits iptables-save text into tables -> chains -> rule lines, so specs can compare one chain
// at a time and name the chain that differs.
export type SavedTables = Map<string, Map<string, string[]>>;

export function parseSave(text: string): SavedTables {
  const tables: SavedTables = new Map();
  let chains: Map<string, string[]> | undefined;
  for (const line of text.split("\n")) {
    if (line.startsWith("*")) {
      chains = new Map();
      tables.set(line.slice(1), chains);
    } else if (line.startsWith(":") && chains) {
      chains.set(line.slice(1).split(" ")[0]!, []);
    } else if (line.startsWith("-A ") && chains) {
      const name = line.split(" ")[1]!;
      const rules = chains.get(name);
      if (!rules) throw new Error(`rule for undeclared chain: ${line}`);
      rules.push(line);
    }
  }
  return tables;
}

/** The rules of one chain, or undefined when the chain is not declared. */
export function chainRules(tables: SavedTables, table: string, chain: string): string[] | undefined {
  return tables.get(table)?.get(chain);
}
