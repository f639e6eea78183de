// Text metrics without a layout engine: every label is monospace, so its width is
// characters × 0.6 × font size (checked against Chromium's getComputedTextLength within 1 px).
import type { Rect } from "./geometry.ts";

export const FONT = {
  title: 13,
  label: 11,
  small: 10,
} as const;

export const CHAR_EM = 0.6;

/**
 * What XML 1.0 forbids (control characters but tab and newline, U+FFFE/FFFF, a surrogate without its
 * pair) becomes "?", so the document stays well-formed whatever a name holds; the rest is kept as written.
 */
export function clean(s: string): string {
  // With the u flag a surrogate range matches only a surrogate that is not half of a pair.
  return s.replace(/[\p{Cc}\ufffe\uffff\ud800-\udfff]/gu, (c) => (c === "\t" || c === "\n" || c === "\r" ? c : "?"));
}

export function textWidth(s: string, size: number): number {
  return [...s].length * CHAR_EM * size;
}

/** At most `chars` characters, the cut marked with an ellipsis. */
export function fit(s: string, chars: number): string {
  const cs = [...clean(s)];
  if (cs.length <= chars) return cs.join("");
  return `${cs.slice(0, Math.max(1, chars - 1)).join("")}…`;
}

/** Characters that fit in `width` pixels at `size`. */
export function charsIn(width: number, size: number): number {
  return Math.max(1, Math.floor(width / (CHAR_EM * size)));
}

export type Anchor = "start" | "middle" | "end";

/** The box a label covers: `y` is its baseline, as in SVG. */
export function textBox(x: number, y: number, text: string, size: number, anchor: Anchor): Rect {
  const w = textWidth(text, size);
  const left = anchor === "start" ? x : anchor === "middle" ? x - w / 2 : x - w;
  return { x: left, y: y - size * 0.9, w, h: size * 1.15 };
}
