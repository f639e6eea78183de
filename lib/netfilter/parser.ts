// iptables-save text -> Ruleset. Accepts what iptables-save prints (counters, `[n:m]` rule
// prefixes, comments) and what kube-proxy feeds iptables-restore. Malformed text throws
// NetfilterParseError with line and column; rules kubehop cannot simulate become warnings and
// never match, so nothing is skipped silently.
import { type Diagnostic, type DiagnosticCode, diagnostic } from "../model/diagnostic.ts";
import { NetfilterParseError } from "./errors.ts";
import { parseRuleLine, ruleNotes, ruleOf } from "./rule-parser.ts";
import {
  BUILTIN_CHAINS,
  type Chain,
  type Rule,
  type Ruleset,
  TABLES,
  type Table,
  type TableName,
} from "../model/ruleset.ts";
import { tokenize, type Token } from "./tokenizer.ts";

/** Kernel tables that exist but that kubehop does not simulate: their rules are ignored with a warning. */
const IGNORED_TABLES = ["security"];

interface MutableChain {
  name: string;
  table: TableName;
  policy: "ACCEPT" | "DROP" | null;
  line: number;
  rules: Rule[];
}

interface OpenTable {
  name: TableName | null;
  label: string;
  line: number;
  chains: Map<string, MutableChain>;
  ignoredRules: number;
}

type Warn = (code: DiagnosticCode, line: number, message: string) => void;

export function parseIptablesSave(text: string, file = "<rules>"): Ruleset {
  const tables = new Map<TableName, Table>();
  const warnings: Diagnostic[] = [];
  const warn: Warn = (code, line, message) => warnings.push(diagnostic(code, { file, line, col: 1 }, message));
  let open: OpenTable | null = null;
  const lines = text.split(/\r?\n/);

  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const raw = lines[i]!;
    const trimmed = raw.trim();
    const col = raw.length - raw.trimStart().length + 1;
    const fail: (c: number, message: string) => never = (c, message) => {
      throw new NetfilterParseError(file, lineNo, c, message);
    };
    if (trimmed === "" || trimmed.startsWith("#")) continue;

    if (trimmed.startsWith("*")) {
      if (open)
        fail(col, `table ${open.label} (line ${open.line}) has no COMMIT before this *${trimmed.slice(1)}; add COMMIT`);
      const name = trimmed.slice(1);
      const known = (TABLES as readonly string[]).includes(name);
      if (!known && !IGNORED_TABLES.includes(name))
        fail(col + 1, `unknown table "${name}"; expected ${TABLES.join(", ")} or ${IGNORED_TABLES.join(", ")}`);
      if (known && tables.has(name as TableName))
        fail(col, `table ${name} appears twice; iptables-save prints each table once`);
      open = {
        name: known ? (name as TableName) : null,
        label: name,
        line: lineNo,
        chains: new Map(),
        ignoredRules: 0,
      };
    } else if (trimmed === "COMMIT") {
      if (!open) fail(col, "COMMIT without a table; a table starts with a line such as *nat");
      if (open.name) tables.set(open.name, closeTable(open, file, warn));
      else
        warn(
          "iptables-table-ignored",
          open.line,
          `table ${open.label} is not simulated; its ${open.ignoredRules} rules are ignored`,
        );
      open = null;
    } else if (!open) {
      fail(col, `"${trimmed.split(/\s/)[0]}" outside a table; start the table with a line such as *nat or *filter`);
    } else if (!open.name) {
      if (!trimmed.startsWith(":")) open.ignoredRules++;
    } else if (trimmed.startsWith(":")) {
      declareChain(open, tokenize(raw, file, lineNo), lineNo, fail);
    } else {
      const parsed = parseRuleLine(raw, file, lineNo);
      for (const note of ruleNotes(parsed)) warn(note.code, lineNo, note.message);
      const chain = chainFor(open, parsed.chain, lineNo, warn);
      chain.rules.push(ruleOf(parsed, open.name, chain.rules.length + 1, lineNo));
    }
  }
  if (open)
    throw new NetfilterParseError(
      file,
      lines.length,
      1,
      `table ${open.label} (line ${open.line}) is not closed; add COMMIT at the end`,
    );

  // Stable: notes of one line keep their order.
  const line = (d: Diagnostic) => (d.source as { line: number }).line;
  return { file, tables, diagnostics: warnings.sort((a, b) => line(a) - line(b)) };
}

