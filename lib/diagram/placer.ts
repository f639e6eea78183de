// Greedy label placement: each new label takes the free spot nearest its anchor, searching
// outwards; whatever is already drawn (labels, devices, path legs) counts as taken.
import { type Point, type Rect, RectIndex } from "./geometry.ts";

export class Placer {
  private readonly taken = new RectIndex();
  constructor(private readonly bounds: Rect) {}

  block(r: Rect): void {
    this.taken.add(r);
  }

  free(r: Rect, gap = 1): boolean {
    const b = this.bounds;
    return r.x >= b.x && r.y >= b.y && r.x + r.w <= b.x + b.w && r.y + r.h <= b.y + b.h && !this.taken.hits(r, gap);
  }

  /**
   * A spot for a w×h box near `around` (a device's rectangle): first just outside its right, left,
   * top and bottom edges, then on rings further out. Undefined when nothing is free within `reach`.
   */
  place(around: Rect, w: number, h: number, reach = 260): Rect | undefined {
    const cy = around.y + around.h / 2 - h / 2;
    const first: Point[] = [
      { x: around.x + around.w + 4, y: cy },
      { x: around.x - w - 4, y: cy },
      { x: around.x + around.w + 4, y: around.y - h - 2 },
      { x: around.x + around.w - w, y: around.y - h - 3 },
      { x: around.x, y: around.y + around.h + 3 },
      { x: around.x - w - 4, y: around.y - h - 2 },
    ];
    for (const p of first) {
      const r = { x: p.x, y: p.y, w, h };
      if (this.free(r)) return this.take(r);
    }
    const ax = around.x + around.w / 2;
    const ay = around.y + around.h / 2;
    for (let d = 16; d <= reach; d += 12) {
      // Eight directions per ring, then the corners between them: deterministic order.
      for (let k = 0; k < 16; k++) {
        const a = (k * Math.PI) / 8;
        const x = ax + Math.cos(a) * (d + around.w / 2) - (Math.cos(a) < -0.1 ? w : Math.cos(a) > 0.1 ? 0 : w / 2);
        const y = ay - Math.sin(a) * (d + around.h / 2) - h / 2;
        const r = { x: Math.round(x), y: Math.round(y), w, h };
        if (this.free(r)) return this.take(r);
      }
    }
    return undefined;
  }

  private take(r: Rect): Rect {
    this.taken.add(r);
    return r;
  }
}
