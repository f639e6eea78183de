// iptables text -> Ruleset, read as best it can be. Takes what iptables-save prints (counters,
// `[n:m]` rule prefixes, comments), what kube-proxy feeds iptables-restore, `iptables -S` listings,
// and what people paste: shell prompts with the command (whose `-t` names the table), stderr
// messages, `...` elisions, tables without COMMIT and chains without any `*table` line (the table
// inferred, table-inference.ts). Every line that is not rules is a diagnostic at its line, and the
// rest is read: one bad line never rejects the text. Only text with no rules to read at all, or an
// `iptables -L` listing (which leaves out what decides a packet's path), is refused.
import { excerpt, excerptStart } from "../model/excerpt.ts";
import { type Diagnostic, type DiagnosticCode, diagnostic } from "../model/diagnostic.ts";
import { TABLES, type Ruleset, type TableName } from "../model/ruleset.ts";
import { NetfilterParseError } from "./errors.ts";
import { kubeJumps } from "./kube-jumps.ts";
import {
  type Command,
  isElision,
  isIpsetListStart,
  isListingHeader,
  isToolMessage,
  LEGACY_WARNING,
  listingChain,
  promptCommand,
} from "./paste.ts";
import { parseRuleLine } from "./rule-parser.ts";
import { type Section, TableBuilder } from "./table-builder.ts";
import { inferTables } from "./table-inference.ts";
import { tokenize } from "./tokenizer.ts";

/** Kernel tables that exist but that kubehop does not simulate: their rules are ignored with a warning. */
const IGNORED_TABLES = ["security"];

export interface ParseOptions {
  /** Add the jumps kube-proxy installs from the built-in chains when none are there (its restore text). */
  readonly assumeKubeJumps?: boolean;
}

export function parseIptablesSave(text: string, file = "<rules>", options: ParseOptions = {}): Ruleset {
  const reader = new PasteReader(file);
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) reader.read(lines[i]!, i + 1);
  reader.end(lines.length);
  return reader.ruleset(options.assumeKubeJumps ?? false);
}

/** A run of lines that are one thing other than rules: a listing, a command's output, messages. */
interface Block {
  kind: "listing" | "output" | "message";
  from: number;
  to: number;
  /** The command whose output it is, if a prompt said. */
  command?: Command;
  chains: string[];
  /** A message block holding iptables-nft's warning about legacy tables. */
  legacy?: boolean;
}

const RULE_LINE = /^(?:\[\d+:\d+\]\s+)?(?:-A|--append)\s+(\S+)/;
const UNSUPPORTED_REVISION = /\s(-[jm])\s+(\S+)\s+\[unsupported revision\]/;

class PasteReader {
  private readonly builder: TableBuilder;
  private readonly notes: Diagnostic[] = [];
  private readonly listings: Block[] = [];
  private section: Section | null = null;
  private block: Block | null = null;
  private command: Command | undefined;
  /** Line of a rule cut short by stderr, whose rest may stand on the next line. */
  private cutRule = 0;
  private sawRules = false;
  private sawText = false;

  constructor(private readonly file: string) {
    this.builder = new TableBuilder(file);
  }

  private note(code: DiagnosticCode, line: number, col: number, message: string, hint?: string): void {
    this.notes.push(diagnostic(code, { file: this.file, line, col }, message, hint));
  }

