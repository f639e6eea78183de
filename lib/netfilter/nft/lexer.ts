// nft's text split into tokens that keep their place in the file, so that every diagnostic can point
// at a line and column and every rule can be quoted as it was written. nft's own scanner is context
// sensitive; this one needs only a few facts: `.` and `:` inside a word belong to it (`10.0.0.1:80`,
// `ns1/svc1/tcp/p80__10.180.0.1/80`) and stand alone as the concatenation and mapping operators,
// `#` starts a comment, and `;` or a line end ends a statement.

export type TokenKind = "word" | "string" | "punct" | "end";

export interface Token {
  readonly kind: TokenKind;
  /** The word, the string without its quotes, the punctuation, or `\n`/`;` for "end". */
  readonly text: string;
  readonly line: number;
  readonly col: number;
  /** Offsets in the whole text, to quote a rule exactly as written. */
  readonly start: number;
  readonly end: number;
}

const PUNCT = new Set(["{", "}", "(", ")", ",", "@", "$", "&", "|", "^", "<", ">", "=", "!"]);
const BLANKS_TO_COLLAPSE = /\s\s|[\t\n\r\f\v\u00a0\u2000-\u200a\u2028\u2029\u3000\ufeff\u1680\u202f\u205f]/;
const TWO_CHAR = new Set(["==", "!=", "<=", ">=", "<<", ">>"]);

/** Characters (by code, below 128) that end a word: white space, quotes, comments and punctuation. */
const ENDS_WORD = new Uint8Array(128);
for (const c of [" ", "\t", "\n", "\r", ";", '"', "#", ...PUNCT]) ENDS_WORD[c.charCodeAt(0)] = 1;

/** Where tokens come from: the text, read as the reader asks (never all its tokens at once), or a list. */
export interface TokenSource {
  next(): Token | undefined;
}

export class Lexer implements TokenSource {
  private i = 0;
  private line = 1;
  private lineStart = 0;
  constructor(private readonly text: string) {}

  private token(kind: TokenKind, text: string, start: number, end: number): Token {
    return { kind, text, line: this.line, col: start - this.lineStart + 1, start, end };
  }

  next(): Token | undefined {
    const text = this.text;
    while (this.i < text.length) {
      const i = this.i;
      const c = text[i]!;
      if (c === "\n") {
        const t = this.token("end", "\n", i, i + 1);
        this.line++;
        this.lineStart = ++this.i;
        return t;
      }
      if (c === " " || c === "\t" || c === "\r") this.i++;
      else if (c === "\\" && text[i + 1] === "\n") {
        // A continued line: one statement over two lines.
        this.i += 2;
        this.line++;
        this.lineStart = this.i;
      } else if (c === "#") {
        const nl = text.indexOf("\n", i);
        this.i = nl < 0 ? text.length : nl;
      } else if (c === ";") {
        this.i++;
        return this.token("end", ";", i, i + 1);
      } else if (c === '"') {
        const nl = text.indexOf("\n", i);
        const lineEnd = nl < 0 ? text.length : nl;
        const close = text.indexOf('"', i + 1);
        // A string left open ends with its line.
        const end = close >= 0 && close < lineEnd ? close + 1 : lineEnd;
        this.i = end;
        return this.token("string", text.slice(i + 1, close >= 0 && close < lineEnd ? close : lineEnd), i, end);
      } else if (PUNCT.has(c)) {
        const len = TWO_CHAR.has(text.slice(i, i + 2)) ? 2 : 1;
        this.i += len;
        return this.token("punct", text.slice(i, i + len), i, i + len);
      } else {
        let j = i;
        while (j < text.length) {
          const c = text.charCodeAt(j);
          if (c < 128 && ENDS_WORD[c] === 1) break;
          j++;
        }
        this.i = j;
        return this.token("word", text.slice(i, j), i, j);
      }
    }
    return undefined;
  }
}

/** Tokens already read (a command's inline block), read again as a source. */
export class ListSource implements TokenSource {
  private i = 0;
  constructor(private readonly tokens: readonly Token[]) {}
  next(): Token | undefined {
    return this.tokens[this.i++];
  }
}

/** The source of tokens `from..to` (inclusive) with line breaks and runs of blanks made one space. */
export function sourceOf(text: string, from: Token, to: Token): string {
  const s = text.slice(from.start, to.end);
  // Most rules are written on one line with single blanks: nothing to replace.
  return BLANKS_TO_COLLAPSE.test(s) ? s.replace(/\s+/g, " ") : s;
}
