// iptables-save text -> Ruleset. Accepts what iptables-save prints (counters, `[n:m]` rule
// prefixes, comments) and what kube-proxy feeds iptables-restore. Malformed text throws
// NetfilterParseError with line and column; rules kubehop cannot simulate become warnings and
// never match, so nothing is skipped silently.
import type { RuleRef, TableName } from "./hooks.ts";
import { NetfilterParseError } from "./errors.ts";
import { matchBuilder, type MatchBuilder } from "./matches.ts";
import { OptionReader } from "./option-reader.ts";
import { BUILTIN_CHAINS, TABLES, type Chain, type Header, type IfaceMatch, type Match, type Rule, type Ruleset, type Table } from "./ruleset.ts";
import { parseTarget, type ParsedTarget } from "./targets.ts";
import { tokenize, type Token } from "./tokenizer.ts";

/** Kernel tables that exist but that kubehop does not simulate: their rules are ignored with a warning. */
const IGNORED_TABLES = ["security"];
const PROTO_NUMBERS: Record<string, string> = { "0": "all", "1": "icmp", "6": "tcp", "17": "udp", "132": "sctp" };

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

interface Warning {
  line: number;
  text: string;
}

export function parseIptablesSave(text: string, file = "<rules>"): Ruleset {
  const tables = new Map<TableName, Table>();
  const warnings: Warning[] = [];
  const warn = (line: number, message: string) => warnings.push({ line, text: `${file}:${line}: ${message}` });
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
      if (open) fail(col, `table ${open.label} (line ${open.line}) has no COMMIT before this *${trimmed.slice(1)}; add COMMIT`);
      const name = trimmed.slice(1);
      const known = (TABLES as readonly string[]).includes(name);
      if (!known && !IGNORED_TABLES.includes(name)) fail(col + 1, `unknown table "${name}"; expected ${TABLES.join(", ")} or ${IGNORED_TABLES.join(", ")}`);
      if (known && tables.has(name as TableName)) fail(col, `table ${name} appears twice; iptables-save prints each table once`);
      open = { name: known ? (name as TableName) : null, label: name, line: lineNo, chains: new Map(), ignoredRules: 0 };
    } else if (trimmed === "COMMIT") {
      if (!open) fail(col, "COMMIT without a table; a table starts with a line such as *nat");
      if (open.name) tables.set(open.name, closeTable(open, file, warn));
      else warn(open.line, `table ${open.label} is not simulated; its ${open.ignoredRules} rules are ignored`);
      open = null;
    } else if (!open) {
      fail(col, `"${trimmed.split(/\s/)[0]}" outside a table; start the table with a line such as *nat or *filter`);
    } else if (!open.name) {
      if (!trimmed.startsWith(":")) open.ignoredRules++;
    } else if (trimmed.startsWith(":")) {
      declareChain(open, tokenize(raw, file, lineNo), lineNo, fail);
    } else {
      const rule = parseRuleLine(raw, open, file, lineNo, warn);
      if (rule) chainFor(open, rule.chain, lineNo, warn).rules.push(rule.build(open.chains.get(rule.chain)!.rules.length + 1));
    }
  }
  if (open) throw new NetfilterParseError(file, lines.length, 1, `table ${open.label} (line ${open.line}) is not closed; add COMMIT at the end`);

  warnings.sort((a, b) => a.line - b.line);
  return { file, tables, warnings: warnings.map((w) => w.text) };
}

function declareChain(open: OpenTable, tokens: Token[], lineNo: number, fail: (col: number, m: string) => never): void {
  const [nameTok, policyTok, counters, extra] = tokens as [Token, Token?, Token?, Token?];
  const name = nameTok.text.slice(1);
  const table = open.name!;
  if (!/^[^\s!]{1,28}$/.test(name)) fail(nameTok.col + 1, `"${name}" is not a chain name; expected 1-28 characters, e.g. KUBE-SERVICES`);
  if (open.chains.has(name)) fail(nameTok.col, `chain ${name} is declared twice in table ${table}`);
  const builtin = BUILTIN_CHAINS[table].includes(name);
  if (!policyTok) fail(nameTok.col + nameTok.text.length, `chain ${name} needs a policy: ${builtin ? "ACCEPT or DROP" : "- for a user chain"}`);
  const policy = policyTok.text;
  if (builtin && policy !== "ACCEPT" && policy !== "DROP") fail(policyTok.col, `"${policy}" is not a policy for built-in chain ${name}; expected ACCEPT or DROP`);
  if (!builtin && policy !== "-") fail(policyTok.col, `"${policy}" is not valid for user chain ${name}: only built-in chains of table ${table} (${BUILTIN_CHAINS[table].join(", ")}) have a policy; write -`);
  if (counters && !/^\[\d+:\d+\]$/.test(counters.text)) fail(counters.col, `"${counters.text}" is not a counter; expected [PACKETS:BYTES], e.g. [0:0]`);
  if (extra) fail(extra.col, `unexpected "${extra.text}" after the chain declaration; expected :NAME POLICY [PACKETS:BYTES]`);
  open.chains.set(name, { name, table, policy: builtin ? (policy as "ACCEPT" | "DROP") : null, line: lineNo, rules: [] });
}

