// Statements as nft separates them: at `;` or a line end outside braces. A block that holds
// statements of its own (`table ip t {`, `chain c {`, `set s {`) is not read as one statement:
// the reader is told it opened, and reads its statements one at a time.
import type { Token, TokenSource } from "./lexer.ts";

export interface Statement {
  readonly tokens: Token[];
  /** The `{` that opened a block the caller reads statement by statement. */
  readonly open?: Token;
  /** The `}` at depth 0 that ended the statement and closes the caller's block. */
  readonly close?: Token;
  /** The text ended. */
  readonly eof?: boolean;
}

/**
 * The next statement from `src`; `opens(tokens)` says whether a `{` after those tokens opens a block
 * to read statement by statement. Line ends and `;` inside braces are kept (an inline block's own
 * statements), the ones that end the statement are not.
 */
export function nextStatement(src: TokenSource, opens: (head: readonly Token[]) => boolean): Statement {
  const tokens: Token[] = [];
  let depth = 0;
  for (;;) {
    const t = src.next();
    if (!t) return { tokens, eof: true };
    if (t.kind === "end") {
      if (depth > 0) tokens.push(t);
      else if (tokens.length > 0) return { tokens };
      continue;
    }
    if (t.kind === "punct" && t.text === "{") {
      if (depth === 0 && opens(tokens)) return { tokens, open: t };
      depth++;
    } else if (t.kind === "punct" && t.text === "}") {
      if (depth === 0) return { tokens, close: t };
      depth--;
    }
    tokens.push(t);
  }
}

/** The statements of an inline block's tokens, split at `;` and line ends outside braces. */
export function splitStatements(tokens: readonly Token[]): Token[][] {
  const out: Token[][] = [];
  let cur: Token[] = [];
  let depth = 0;
  for (const t of tokens) {
    if (t.kind === "punct" && t.text === "{") depth++;
    if (t.kind === "punct" && t.text === "}") depth = Math.max(0, depth - 1);
    if (t.kind === "end" && depth === 0) {
      if (cur.length > 0) out.push(cur);
      cur = [];
    } else cur.push(t);
  }
  if (cur.length > 0) out.push(cur);
  return out;
}
