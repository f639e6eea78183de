// Plain geometry shared by the layout, the path overlay and the renderer.
export interface Point {
  readonly x: number;
  readonly y: number;
}

export interface Rect {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

export function overlaps(a: Rect, b: Rect, gap = 0): boolean {
  return a.x < b.x + b.w + gap && b.x < a.x + a.w + gap && a.y < b.y + b.h + gap && b.y < a.y + a.h + gap;
}

export const round = (n: number): number => Math.round(n * 10) / 10;

/** An id safe in XML and CSS, derived from model names (never a counter). */
export function safeId(...parts: string[]): string {
  return parts.join("-").replace(/[^A-Za-z0-9_-]/g, "_");
}

/**
 * Rectangles indexed by a coarse grid, so "does this label hit anything" stays cheap with
 * thousands of labels (500 nodes).
 */
export class RectIndex {
  private readonly cells = new Map<number, Rect[]>();
  constructor(private readonly cell = 120) {}

  private keys(r: Rect): number[] {
    const out: number[] = [];
    const x0 = Math.floor(r.x / this.cell),
      x1 = Math.floor((r.x + r.w) / this.cell);
    const y0 = Math.floor(r.y / this.cell),
      y1 = Math.floor((r.y + r.h) / this.cell);
    for (let x = x0; x <= x1; x++) for (let y = y0; y <= y1; y++) out.push(x * 100003 + y);
    return out;
  }

  add(r: Rect): void {
    for (const k of this.keys(r)) {
      const list = this.cells.get(k);
      if (list) list.push(r);
      else this.cells.set(k, [r]);
    }
  }

  /** Whether `r` comes within `gap` of an indexed rectangle other than `except`. */
  hits(r: Rect, gap = 0, except?: Rect): boolean {
    for (const k of this.keys(r))
      for (const o of this.cells.get(k) ?? []) if (o !== except && overlaps(r, o, gap)) return true;
    return false;
  }
}