function declareChain(open: OpenTable, tokens: Token[], lineNo: number, fail: (col: number, m: string) => never): void {
  const [nameTok, policyTok, counters, extra] = tokens as [Token, Token?, Token?, Token?];
  const name = nameTok.text.slice(1);
  const table = open.name!;
  if (!/^[^\s!]{1,28}$/.test(name))
    fail(nameTok.col + 1, `"${name}" is not a chain name; expected 1-28 characters, e.g. KUBE-SERVICES`);
  if (open.chains.has(name)) fail(nameTok.col, `chain ${name} is declared twice in table ${table}`);
  const builtin = BUILTIN_CHAINS[table].includes(name);
  if (!policyTok)
    fail(
      nameTok.col + nameTok.text.length,
      `chain ${name} needs a policy: ${builtin ? "ACCEPT or DROP" : "- for a user chain"}`,
    );
  const policy = policyTok.text;
  if (builtin && policy !== "ACCEPT" && policy !== "DROP")
    fail(policyTok.col, `"${policy}" is not a policy for built-in chain ${name}; expected ACCEPT or DROP`);
  if (!builtin && policy !== "-")
    fail(
      policyTok.col,
      `"${policy}" is not valid for user chain ${name}: only built-in chains of table ${table} (${BUILTIN_CHAINS[table].join(", ")}) have a policy; write -`,
    );
  if (counters && !/^\[\d+:\d+\]$/.test(counters.text))
    fail(counters.col, `"${counters.text}" is not a counter; expected [PACKETS:BYTES], e.g. [0:0]`);
  if (extra)
    fail(extra.col, `unexpected "${extra.text}" after the chain declaration; expected :NAME POLICY [PACKETS:BYTES]`);
  open.chains.set(name, {
    name,
    table,
    policy: builtin ? (policy as "ACCEPT" | "DROP") : null,
    line: lineNo,
    rules: [],
  });
}

function chainFor(open: OpenTable, name: string, lineNo: number, warn: Warn): MutableChain {
  let chain = open.chains.get(name);
  if (!chain) {
    const builtin = BUILTIN_CHAINS[open.name!].includes(name);
    if (!builtin)
      warn(
        "iptables-undeclared-chain",
        lineNo,
        `chain ${name} has no ":${name} - [0:0]" line in table ${open.name}; assuming a user chain`,
      );
    chain = { name, table: open.name!, policy: builtin ? "ACCEPT" : null, line: 0, rules: [] };
    open.chains.set(name, chain);
  }
  return chain;
}

/** Jump targets are checked once the whole table is known, as iptables-restore does at COMMIT. */
function closeTable(open: OpenTable, file: string, warn: Warn): Table {
  const chains = new Map<string, Chain>();
  for (const chain of open.chains.values()) {
    chain.rules = chain.rules.map((rule) => {
      const t = rule.target;
      if (t.kind !== "jump" || rule.unsupported || open.chains.has(t.chain)) return rule;
      const reason = `${t.goto ? "-g" : "-j"} ${t.chain} (no chain ${t.chain} in table ${open.name}, and not a target kubehop knows)`;
      warn("iptables-missing-chain", rule.ref.line!, `cannot interpret ${reason}; the rule is treated as not matching`);
      return { ...rule, unsupported: reason };
    });
    chains.set(chain.name, chain);
  }
  rejectLoops(chains, open.label, file);
  return { name: open.name!, chains };
}

/** The kernel refuses a table whose jumps form a loop; so does kubehop, since a walk would not end. */
function rejectLoops(chains: ReadonlyMap<string, Chain>, table: string, file: string): void {
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (chain: Chain): void => {
    if (done.has(chain.name)) return;
    path.push(chain.name);
    for (const rule of chain.rules) {
      const t = rule.target;
      if (t.kind !== "jump" || rule.unsupported) continue;
      const at = path.indexOf(t.chain);
      if (at >= 0) {
        const loop = [...path.slice(at), t.chain].join(" -> ");
        throw new NetfilterParseError(
          file,
          rule.ref.line!,
          1,
          `jump loop ${loop} in table ${table}; iptables-restore refuses a ruleset whose jumps loop`,
        );
      }
      visit(chains.get(t.chain)!);
    }
    path.pop();
    done.add(chain.name);
  };
  for (const chain of chains.values()) visit(chain);
}