  read(raw: string, n: number): void {
    const line = raw.trim();
    const col = raw.length - raw.trimStart().length + 1;
    const cut = this.cutRule;
    this.cutRule = 0;
    if (line === "") return this.endBlock();
    if (!line.startsWith("#")) this.sawText = true;
    const prompt = promptCommand(line);
    if (prompt) return this.prompt(prompt, n, col);
    const rulesText = looksLikeRules(line);
    if (this.block && this.block.kind !== "message" && !rulesText) {
      this.block.to = n;
      const chain = listingChain(line);
      if (chain) this.block.chains.push(chain.chain);
      return;
    }
    this.endBlock();
    if (/^\*[\w-]+$/.test(line)) return this.header(line, n, col);
    if (line === "COMMIT") return this.commit(n, col);
    if (line.startsWith("#")) {
      if (line.startsWith(LEGACY_WARNING)) this.message(n, true);
      return;
    }
    if (line.startsWith(":")) return this.declare(raw, n);
    if (RULE_LINE.test(line)) return this.rule(raw, line, n);
    if (/^-[NP]\s/.test(line)) return this.listRule(raw, n);
    if (isElision(line)) {
      if (this.section) this.section.partial = true;
      return this.note(
        "iptables-elided",
        n,
        col,
        `${excerpt(line)}: the paste leaves rules out here; the rest is read as given`,
      );
    }
    if (isToolMessage(line)) return this.message(n);
    if (listingChain(line) || isListingHeader(line)) return this.startBlock("listing", n, line);
    if (isIpsetListStart(line)) return this.startBlock("output", n, line);
    const word = line.split(/\s/)[0]!;
    this.note(
      "iptables-unreadable-line",
      n,
      col,
      cut
        ? `${excerptStart(word)} looks like the rest of the rule cut at line ${cut}; kubehop does not join the ` +
            "halves, the line is skipped"
        : `${excerptStart(word)} does not start a line of iptables-save or iptables -S output (*TABLE, :CHAIN, ` +
            "-A CHAIN, -N, -P, COMMIT); the line is skipped",
    );
  }

  private prompt(c: Command, n: number, col: number): void {
    this.endBlock();
    this.closeSection(n);
    this.command = c;
    const table = c.table ? ` (table ${c.table})` : c.form === "rules" ? " (table filter, iptables' default)" : "";
    this.note("iptables-paste-noise", n, col, `a shell prompt with the command ${excerpt(c.text)}${table}; skipped`);
    if (c.form === "listing") this.block = { kind: "listing", from: n + 1, to: n, command: c, chains: [] };
    else if (c.form === "other") this.block = { kind: "output", from: n + 1, to: n, command: c, chains: [] };
  }

  private startBlock(kind: Block["kind"], n: number, line: string): void {
    const chain = listingChain(line);
    // A listing's later chains, after a blank line, belong to the same command.
    const c = kind === "listing" && this.command?.form === "listing" ? this.command : undefined;
    this.block = { kind, from: n, to: n, chains: chain ? [chain.chain] : [], ...(c ? { command: c } : {}) };
  }

  /** Messages run together into one block, so a burst of warnings is one diagnostic. */
  private message(n: number, legacy = false): void {
    if (this.block?.kind === "message" && this.block.to === n - 1) this.block.to = n;
    else {
      this.endBlock();
      this.block = { kind: "message", from: n, to: n, chains: [] };
    }
    if (legacy) this.block.legacy = true;
  }

  private endBlock(): void {
    const b = this.block;
    this.block = null;
    if (!b || b.to < b.from) return;
    const lines = b.from === b.to ? `line ${b.from} is` : `lines ${b.from}-${b.to} are`;
    if (b.kind === "listing") this.listings.push(b);
    else if (b.kind === "output")
      this.note(
        "iptables-paste-noise",
        b.from,
        1,
        `${lines} ${b.command ? `the output of ${excerpt(b.command.text)}` : "ipset list output"}, not rules; skipped`,
      );
    else
      this.note(
        "iptables-paste-noise",
        b.from,
        1,
        `${lines} a message iptables printed, not rules; skipped`,
        b.legacy
          ? "a node with both iptables-nft and iptables-legacy rules needs both dumps: iptables-legacy-save as well"
          : undefined,
      );
  }

  private header(line: string, n: number, col: number): void {
    this.closeSection(n);
    const name = line.slice(1);
    const known = (TABLES as readonly string[]).includes(name);
    if (!known && !IGNORED_TABLES.includes(name))
      this.note(
        "iptables-unreadable-line",
        n,
        col + 1,
        `unknown table ${excerpt(name)}; expected ${TABLES.join(", ")} or ${IGNORED_TABLES.join(", ")}: its lines ` +
          "are skipped",
      );
    this.sawRules = true;
    this.section = newSection(known ? (name as TableName) : null, n, "header");
    if (!known) this.section.ignored = name;
  }

  private commit(n: number, col: number): void {
    if (!this.section)
      return this.note("iptables-unreadable-line", n, col, "COMMIT without a table before it; the line is skipped");
    this.section.committed = true;
    this.section.last = n;
    this.closeSection(n);
  }

