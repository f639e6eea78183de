// A path a client could send that a regex path matches: ingress-nginx's use-regex locations and
// HTTPRoute RegularExpression matches are written for real URLs (/v1(/|$)(.*), /reports/[0-9]+), and
// the migration check needs one such URL per path. The sample takes the first alternative of each
// group, one repetition of each quantified atom and the first character of each class; a pattern
// this cannot follow (backreferences, lookarounds) gives undefined, and the caller falls back to the
// literal part before the first regex character.

/** One string the pattern produces, or undefined when the pattern uses syntax the sampler does not follow. */
export function regexSample(pattern: string): string | undefined {
  const p = new Sampler(pattern.replace(/^\(\?[a-z]+\)/, ""));
  const out = p.alternatives();
  return p.failed || p.at < p.text.length ? undefined : out;
}

class Sampler {
  at = 0;
  failed = false;
  constructor(readonly text: string) {}

  /** a|b|c up to a ")" or the end: the first alternative's sample. */
  alternatives(): string {
    const first = this.sequence();
    while (this.text[this.at] === "|") {
      this.at++;
      this.sequence();
    }
    return first;
  }

  private sequence(): string {
    let out = "";
    while (this.at < this.text.length && this.text[this.at] !== "|" && this.text[this.at] !== ")") {
      const atom = this.atom();
      out += this.repeat(atom);
      if (this.failed) return out;
    }
    return out;
  }

  /** *, +, ? and {n,m} after an atom: one copy (n copies for {n,...}; none for {0}). */
  private repeat(atom: string): string {
    const c = this.text[this.at];
    if (c === "*" || c === "+" || c === "?") {
      this.at++;
      if (this.text[this.at] === "?" || this.text[this.at] === "+") this.at++;
      return atom;
    }
    if (c === "{") {
      const m = /^\{(\d+)(,\d*)?\}/.exec(this.text.slice(this.at));
      if (!m) return atom;
      this.at += m[0].length;
      return atom.repeat(Math.max(Number(m[1]), m[1] === "0" ? 0 : 1));
    }
    return atom;
  }

  private atom(): string {
    const c = this.text[this.at++]!;
    if (c === "^" || c === "$") return "";
    if (c === ".") return "x";
    if (c === "\\") return this.escape();
    if (c === "[") return this.characterClass();
    if (c === "(") {
      const flags = /^\?(?:[a-z]*:|[a-z]+\))/.exec(this.text.slice(this.at));
      if (this.text[this.at] === "?" && !flags) return this.fail();
      if (flags) this.at += flags[0].length;
      if (flags?.[0].endsWith(")")) return "";
      const inner = this.alternatives();
      if (this.text[this.at++] !== ")") return this.fail();
      return inner;
    }
    return c;
  }

  private escape(): string {
    const c = this.text[this.at++];
    if (c === undefined) return this.fail();
    if (c === "d") return "0";
    if (c === "w") return "a";
    if (c === "s") return " ";
    if (/[0-9bBkDWS]/.test(c)) return this.fail();
    return c;
  }

  /** [...] the first character it allows; a negated class gives a letter it does not list. */
  private characterClass(): string {
    const end = this.text.indexOf("]", this.at + 1);
    if (end < 0) return this.fail();
    const body = this.text.slice(this.at, end);
    this.at = end + 1;
    if (body.startsWith("^")) {
      const listed = body.slice(1);
      return [..."xyzq0"].find((ch) => !listed.includes(ch)) ?? this.fail();
    }
    if (body.startsWith("\\")) return body[1] === "d" ? "0" : body[1] === "w" ? "a" : (body[1] ?? "");
    return body[0] ?? "";
  }

  private fail(): string {
    this.failed = true;
    return "";
  }
}
