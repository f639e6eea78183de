// One nft rule's tokens -> the expressions the kernel would run, in order. A rule is read left to
// right: a selector (`ip daddr`, `meta l4proto . th dport`, `numgen random mod 2`) followed by a
// comparison, a set lookup or a verdict map; or a statement (verdicts, NAT, `meta mark set`,
// `update @set`). Anything else stops the reading with Unreadable at its token.
import { formatIpv4, parseIpv4 } from "../../model/address.ts";
import { asWritten, excerpt, LINE_START_MAX } from "../../model/excerpt.ts";
import type { Token } from "./lexer.ts";
import { closingBrace, readElements, readVerdict, Unreadable } from "./elements.ts";
import type { Expr, Field, Selector, SetSource, ValueKind } from "./model.ts";
import { asksNode, numgenOf } from "./selectors.ts";
import { parseDim, PROTOCOLS } from "./values.ts";

const OPS: Readonly<Record<string, "eq" | "ne" | "lt" | "gt" | "le" | "ge">> = {
  "==": "eq",
  eq: "eq",
  "!=": "ne",
  ne: "ne",
  "<": "lt",
  lt: "lt",
  ">": "gt",
  gt: "gt",
  "<=": "le",
  le: "le",
  ">=": "ge",
  ge: "ge",
};
const BINOPS: Readonly<Record<string, "&" | "|" | "^">> = { "&": "&", and: "&", "|": "|", or: "|", "^": "^", xor: "^" };
// A field's kind as this program's own string, never the token's text: the walk switches on it for
// every field of every rule it tests, and V8 compares a string cut from the input character by
// character, where two of its own constants are one pointer compare.
const FIELDS = {
  saddr: "saddr",
  daddr: "daddr",
  sport: "sport",
  dport: "dport",
  l4proto: "l4proto",
  mark: "mark",
  iifname: "iifname",
  oifname: "oifname",
  nfproto: "nfproto",
} as const;

/** What each field compares as. */
export function kindOf(f: Field): ValueKind {
  switch (f.kind) {
    case "saddr":
    case "daddr":
      return "ip";
    case "l4proto":
      return "proto";
    case "sport":
    case "dport":
      return "port";
    case "iifname":
    case "oifname":
      return "ifname";
    case "ctstate":
      return "ctstate";
    case "ctstatus":
      return "ctstatus";
    case "fib":
      return "fibtype";
    default:
      return "int";
  }
}

class RuleReader {
  i = 0;
  readonly exprs: Expr[] = [];
  constructor(private readonly t: readonly Token[]) {}

  private word(at = this.i): string | undefined {
    const tok = this.t[at];
    return tok?.kind === "word" || tok?.kind === "punct" ? tok.text : undefined;
  }

  private fail(message: string, at = this.i): never {
    throw new Unreadable(this.t[at] ?? this.t[this.t.length - 1], message);
  }

  read(): Expr[] {
    while (this.i < this.t.length) this.item();
    // Copied at its length: an array grown by push keeps room for 17, and a node's ruleset keeps
    // hundreds of thousands of these (the same for fields and values below).
    return this.exprs.slice();
  }

  private item(): void {
    const w = this.word();
    const v = readVerdict(this.t, this.i);
    if (v) {
      this.exprs.push({ kind: "verdict", verdict: v.verdict });
      this.i = v.next;
      return;
    }
    switch (w) {
      case "counter":
        this.i++;
        while (this.word() === "packets" || this.word() === "bytes") this.i += 2;
        return;
      case "comment":
        this.i += 2;
        return;
      case "log":
        return this.log();
      case "notrack":
        this.i++;
        this.exprs.push({ kind: "notrack" });
        return;
      case "dnat":
      case "snat":
        return this.nat(w);
      case "masquerade":
        return this.masquerade();
      case "update":
      case "add":
        return this.setUpdate(w);
      case "redirect":
        return this.fail("redirect (to an address of the incoming interface, which the rules do not give)");
      case "xt":
        return this.fail("an iptables extension iptables-nft could not translate (`xt`)");
      default:
        return this.match();
    }
  }

