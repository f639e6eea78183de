// Reads the words of one rule left to right and turns values into numbers and prefixes, reporting
// malformed values at their exact column with what would be valid.
import { excerpt } from "../model/excerpt.ts";
import { makePrefix, parseIpv4, parsePrefix, type Prefix } from "../model/address.ts";
import { NetfilterParseError } from "./errors.ts";
import type { PortRange } from "../model/ruleset.ts";
import type { Token } from "./tokenizer.ts";

export class OptionReader {
  private pos: number;
  constructor(
    private readonly tokens: readonly Token[],
    start: number,
    readonly file: string,
    readonly line: number,
    /** Column just past the line's last character, for "missing value" errors. */
    private readonly endCol: number,
  ) {
    this.pos = start;
  }

  done(): boolean {
    return this.pos >= this.tokens.length;
  }

  peek(): Token | undefined {
    return this.tokens[this.pos];
  }

  next(): Token {
    const t = this.tokens[this.pos];
    if (!t) this.fail(this.endCol, "unexpected end of rule");
    this.pos++;
    return t;
  }

  /** The value of `option`; `what` says what kind of value would be valid. */
  value(option: Token, what: string): Token {
    const t = this.tokens[this.pos];
    if (!t || t.text === "!" || (t.text.startsWith("-") && t.text.length > 1 && !/^-\d/.test(t.text))) {
      this.fail(t?.col ?? this.endCol, `${option.text} needs a value: ${what}`);
    }
    this.pos++;
    return t;
  }

  /** Consumes the words after an option kubehop does not know, up to the next option. */
  skipValues(): void {
    for (let t = this.peek(); t && t.text !== "!" && !t.text.startsWith("-"); t = this.peek()) this.pos++;
  }

  fail(col: number, message: string): never {
    throw new NetfilterParseError(this.file, this.line, col, message);
  }

  u32(t: Token, what: string): number {
    const m = /^(0x[0-9a-f]{1,8}|\d{1,10})$/i.exec(t.text);
    const v = m ? Number(t.text) : Number.NaN;
    if (!(v >= 0 && v <= 0xffffffff))
      this.fail(t.col, `${excerpt(t.text)} is not a valid ${what}; expected a number 0-4294967295, decimal or 0x hex`);
    return v;
  }

  /** `VALUE[/MASK]`, as --mark and --set-xmark take it. */
  markSpec(t: Token): { value: number; mask: number | null } {
    const [v, m, extra] = t.text.split("/");
    if (extra !== undefined)
      this.fail(t.col, `${excerpt(t.text)} is not a mark; expected VALUE or VALUE/MASK, e.g. 0x4000/0x4000`);
    const value = this.u32({ text: v!, col: t.col }, "mark value");
    const mask = m === undefined ? null : this.u32({ text: m, col: t.col + v!.length + 1 }, "mark mask");
    return { value, mask };
  }

  port(t: Token, text = t.text): number {
    const v = /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN;
    if (!(v >= 0 && v <= 65535)) this.fail(t.col, `${excerpt(text)} is not a port; expected a number 0-65535`);
    return v;
  }

  /** `N`, `A:B`, `A:` or `:B`, as --dport takes it. */
  portRange(t: Token, text = t.text): PortRange {
    const i = text.indexOf(":");
    if (i < 0) {
      const p = this.port(t, text);
      return { lo: p, hi: p };
    }
    const lo = i === 0 ? 0 : this.port(t, text.slice(0, i));
    const hi = i === text.length - 1 ? 65535 : this.port(t, text.slice(i + 1));
    if (lo > hi) this.fail(t.col, `port range ${excerpt(text)} is empty; write LOW:HIGH with LOW <= HIGH`);
    return { lo, hi };
  }

  /** `a.b.c.d`, `a.b.c.d/len` or `a.b.c.d/m.m.m.m`; host bits are cleared as iptables does. */
  address(t: Token): Prefix {
    const text = t.text;
    const slash = text.indexOf("/");
    const fast = slash < 0 ? dotted(text, 0, text.length) : dotted(text, 0, slash);
    if (fast !== undefined) {
      const len = slash < 0 ? 32 : prefixLength(text, slash + 1);
      if (len !== undefined) return makePrefix(fast, len);
    }
    if (slash < 0) {
      const ip = parseIpv4(text);
      if (ip === undefined) this.addressError(t);
      return makePrefix(ip, 32);
    }
    const maskText = text.slice(slash + 1);
    if (maskText.includes(".")) {
      const ip = parseIpv4(text.slice(0, slash));
      const mask = parseIpv4(maskText);
      const len = mask === undefined ? -1 : contiguousMaskLength(mask);
      if (ip === undefined || len < 0) this.addressError(t);
      return makePrefix(ip, len);
    }
    const p = parsePrefix(text, false);
    if (!p) this.addressError(t);
    return p;
  }

  private addressError(t: Token): never {
    const hint = t.text.includes(",")
      ? " (iptables expands comma lists into one rule per address; iptables-save never prints them)"
      : "";
    this.fail(t.col, `${excerpt(t.text)} is not an IPv4 address or prefix; expected a.b.c.d or a.b.c.d/len${hint}`);
  }
}

/**
 * `a.b.c.d` in text[from..to) written canonically (no leading zeros, each part 0-255), as
 * iptables-save prints addresses; undefined otherwise, for parseIpv4 to decide. Much cheaper than
 * the general parser, which a big ruleset calls for every rule.
 */
function dotted(text: string, from: number, to: number): number | undefined {
  let ip = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || dots === 3) return undefined;
      ip = ip * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && part === 0) return undefined;
      part = part * 10 + (c - 48);
      if (++digits > 3 || part > 255) return undefined;
    } else return undefined;
  }
  if (digits === 0 || dots !== 3) return undefined;
  return ip * 256 + part;
}

/** A canonical decimal prefix length 0-32 from `from` to the end, or undefined. */
function prefixLength(text: string, from: number): number | undefined {
  const t = text.slice(from);
  return /^(?:[0-9]|[12][0-9]|3[0-2])$/.test(t) ? Number(t) : undefined;
}

function contiguousMaskLength(mask: number): number {
  for (let len = 0; len <= 32; len++) if ((len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0) === mask) return len;
  return -1;
}
