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
const TWO_CHAR = new Set(["==", "!=", "<=", ">=", "<<", ">>"]);

/** Characters that end a word: white space, quotes, comments and punctuation. */
function endsWord(c: string): boolean {
  return c === " " || c === "\t" || c === "\n" || c === "\r" || c === ";" || c === '"' || c === "#" || PUNCT.has(c);
}

export function lex(text: string): Token[] {
  const out: Token[] = [];
  let line = 1;
  let lineStart = 0;
  let i = 0;
  const push = (kind: TokenKind, t: string, start: number, end: number) =>
    out.push({ kind, text: t, line, col: start - lineStart + 1, start, end });
  while (i < text.length) {
    const c = text[i]!;
    if (c === "\n") {
      push("end", "\n", i, i + 1);
      line++;
      lineStart = ++i;
    } else if (c === " " || c === "\t" || c === "\r") i++;
    else if (c === "\\" && text[i + 1] === "\n") {
      // A continued line: one statement over two lines.
      i += 2;
      line++;
      lineStart = i;
    } else if (c === "#") {
      while (i < text.length && text[i] !== "\n") i++;
    } else if (c === ";") {
      push("end", ";", i, i + 1);
      i++;
    } else if (c === '"') {
      const close = text.indexOf('"', i + 1);
      const stop = close < 0 || text.slice(i + 1, close).includes("\n") ? text.indexOf("\n", i) : close + 1;
      const end = stop < 0 ? text.length : stop;
      push("string", text.slice(i + 1, close === end - 1 ? close : end), i, end);
      i = end;
    } else if (PUNCT.has(c)) {
      const two = text.slice(i, i + 2);
      const len = TWO_CHAR.has(two) ? 2 : 1;
      push("punct", text.slice(i, i + len), i, i + len);
      i += len;
    } else {
      const start = i;
      while (i < text.length && !endsWord(text[i]!)) i++;
      push("word", text.slice(start, i), start, i);
    }
  }
  return out;
}

/** The source of tokens `from..to` (inclusive) with line breaks and runs of blanks made one space. */
export function sourceOf(text: string, from: Token, to: Token): string {
  return text.slice(from.start, to.end).replace(/\s+/g, " ");
}
