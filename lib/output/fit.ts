// Lines laid out in columns and fitted to a width: a line of fields that give way in a chosen order
// (the least informative first), and a hanging paragraph that wraps under its own first column.
import { cutEnd, cutMiddle, paint, type Style, visibleWidth, width, wrap } from "./terminal.ts";

export interface Field {
  text: string;
  style?: Style;
  /** Where an ellipsis goes when the field must give way: names keep their distinctive end. */
  cut?: "end" | "middle";
  /** Column width to pad to, so the fields after it line up; a longer text overflows rather than cut. */
  pad?: number;
  /** What separates it from the field before (two spaces unless said). */
  gap?: string;
}

/** Shrink field `field` down to `floor` columns, if the line is still too wide. */
export interface Give {
  field: number;
  floor: number;
}

const GAP = "  ";
/** A field cut narrower than this shows too little to read: it goes altogether, if its floor allows. */
const LEGIBLE = 10;

/**
 * The fields joined by two spaces, at most `columns` wide. While the line is too wide, the fields give
 * way in `order`, each down to its floor; then, if that was not enough, from the last field backwards.
 * A field given down to nothing disappears with its gap.
 */
export function fitLine(fields: readonly Field[], order: readonly Give[], columns: number, color: boolean): string {
  const last = fields.findLastIndex((f) => f.text !== "");
  const w = fields.map((f, i) => (i > last ? 0 : i === last ? width(f.text) : Math.max(width(f.text), f.pad ?? 0)));
  const gaps = () =>
    w.reduce((sum, x, i) => sum + (x > 0 && w.slice(0, i).some((y) => y > 0) ? (fields[i]!.gap ?? GAP).length : 0), 0);
  const total = () => w.reduce((sum, x) => sum + x, 0) + gaps();
  const give = (i: number, floor: number) => {
    const over = total() - columns;
    if (over <= 0 || w[i]! <= floor) return;
    const left = Math.max(floor, w[i]! - over);
    w[i] = left < LEGIBLE && left < width(fields[i]!.text) && floor === 0 ? 0 : left;
  };
  for (const g of order) give(g.field, g.floor);
  for (let i = fields.length - 1; i >= 0 && total() > columns; i--) give(i, 0);
  let line = "";
  fields.forEach((f, i) => {
    if (w[i] === 0) return;
    const shown =
      width(f.text) <= w[i]! ? f.text : f.cut === "middle" ? cutMiddle(f.text, w[i]!) : cutEnd(f.text, w[i]!);
    if (line) line += f.gap ?? GAP;
    line += paint(shown, f.style ?? "plain", color) + " ".repeat(w[i]! - width(shown));
  });
  return line.trimEnd();
}

export interface Piece {
  text: string;
  style?: Style;
  /** What separates it from the piece before on the same line (two spaces unless said). */
  gap?: string;
  /** Rather start a new line than break it (a rule, a diff); text that is not kept flows on. */
  keep?: boolean;
}

/** Fewer columns than this left on a line, and a long piece starts on the next line instead. */
const MIN_ROOM = 12;

/**
 * `prefix` (painted, with its trailing spaces) followed by `pieces`, wrapped to `columns`: a piece goes
 * on the current line if it fits; if not, it flows on, word-wrapped, or, if kept, starts a new line.
 * Continuation lines hang at `indent`.
 */
export function hang(
  prefix: string,
  pieces: readonly Piece[],
  indent: number,
  columns: number,
  color: boolean,
): string[] {
  const margin = " ".repeat(indent);
  const lines = [prefix];
  let fresh = true;
  const room = () => columns - visibleWidth(lines.at(-1)!);
  const newLine = () => {
    lines.push(margin);
    fresh = true;
  };
  const put = (text: string, piece: Piece) => {
    lines[lines.length - 1] += (fresh ? "" : (piece.gap ?? GAP)) + paint(text, piece.style ?? "plain", color);
    fresh = false;
  };
  for (const piece of pieces) {
    if (piece.text === "") continue;
    const gap = () => (fresh ? 0 : (piece.gap ?? GAP).length);
    if (width(piece.text) + gap() <= room()) {
      put(piece.text, piece);
      continue;
    }
    const wholeLine = width(piece.text) <= columns - indent;
    if (fresh ? room() < Math.min(MIN_ROOM, width(piece.text)) : (piece.keep && wholeLine) || room() - gap() < MIN_ROOM)
      newLine();
    wrap(piece.text, room() - gap(), columns - indent).forEach((part, k) => {
      if (k > 0) newLine();
      put(part, piece);
    });
  }
  return lines.map((l) => l.trimEnd());
}

/** `text` fitted to `columns`: cut with an ellipsis, or, when `whole`, wrapped with continuation lines at `indent`. */
export function fitText(
  text: string,
  columns: number,
  whole: boolean,
  indent: number,
  style: Style = "plain",
  color = false,
): string[] {
  if (!whole) return [paint(cutEnd(text, columns), style, color)];
  const lead = text.length - text.trimStart().length;
  return hang(text.slice(0, lead), [{ text: text.trimStart(), style }], indent, columns, color);
}