  /** The open section, or a new header-less one whose table the last command gave, if it did. */
  private open(n: number): Section {
    if (this.section) {
      this.section.last = n;
      return this.section;
    }
    this.sawRules = true;
    const c = this.command;
    const table = c?.table ?? (c?.form === "rules" ? "filter" : null);
    const s = newSection(
      c && c.form !== "other" ? table : null,
      n,
      table && c?.form !== "other" ? "command" : "inferred",
    );
    s.partial = true;
    return (this.section = s);
  }

  private declare(raw: string, n: number): void {
    const s = this.open(n);
    if (s.ignored !== null) return;
    const tokens = this.tokens(raw, n);
    if (!tokens) return;
    const [name, policy, counters, extra] = tokens;
    const chain = name!.text.slice(1);
    const bad = (c: number, m: string) => this.note("iptables-unreadable-line", n, c, `${m}; the line is skipped`);
    if (!/^[^\s!]{1,28}$/.test(chain))
      return bad(name!.col + 1, `${excerpt(chain)} is not a chain name; expected 1-28 characters, e.g. KUBE-SERVICES`);
    if (!policy) return bad(name!.col + name!.text.length, `chain ${chain} needs a policy: ACCEPT, DROP or -`);
    if (counters && !/^\[\d+:\d+\]$/.test(counters.text))
      return bad(counters.col, `${excerpt(counters.text)} is not a counter; expected [PACKETS:BYTES], e.g. [0:0]`);
    if (extra)
      return bad(
        extra.col,
        `unexpected ${excerpt(extra.text)} after the chain declaration; expected :NAME POLICY [PACKETS:BYTES]`,
      );
    s.decls.push({ name: chain, policy: policy.text, line: n, policyCol: policy.col });
  }

  /** `iptables -S`'s `-N CHAIN` and `-P CHAIN POLICY`. */
  private listRule(raw: string, n: number): void {
    const s = this.open(n);
    if (s.ignored !== null) return;
    const tokens = this.tokens(raw, n);
    if (!tokens) return;
    const [op, name, policy, extra] = tokens;
    const newChain = op!.text === "-N";
    if (!name || (!newChain && !policy) || (newChain ? policy : extra))
      return this.note(
        "iptables-unreadable-line",
        n,
        op!.col,
        `expected ${newChain ? "-N CHAIN" : "-P CHAIN POLICY"}, as iptables -S prints it; the line is skipped`,
      );
    s.decls.push({ name: name.text, policy: newChain ? "-" : policy!.text, line: n, policyCol: (policy ?? name).col });
  }

  private rule(raw: string, line: string, n: number): void {
    const s = this.open(n);
    if (s.ignored !== null) {
      s.ignoredRules++;
      return;
    }
    const chain = RULE_LINE.exec(line)![1]!;
    const text = raw.slice(raw.search(/-A|--append/)).trimEnd();
    const warning = raw.indexOf(LEGACY_WARNING);
    if (warning > 0) {
      this.cutRule = n;
      s.rules.push({
        chain,
        line: n,
        text: raw.slice(raw.search(/-A|--append/), warning).trimEnd(),
        col: warning + 1,
        unreadable:
          `the rule is cut where iptables-nft's warning "iptables-legacy tables present" (stderr) landed ` +
          `in the paste`,
      });
      return;
    }
    const revision = UNSUPPORTED_REVISION.exec(raw);
    try {
      const parsed = parseRuleLine(revision ? raw.replace(revision[0], "") : raw, this.file, n);
      if (!revision) return void s.rules.push({ chain, line: n, parsed });
      const unsupported =
        `${revision[1]} ${revision[2]} [unsupported revision]: the iptables that printed it is ` +
        `older than the kernel's ${revision[2]}, so its options are not in the text`;
      const by = revision[1] === "-j" ? "target" : "match";
      s.rules.push({
        chain,
        line: n,
        parsed: { ...parsed, text, body: { ...parsed.body, unsupported, unsupportedBy: by } },
      });
    } catch (e) {
      if (!(e instanceof NetfilterParseError)) throw e;
      s.rules.push({ chain, line: n, text, col: e.col, unreadable: e.detail });
    }
  }