  private log(): void {
    this.i++;
    const args = new Set(["prefix", "level", "group", "snaplen", "queue-threshold", "flags"]);
    while (args.has(this.word() ?? "")) {
      this.i += 2;
      while (this.word() === ",") this.i += 2;
    }
    this.exprs.push({ kind: "note", text: "log" });
  }

  private nat(kind: "dnat" | "snat"): void {
    this.i++;
    if (this.word() === "ip") this.i++;
    if (this.word() !== "to") this.fail(`\`${kind}\` without \`to ADDRESS\``);
    this.i++;
    const target = this.t[this.i];
    const m = target?.kind === "word" ? /^([\d.]+)(?::(\d+))?$/.exec(target.text) : null;
    const ip = m ? parseIpv4(m[1]!) : undefined;
    if (!m || ip === undefined) this.fail(`${kind} to something other than one IPv4 address[:port] (a range or a map)`);
    this.i++;
    this.flags();
    const port = m[2] ? Number(m[2]) : null;
    const fixed =
      port === null ? null : { to: { ip, port }, detail: `${kind.toUpperCase()} to ${formatIpv4(ip)}:${port}` };
    this.exprs.push({ kind, ip, port, fixed });
  }

  /** NAT flags: random, fully-random, persistent (comma-separated). */
  private flags(): string[] {
    const out: string[] = [];
    while (["random", "fully-random", "persistent"].includes(this.word() ?? "")) {
      out.push(this.word()!);
      this.i++;
      if (this.word() === ",") this.i++;
    }
    return out;
  }

  private masquerade(): void {
    this.i++;
    let port: number | null = null;
    if (this.word() === "to") {
      const m = /^:(\d+)$/.exec(this.word(this.i + 1) ?? "");
      if (!m) this.fail("masquerade to something other than one port");
      port = Number(m[1]);
      this.i += 2;
    }
    const flags = this.flags();
    this.exprs.push({ kind: "masquerade", port, fullyRandom: flags.includes("fully-random") });
  }

  private setUpdate(op: "add" | "update"): void {
    const at = this.t[this.i + 1];
    if (at?.text !== "@" || this.t[this.i + 2]?.kind !== "word") this.fail(`\`${op}\` without @set`);
    const set = this.t[this.i + 2]!.text;
    if (this.word(this.i + 3) !== "{") this.fail(`\`${op} @${asWritten(set)}\` without { key }`);
    const close = closingBrace(this.t, this.i + 3);
    const inner = new RuleReader(this.t.slice(this.i + 4, close));
    const sel = inner.selector();
    while (inner.word() === "timeout" || inner.word() === "counter") inner.i += inner.word() === "timeout" ? 2 : 1;
    if (inner.i < inner.t.length) inner.fail("a set update kubehop cannot simulate");
    this.i = close + 1;
    this.exprs.push({ kind: "setupdate", set, sel, op });
  }

  /** A selector, then what is done with it. */
  private match(): void {
    const start = this.i;
    const ip6 = this.word() === "ip6";
    const sel = this.selector();
    if (ip6) return this.ip6Only();
    const w = this.word();
    if (w === "set") return this.setMark(sel, start);
    if (w === "vmap") {
      this.i++;
      this.exprs.push({ kind: "vmap", sel, map: this.setSource(sel, true) });
      return;
    }
    if (w === "map") this.fail("a data map (`map`) kubehop does not simulate");
    let neg = false;
    let op: "eq" | "lt" | "gt" | "le" | "ge" = "eq";
    const o = OPS[w ?? ""];
    if (o) {
      this.i++;
      if (o === "ne") neg = true;
      else op = o;
    }
    if (this.word() === "@" || this.word() === "{") {
      if (op !== "eq") this.fail("an ordering comparison with a set");
      this.exprs.push({ kind: "lookup", sel, neg, set: this.setSource(sel, false) });
      return;
    }
    if (sel.fields.length !== 1) this.fail("a concatenation compared with a value kubehop does not read");
    const kind = kindOf(sel.fields[0]!);
    const values = [];
    for (;;) {
      const t = this.t[this.i];
      if (!t || (t.kind !== "word" && t.kind !== "string")) this.fail("a comparison with no value");
      const d = sel.fields[0]!.kind === "nfproto" ? nfproto(t.text) : parseDim(kind, t.text, t.kind === "string");
      if (!d) this.fail(`${excerpt(t.text, LINE_START_MAX)} is not a value kubehop reads for this match`);
      values.push([d]);
      this.i++;
      if (this.word() !== ",") break;
      this.i++;
    }
    this.exprs.push({ kind: "cmp", sel, neg, op, values: values.slice() });
  }

