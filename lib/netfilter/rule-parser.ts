// One `-A CHAIN ...` line -> Rule data: the rule half of parser.ts, shared with the lazy compile
// of generated rulesets (compiled-lines.ts), which parses only the chains a walk enters.
import { asWritten, excerpt } from "../model/excerpt.ts";
import { matchBuilder, type MatchBuilder } from "./matches.ts";
import { OptionReader } from "./option-reader.ts";
import type { Header, IfaceMatch, Match, Rule, RuleRef, TableName } from "../model/ruleset.ts";
import { parseTarget, type ParsedTarget } from "./targets.ts";
import { tokenize, type Token } from "./tokenizer.ts";

const PROTO_NUMBERS: Record<string, string> = { "0": "all", "1": "icmp", "6": "tcp", "17": "udp", "132": "sctp" };

export interface ParsedRule {
  readonly chain: string;
  /** The rule from `-A` on, as RuleRef.text shows it. */
  readonly text: string;
  readonly body: RuleBody;
}

/** Parses one rule line; malformed text throws NetfilterParseError at `file:lineNo:col`. */
export function parseRuleLine(raw: string, file: string, lineNo: number): ParsedRule {
  const tokens = tokenize(raw, file, lineNo);
  const start = /^\[\d+:\d+\]$/.test(tokens[0]!.text) ? 1 : 0;
  const r = new OptionReader(tokens, start, file, lineNo, raw.trimEnd().length + 1);
  const append = r.next();
  if (append.text !== "-A" && append.text !== "--append") {
    r.fail(
      append.col,
      `${excerpt(append.text)} is not supported here; iptables-save rules start with -A CHAIN (a chain line ` +
        "starts with :)",
    );
  }
  const name = r.value(append, "a chain name");
  // As for a chain's declaration (parser.ts): the name is printed in messages, so it is bounded here.
  if (!/^[^\s!]{1,28}$/.test(name.text))
    r.fail(name.col, `${excerpt(name.text)} is not a chain name; expected 1-28 characters, e.g. KUBE-SERVICES`);
  const chain = name.text;
  const body = parseRuleBody(r);
  return { chain, text: raw.slice(append.col - 1).trimEnd(), body };
}

export interface RuleNote {
  readonly code: "iptables-approximated" | "iptables-unsupported-match" | "iptables-unsupported-target";
  readonly message: string;
}

/** The warnings a parsed rule deserves: approximations, then what it cannot interpret. */
export function ruleNotes(parsed: ParsedRule): RuleNote[] {
  const { body } = parsed;
  const notes = body.notes.map((message): RuleNote => ({ code: "iptables-approximated", message }));
  if (!body.unsupported) return notes;
  const code = body.unsupportedBy === "target" ? "iptables-unsupported-target" : "iptables-unsupported-match";
  return [...notes, { code, message: `cannot interpret ${body.unsupported}; the rule is treated as not matching` }];
}

/** The Rule at 1-based `index` of its chain. */
export function ruleOf(parsed: ParsedRule, table: TableName, index: number, line: number | undefined): Rule {
  const { body } = parsed;
  const ref: RuleRef =
    line === undefined
      ? { table, chain: parsed.chain, index, text: parsed.text }
      : { table, chain: parsed.chain, index, text: parsed.text, line };
  const rule: Rule = { ref, header: body.header, matches: body.matches, target: body.target };
  return body.unsupported ? { ...rule, unsupported: body.unsupported } : rule;
}

export interface RuleBody {
  header: Header;
  matches: Match[];
  target: ParsedTarget["target"];
  unsupported?: string;
  /** Whether a match or the target made the rule unsupported. */
  unsupportedBy?: "match" | "target";
  notes: string[];
}