  private tokens(raw: string, n: number): ReturnType<typeof tokenize> | undefined {
    try {
      return tokenize(raw, this.file, n);
    } catch (e) {
      if (!(e instanceof NetfilterParseError)) throw e;
      this.note("iptables-unreadable-line", n, e.col, `${e.detail}; the line is skipped`);
      return undefined;
    }
  }

  /** Ends the open section at line `n` (a header, a prompt, COMMIT or the end). */
  private closeSection(n: number): void {
    const s = this.section;
    this.section = null;
    if (!s) return;
    // An unknown table's lines are skipped; its header line said so.
    if (s.ignored !== null && !IGNORED_TABLES.includes(s.ignored)) return;
    if (s.how === "header" && !s.committed) {
      s.partial = true;
      this.note(
        "iptables-elided",
        s.line,
        1,
        `table ${s.ignored ?? s.table} has no COMMIT before line ${n}: the paste stops inside it; the rules up to ` +
          `there are read`,
      );
    }
    this.builder.add(s);
  }

  end(lines: number): void {
    this.endBlock();
    this.closeSection(lines + 1);
  }

  ruleset(assumeKubeJumps: boolean): Ruleset {
    const errors = this.listingErrors();
    if (errors.length === 0 && this.sawText && !this.sawRules)
      throw new NetfilterParseError(
        this.file,
        1,
        1,
        "no iptables rules here: expected iptables-save output (*TABLE, :CHAIN, -A CHAIN ..., COMMIT) or iptables " +
          "-S output",
      );
    if (errors.length > 0) throw new NetfilterParseError(this.file, 1, 1, "", errors);
    const built = this.builder.finish();
    const { tables, diagnostics } = kubeJumps(built, this.file, assumeKubeJumps);
    // Stable: notes of one line keep their order.
    const line = (d: Diagnostic) => (d.source as { line: number }).line;
    const all = [...this.notes, ...this.builder.diagnostics, ...diagnostics].sort((a, b) => line(a) - line(b));
    return { file: this.file, tables, diagnostics: all };
  }

  /** One error per table that was given as an `iptables -L` listing, saying what to run instead. */
  private listingErrors(): Diagnostic[] {
    const byTable = new Map<string, Block[]>();
    for (const b of this.listings) {
      const table = b.command?.table ?? (b.command ? "filter" : "");
      byTable.set(table, [...(byTable.get(table) ?? []), b]);
    }
    return [...byTable].map(([table, blocks]) => {
      const lines = blocks.map((b) => (b.from === b.to ? `${b.from}` : `${b.from}-${b.to}`)).join(", ");
      const chains = [...new Set(blocks.flatMap((b) => b.chains))];
      // Without the command, the chains' names tell the table, as for a header-less paste.
      const guess = table ? undefined : inferTables(chains.map((name) => ({ name, targets: [] })))[0]?.table;
      const t = table || guess || "filter";
      const which = table ? ` of table ${table}` : guess ? ` of table ${guess}, by its chains' names` : "";
      return diagnostic(
        "iptables-listing",
        { file: this.file, line: blocks[0]!.from, col: 1 },
        `line${lines.includes(",") || lines.includes("-") ? "s" : ""} ${lines}: iptables -L ` +
          `output${which}${chains.length ? ` (chains ${chains.join(", ")})` : ""}, which leaves out interfaces, ` +
          `marks and most match options, so it cannot say where a packet goes`,
        `run \`iptables-save -t ${t}\` (or \`iptables -t ${t} -S\`) on the node and give its output instead`,
      );
    });
  }
}

function newSection(table: TableName | null, line: number, how: Section["how"]): Section {
  return {
    table,
    ignored: null,
    how,
    line,
    last: line,
    decls: [],
    rules: [],
    ignoredRules: 0,
    committed: false,
    partial: false,
  };
}

/** Whether a line is iptables text, which ends a listing or another command's output. */
function looksLikeRules(line: string): boolean {
  return (
    /^\*\w+$/.test(line) ||
    line === "COMMIT" ||
    /^:\S+ \S+/.test(line) ||
    RULE_LINE.test(line) ||
    /^-[NP]\s/.test(line) ||
    line.startsWith("# Generated by")
  );
}