  /** An ip6 match in an inet table never matches an IPv4 packet: its value need not be read. */
  private ip6Only(): void {
    const w = this.word();
    if (OPS[w ?? ""]) this.i++;
    if (this.word() === "@") this.i += 2;
    else if (this.word() === "{") this.i = closingBrace(this.t, this.i) + 1;
    else this.i++;
    this.exprs.push({
      kind: "cmp",
      sel: { fields: [{ kind: "nfproto" }], draw: undefined, asksNode: false },
      neg: false,
      op: "eq",
      values: [[{ lo: 10, hi: 10 }]],
    });
  }

  private setSource(sel: Selector, verdicts: boolean): SetSource {
    if (this.word() === "@") {
      const name = this.t[this.i + 1];
      if (name?.kind !== "word") this.fail("@ with no set name");
      this.i += 2;
      return { kind: "named", name: name.text, found: undefined, index: undefined };
    }
    if (this.word() !== "{")
      this.fail(verdicts ? "vmap without @map or { elements }" : "expected @set or { elements }");
    const close = closingBrace(this.t, this.i);
    const elements = readElements(this.t.slice(this.i + 1, close), sel.fields.map(kindOf), verdicts);
    this.i = close + 1;
    return { kind: "anonymous", elements, index: undefined };
  }

  private setMark(sel: Selector, start: number): void {
    if (sel.fields.length !== 1 || sel.fields[0]!.kind !== "mark" || sel.binop)
      this.fail("a `set` statement kubehop does not simulate (only meta mark set)", start);
    this.i++;
    let and = 0;
    let xor: number;
    const w = this.word();
    if (w === "mark" || w === "meta") {
      this.i += w === "meta" ? 2 : 1;
      const op = BINOPS[this.word() ?? ""];
      const v = this.number(this.i + 1);
      if (!op || v === undefined) this.fail("a mark expression kubehop does not read");
      if (op === "&") [and, xor] = [v, 0];
      else if (op === "|") [and, xor] = [~v >>> 0, v];
      else [and, xor] = [0xffffffff, v];
    } else {
      const v = this.number(this.i);
      if (v === undefined) this.fail("a mark value kubehop does not read");
      xor = v;
    }
    const text = this.t
      .slice(start, this.i)
      .map((t) => t.text)
      .join(" ");
    this.exprs.push({ kind: "setmark", and, xor, text });
  }

  /** The number at `at`; reading goes on after it. */
  private number(at: number): number | undefined {
    const d = parseDim("int", this.word(at) ?? "", false);
    this.i = at + 1;
    return d && "lo" in d && d.lo === d.hi ? d.lo : undefined;
  }

  /** `a . b . c`, with an optional `& mask` on a single field. */
  selector(): Selector {
    const fields: Field[] = [];
    let proto: number | undefined;
    for (;;) {
      const f = this.field();
      if (f.proto !== undefined) proto = f.proto;
      fields.push(f.field);
      if (this.word() !== ".") break;
      this.i++;
    }
    const op = BINOPS[this.word() ?? ""];
    if (op && fields.length === 1) {
      this.i++;
      const t = this.t[this.i];
      const d = parseDim("int", t?.text ?? "", false);
      if (!d || !("lo" in d)) this.fail("a mask kubehop does not read");
      this.i++;
      return shared(fields, proto, { op, value: d.lo });
    }
    return shared(fields, proto, undefined);
  }

