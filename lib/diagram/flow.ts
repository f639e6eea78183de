// Boxes of text laid left to right, wrapping at the right edge: the rows of the logical layer.
import { FONT, textWidth } from "./text.ts";

export interface Rect4 {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

/** Line height of a box's text. */
export const LINE = 15;

/** Lays boxes of text (first line a label, the rest small) left to right, wrapping at `right`. */
export function flow(items: readonly (readonly string[])[], left: number, right: number, top: number): Rect4[] {
  const out: Rect4[] = [];
  let x = left;
  let y = top;
  let rowH = 0;
  for (const lines of items) {
    const w = Math.max(...lines.map((t, i) => textWidth(t, i === 0 ? FONT.label : FONT.small))) + 20;
    const h = 10 + lines.length * LINE;
    if (x > left && x + w > right) {
      x = left;
      y += rowH + 16;
      rowH = 0;
    }
    out.push({ x, y, w, h });
    x += w + 16;
    rowH = Math.max(rowH, h);
  }
  return out;
}