function parseRuleBody(r: OptionReader): RuleBody {
  const header: { -readonly [K in keyof Header]: Header[K] } = {};
  const builders: { builder: MatchBuilder; token: Token }[] = [];
  let target: ParsedTarget | undefined;
  let neg: Token | null = null;
  while (!r.done()) {
    const t = r.next();
    if (t.text === "!") {
      if (neg) r.fail(t.col, `"!" twice; write one "!" before the option it negates`);
      neg = t;
      continue;
    }
    const n = neg !== null;
    switch (t.text) {
      case "-s":
      case "--source":
      case "--src":
        once(r, t, header.src);
        header.src = { prefix: r.address(r.value(t, "an IPv4 address or prefix")), neg: n };
        break;
      case "-d":
      case "--destination":
      case "--dst":
        once(r, t, header.dst);
        header.dst = { prefix: r.address(r.value(t, "an IPv4 address or prefix")), neg: n };
        break;
      case "-p":
      case "--protocol": {
        once(r, t, header.proto);
        const v = r.value(t, "a protocol: tcp, udp, sctp, icmp, all or a number");
        const name = PROTO_NUMBERS[v.text] ?? v.text.toLowerCase();
        if (!/^[a-z][a-z0-9._-]*$/.test(name))
          r.fail(v.col, `${excerpt(v.text)} is not a protocol; expected tcp, udp, sctp, icmp, all or a number`);
        if (name !== "all") header.proto = { name, neg: n };
        break;
      }
      case "-i":
      case "--in-interface":
        once(r, t, header.inIface);
        header.inIface = iface(r, t, n);
        break;
      case "-o":
      case "--out-interface":
        once(r, t, header.outIface);
        header.outIface = iface(r, t, n);
        break;
      case "-f":
      case "--fragment":
        header.fragment = { neg: n };
        break;
      case "-m":
      case "--match":
        noNeg(r, t, neg);
        builders.push({ builder: matchBuilder(r.value(t, "a match module name, e.g. comment").text), token: t });
        break;
      case "-j":
      case "--jump":
      case "-g":
      case "--goto": {
        noNeg(r, t, neg);
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
          r.fail(
            t.col,
            `unexpected ${excerpt(t.text)}; expected an option such as -s, -d, -p, -i, -o, -m MODULE or -j TARGET`,
          );
        }
        moduleOption(r, t, n, header, builders);
    }
    neg = null;
  }
  if (neg) r.fail((neg as Token).col, `"!" must be followed by the option it negates`);
  const matches = builders.flatMap(({ builder, token }) => builder.finish(r, token));
  const byMatch = builders.find((b) => b.builder.unsupported)?.builder.unsupported;
  const notes = [...builders.flatMap((b) => b.builder.notes), ...(target?.notes ?? [])];
  const body: RuleBody = { header, matches, target: target?.target ?? { kind: "none" }, notes };
  if (byMatch) Object.assign(body, { unsupported: byMatch, unsupportedBy: "match" });
  else if (target?.unsupported) Object.assign(body, { unsupported: target.unsupported, unsupportedBy: "target" });
  return body;
}

// Plain functions rather than closures made per rule: a parse of a big ruleset calls them per word.
function once(r: OptionReader, t: Token, present: unknown): void {
  if (present) r.fail(t.col, `${t.text} is given twice; iptables allows it once per rule`);
}

function noNeg(r: OptionReader, t: Token, neg: Token | null): void {
  if (neg) r.fail(neg.col, `"!" cannot negate ${t.text}`);
}

/** Gives `--option` to the most recently loaded module that knows it, as iptables does. */
function moduleOption(
  r: OptionReader,
  t: Token,
  neg: boolean,
  header: Header,
  builders: { builder: MatchBuilder; token: Token }[],
): void {
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
    r.fail(
      t.col,
      `unknown option ${excerpt(t.text)}; a match option must follow -m MODULE (or -p tcp|udp|sctp for ` +
        "--dport/--sport)",
    );
  }
  const option = `${asWritten(last.builder.module)} ${asWritten(t.text)}`;
  last.builder.unsupported ??= `-m ${option} (an option kubehop does not know)`;
  r.skipValues();
}

function iface(r: OptionReader, t: Token, neg: boolean): IfaceMatch {
  const v = r.value(t, "an interface name, e.g. eth0 or cali+");
  if (!/^[^\s/]{1,16}$/.test(v.text))
    r.fail(v.col, `${excerpt(v.text)} is not an interface name; expected up to 15 characters, optionally ending in +`);
  const wildcard = v.text.endsWith("+");
  return { name: wildcard ? v.text.slice(0, -1) : v.text, wildcard, neg };
}