function chainFor(open: OpenTable, name: string, lineNo: number, warn: (line: number, m: string) => void): MutableChain {
  let chain = open.chains.get(name);
  if (!chain) {
    const builtin = BUILTIN_CHAINS[open.name!].includes(name);
    if (!builtin) warn(lineNo, `chain ${name} has no ":${name} - [0:0]" line in table ${open.name}; assuming a user chain`);
    chain = { name, table: open.name!, policy: builtin ? "ACCEPT" : null, line: 0, rules: [] };
    open.chains.set(name, chain);
  }
  return chain;
}

/** Jump targets are checked once the whole table is known, as iptables-restore does at COMMIT. */
function closeTable(open: OpenTable, file: string, warn: (line: number, m: string) => void): Table {
  const chains = new Map<string, Chain>();
  for (const chain of open.chains.values()) {
    chain.rules = chain.rules.map((rule) => {
      const t = rule.target;
      if (t.kind !== "jump" || rule.unsupported || open.chains.has(t.chain)) return rule;
      const reason = `${t.goto ? "-g" : "-j"} ${t.chain} (no chain ${t.chain} in table ${open.name}, and not a target kubehop knows)`;
      warn(rule.ref.line!, `cannot interpret ${reason}; the rule is treated as not matching`);
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
        throw new NetfilterParseError(file, rule.ref.line!, 1, `jump loop ${loop} in table ${table}; iptables-restore refuses a ruleset whose jumps loop`);
      }
      visit(chains.get(t.chain)!);
    }
    path.pop();
    done.add(chain.name);
  };
  for (const chain of chains.values()) visit(chain);
}

interface ParsedRule {
  chain: string;
  build(index: number): Rule;
}

function parseRuleLine(raw: string, open: OpenTable, file: string, lineNo: number, warn: (line: number, m: string) => void): ParsedRule {
  const tokens = tokenize(raw, file, lineNo);
  const start = /^\[\d+:\d+\]$/.test(tokens[0]!.text) ? 1 : 0;
  const r = new OptionReader(tokens, start, file, lineNo, raw.trimEnd().length + 1);
  const append = r.next();
  if (append.text !== "-A" && append.text !== "--append") {
    r.fail(append.col, `"${append.text}" is not supported here; iptables-save rules start with -A CHAIN (a chain line starts with :)`);
  }
  const chain = r.value(append, "a chain name").text;
  const body = parseRuleBody(r);
  const text = raw.slice(append.col - 1).trimEnd();
  for (const note of body.notes) warn(lineNo, note);
  if (body.unsupported) warn(lineNo, `cannot interpret ${body.unsupported}; the rule is treated as not matching`);
  return {
    chain,
    build: (index) => {
      const ref: RuleRef = { table: open.name!, chain, index, text, line: lineNo };
      const rule: Rule = { ref, header: body.header, matches: body.matches, target: body.target };
      return body.unsupported ? { ...rule, unsupported: body.unsupported } : rule;
    },
  };
}

interface RuleBody {
  header: Header;
  matches: Match[];
  target: ParsedTarget["target"];
  unsupported?: string;
  notes: string[];
}