  private field(): { field: Field; proto?: number } {
    const w = this.word();
    const next = this.word(this.i + 1);
    const take = (n: number, field: Field, proto?: number) => {
      this.i += n;
      return proto === undefined ? { field } : { field, proto };
    };
    switch (w) {
      case "ip":
        if (next === "saddr" || next === "daddr") return take(2, { kind: FIELDS[next] });
        if (next === "protocol") return take(2, { kind: "l4proto" });
        break;
      case "ip6":
        if (next === "saddr" || next === "daddr" || next === "nexthdr") return take(2, { kind: "nfproto" });
        break;
      case "tcp":
      case "udp":
      case "sctp":
        if (next === "dport" || next === "sport") return take(2, { kind: FIELDS[next] }, PROTOCOLS[w]);
        break;
      case "th":
        if (next === "dport" || next === "sport") return take(2, { kind: FIELDS[next] });
        break;
      case "meta":
        if (next === "l4proto" || next === "mark" || next === "iifname" || next === "oifname" || next === "nfproto")
          return take(2, { kind: FIELDS[next] });
        break;
      case "mark":
      case "iifname":
      case "oifname":
        return take(1, { kind: FIELDS[w] });
      case "ct":
        if (next === "state") return take(2, { kind: "ctstate" });
        if (next === "status") return take(2, { kind: "ctstatus" });
        break;
      case "fib":
        if ((next === "saddr" || next === "daddr") && this.word(this.i + 2) === "type")
          return take(3, { kind: "fib", dir: FIELDS[next] });
        break;
      case "numgen":
        return this.numgen();
    }
    return this.fail(
      `${excerpt(w ?? "", LINE_START_MAX)}${next ? ` ${excerpt(next, LINE_START_MAX)}` : ""}: ` +
        "an expression kubehop does not simulate",
    );
  }

  private numgen(): { field: Field } {
    if (this.word(this.i + 1) !== "random" || this.word(this.i + 2) !== "mod")
      this.fail("numgen other than `numgen random mod N` (inc keeps state across packets)");
    const mod = Number(this.word(this.i + 3));
    if (!Number.isInteger(mod) || mod < 1 || mod > 65536) this.fail("numgen mod that is not a count", this.i + 3);
    this.i += 4;
    let offset = 0;
    if (this.word() === "offset") {
      offset = Number(this.word(this.i + 1));
      if (!Number.isInteger(offset)) this.fail("numgen offset that is not a number", this.i + 1);
      this.i += 2;
    }
    return { field: { kind: "numgen", mod, offset } };
  }
}

/** A selector's fields with what the walk asks of them, found once. */
function facts(fields: readonly Field[]): Selector {
  return { fields, draw: numgenOf(fields), asksNode: asksNode(fields) };
}

/**
 * Selectors read so far, by what they select: a node's ruleset writes a few dozen kinds (`ip daddr`,
 * `ip daddr . meta l4proto . th dport`, `meta mark & 0x4000`) hundreds of thousands of times, and
 * holds one object of each (selectors are never changed once read). Bounded, in case of a ruleset
 * of endless numgen moduli or masks: past the bound, selectors are made as read.
 */
const SELECTORS = new Map<string, Selector>();
const SELECTORS_KEPT = 4096;

function shared(fields: readonly Field[], proto: number | undefined, binop: Selector["binop"]): Selector {
  let key = "";
  for (const f of fields)
    key += f.kind === "fib" ? `fib ${f.dir}.` : f.kind === "numgen" ? `numgen ${f.mod} ${f.offset}.` : `${f.kind}.`;
  key += ` ${proto ?? ""} ${binop ? `${binop.op}${binop.value}` : ""}`;
  const known = SELECTORS.get(key);
  if (known) return known;
  const exact = fields.slice();
  const sel: Selector =
    binop !== undefined
      ? { ...facts(exact), binop, ...(proto !== undefined ? { proto } : {}) }
      : proto !== undefined
        ? { ...facts(exact), proto }
        : facts(exact);
  if (SELECTORS.size < SELECTORS_KEPT) SELECTORS.set(key, sel);
  return sel;
}

function nfproto(text: string) {
  const n = text === "ipv4" ? 2 : text === "ipv6" ? 10 : undefined;
  return n === undefined ? undefined : { lo: n, hi: n };
}

/** The rule's expressions; throws Unreadable at the first token it cannot read. */
export function readRule(tokens: readonly Token[]): Expr[] {
  return new RuleReader(tokens).read();
}

/** A `typeof` declaration's selector (`typeof ip saddr . tcp dport`), for a set's key kinds. */
export function readTypeof(tokens: readonly Token[]): ValueKind[] {
  const r = new RuleReader(tokens);
  const sel = r.selector();
  return sel.fields.map(kindOf);
}
