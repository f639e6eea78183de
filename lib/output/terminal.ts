// Text for a terminal: how wide a string looks, cutting and wrapping to a width, ANSI colour, and
// making strings from the user's files safe to print. Widths are always measured on what shows.

/** What a piece of text means, so colour can say it; `plain` is never painted. */
export type Style = "plain" | "good" | "bad" | "strong" | "dim";

const SGR: Record<Exclude<Style, "plain">, string> = { good: "32", bad: "31", strong: "1", dim: "2" };

const ELLIPSIS = "…";

/** `text` in its style's colour when colour is on; unchanged otherwise, so widths stay the visible ones. */
export function paint(text: string, style: Style, color: boolean): string {
  return color && style !== "plain" && text ? `\x1b[${SGR[style]}m${text}\x1b[0m` : text;
}

// C0 and C1 controls, DEL, and the bidirectional overrides that can make printed text lie about its order.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * A name, host or path from the user's files or URL, printable: control characters (ESC among them,
 * so no escape sequence survives) become `\xNN` or `\uNNNN`; a newline cannot break a line apart.
 */
export function safe(text: string): string {
  return text.replace(UNSAFE, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}

/** Text of several lines (an error listing one problem a line), each made safe, the line breaks kept. */
export function safeLines(text: string): string {
  return text.split("\n").map(safe).join("\n");
}

// Marks that combine with the character before and characters that show nothing take no column.
const ZERO_WIDTH = /^[\p{Mn}\p{Me}\u200b-\u200d\u2060\ufeff]$/u;

/** East Asian wide and fullwidth characters, and emoji, take two columns. */
function isWide(code: number): boolean {
  return (
    (code >= 0x1100 && code <= 0x115f) ||
    (code >= 0x2e80 && code <= 0xa4cf && code !== 0x303f) ||
    (code >= 0xac00 && code <= 0xd7a3) ||
    (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0xfe30 && code <= 0xfe4f) ||
    (code >= 0xff00 && code <= 0xff60) ||
    (code >= 0xffe0 && code <= 0xffe6) ||
    (code >= 0x1f300 && code <= 0x1f64f) ||
    (code >= 0x1f900 && code <= 0x1f9ff) ||
    (code >= 0x20000 && code <= 0x3fffd)
  );
}

function charWidth(ch: string): number {
  const code = ch.codePointAt(0)!;
  // Below U+0300 (the first combining mark) every character takes one column: the Unicode-property
  // test, and compiling it, is left to the rest (`kubehop --help` spent 9 ms here on ASCII).
  if (code < 0x300) return 1;
  if (ZERO_WIDTH.test(ch)) return 0;
  return isWide(code) ? 2 : 1;
}

/** Columns `text` takes on screen; it must hold no escape sequences (paint after measuring). */
export function width(text: string): number {
  let w = 0;
  for (const ch of text) w += charWidth(ch);
  return w;
}

/** The longest start of `text` that fits in `columns`. */
function head(text: string, columns: number): string {
  let w = 0;
  let out = "";
  for (const ch of text) {
    w += charWidth(ch);
    if (w > columns) break;
    out += ch;
  }
  return out;
}

/** The longest end of `text` that fits in `columns`. */
function tail(text: string, columns: number): string {
  const chars = [...text];
  let w = 0;
  let i = chars.length;
  while (i > 0 && w + charWidth(chars[i - 1]!) <= columns) w += charWidth(chars[--i]!);
  return chars.slice(i).join("");
}

/** `text` cut to `columns` with an ellipsis at the end when it does not fit. */
export function cutEnd(text: string, columns: number): string {
  if (width(text) <= columns) return text;
  return columns <= 0 ? "" : `${head(text, columns - 1).trimEnd()}${ELLIPSIS}`;
}

/** `text` cut to `columns` with an ellipsis in the middle: for names whose end tells them apart (pod hashes). */
export function cutMiddle(text: string, columns: number): string {
  if (width(text) <= columns) return text;
  if (columns <= 0) return "";
  const room = columns - 1;
  const front = Math.ceil(room / 2);
  return `${head(text, front)}${ELLIPSIS}${tail(text, room - width(head(text, front)))}`;
}

/** Columns a string this module painted takes: its colour codes take none. */
export function visibleWidth(painted: string): number {
  return width(painted.replace(/\x1b\[[0-9;]*m/g, ""));
}

/**
 * `text` word-wrapped: the first line at most `first` columns, the others at most `rest`; a word
 * longer than a line is split. Runs of spaces inside a line are kept, so aligned text stays aligned.
 */
export function wrap(text: string, first: number, rest = first): string[] {
  const lines: string[] = [];
  const room = () => Math.max(1, lines.length === 0 ? first : rest);
  let line = "";
  for (const word of text.split(/(?<= )(?=\S)/)) {
    if (width(line) + width(word.trimEnd()) > room() && line) {
      lines.push(line.trimEnd());
      line = "";
    }
    let left = word;
    while (width(left.trimEnd()) > room()) {
      const piece = head(left, room()) || [...left][0]!;
      lines.push(piece);
      left = left.slice(piece.length);
    }
    line += left;
  }
  if (line.trimEnd() || lines.length === 0) lines.push(line.trimEnd());
  return lines;
}