function parseRuleBody(r: OptionReader): RuleBody {
  const header: { -readonly [K in keyof Header]: Header[K] } = {};
  const builders: { builder: MatchBuilder; token: Token }[] = [];
  let target: ParsedTarget | undefined;
  let neg: Token | null = null;
  const once = (t: Token, present: unknown) => {
    if (present) r.fail(t.col, `${t.text} is given twice; iptables allows it once per rule`);
  };
  while (!r.done()) {
    const t = r.next();
    if (t.text === "!") {
      if (neg) r.fail(t.col, `"!" twice; write one "!" before the option it negates`);
      neg = t;
      continue;
    }
    const n = neg !== null;
    const noNeg = () => neg && r.fail(neg.col, `"!" cannot negate ${t.text}`);
    switch (t.text) {
      case "-s":
      case "--source":
      case "--src":
        once(t, header.src);
        header.src = { prefix: r.address(r.value(t, "an IPv4 address or prefix")), neg: n };
        break;
      case "-d":
      case "--destination":
      case "--dst":
        once(t, header.dst);
        header.dst = { prefix: r.address(r.value(t, "an IPv4 address or prefix")), neg: n };
        break;
      case "-p":
      case "--protocol": {
        once(t, header.proto);
        const v = r.value(t, "a protocol: tcp, udp, sctp, icmp, all or a number");
        const name = PROTO_NUMBERS[v.text] ?? v.text.toLowerCase();
        if (!/^[a-z][a-z0-9._-]*$/.test(name)) r.fail(v.col, `"${v.text}" is not a protocol; expected tcp, udp, sctp, icmp, all or a number`);
        if (name !== "all") header.proto = { name, neg: n };
        break;
      }
      case "-i":
      case "--in-interface":
        once(t, header.inIface);
        header.inIface = iface(r, t, n);
        break;
      case "-o":
      case "--out-interface":
        once(t, header.outIface);
        header.outIface = iface(r, t, n);
        break;
      case "-f":
      case "--fragment":
        header.fragment = { neg: n };
        break;
      case "-m":
      case "--match":
        noNeg();
        builders.push({ builder: matchBuilder(r.value(t, "a match module name, e.g. comment").text), token: t });
        break;
      case "-j":
      case "--jump":
      case "-g":
      case "--goto": {
        noNeg();
        const isGoto = t.text === "-g" || t.text === "--goto";
        target = parseTarget(r.value(t, isGoto ? "a chain name" : "a target or chain name"), isGoto, r);
        break;
      }
      case "-c":
      case "--set-counters":
        r.u32(r.value(t, "a packet count"), "packet count");
        r.u32(r.value(t, "a byte count"), "byte count");
        break;
      default:
        if (!t.text.startsWith("--")) {
          r.fail(t.col, `unexpected "${t.text}"; expected an option such as -s, -d, -p, -i, -o, -m MODULE or -j TARGET`);
        }
        moduleOption(r, t, n, header, builders);
    }
    neg = null;
  }
  if (neg) r.fail((neg as Token).col, `"!" must be followed by the option it negates`);
  const matches = builders.flatMap(({ builder, token }) => builder.finish(r, token));
  const unsupported = builders.find((b) => b.builder.unsupported)?.builder.unsupported ?? target?.unsupported;
  const notes = [...builders.flatMap((b) => b.builder.notes), ...(target?.notes ?? [])];
  const body: RuleBody = { header, matches, target: target?.target ?? { kind: "none" }, notes };
  if (unsupported) body.unsupported = unsupported;
  return body;
}

/** Gives `--option` to the most recently loaded module that knows it, as iptables does. */
function moduleOption(r: OptionReader, t: Token, neg: boolean, header: Header, builders: { builder: MatchBuilder; token: Token }[]): void {
  for (let i = builders.length - 1; i >= 0; i--) if (builders[i]!.builder.option(t, neg, r)) return;
  // `-p tcp --dport 80` loads the tcp match implicitly.
  const proto = header.proto && !header.proto.neg ? header.proto.name : "";
  if (proto === "tcp" || proto === "udp" || proto === "sctp") {
    const implicit = matchBuilder(proto);
    if (implicit.option(t, neg, r)) {
      builders.push({ builder: implicit, token: t });
      return;
    }
  }
  const last = builders[builders.length - 1];
  if (!last) {
    r.fail(t.col, `unknown option "${t.text}"; a match option must follow -m MODULE (or -p tcp|udp|sctp for --dport/--sport)`);
  }
  last.builder.unsupported ??= `-m ${last.builder.module} ${t.text} (an option kubehop does not know)`;
  r.skipValues();
}

function iface(r: OptionReader, t: Token, neg: boolean): IfaceMatch {
  const v = r.value(t, "an interface name, e.g. eth0 or cali+");
  if (!/^[^\s/]{1,16}$/.test(v.text)) r.fail(v.col, `"${v.text}" is not an interface name; expected up to 15 characters, optionally ending in +`);
  const wildcard = v.text.endsWith("+");
  return { name: wildcard ? v.text.slice(0, -1) : v.text, wildcard, neg };
}
