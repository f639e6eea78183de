// Greedy label placement over candidate positions (the classic point-feature labelling method):
// each label, in order, takes the cheapest candidate around its feature that hits nothing "hard"
// (titles, pod rows, device labels, other callouts); path legs and wires are "soft", costing a
// little when covered. Candidates touch the feature's sides first and slide along them, then stand
// off up to `reach` px, so a label never lands far from what it describes: when none is free the
// caller makes room (wider lanes) rather than dropping the label somewhere else.
import { type Rect, RectIndex } from "./geometry.ts";

/** How far (px) from its feature a label may stand: the geometry spec checks 40. */
export const REACH = 36;
const SLIDE = 6;
const SOFT_COST = 40;

export class Placer {
  private readonly hard = new RectIndex();
  private readonly soft = new RectIndex();
  private readonly regions = new RectIndex();
  constructor(private readonly bounds: Rect) {}

  /** Nothing may cover this rectangle. */
  block(r: Rect): void {
    this.hard.add(r);
  }

  /** Only what stands in this region (a node's box) may put a label inside it. */
  region(r: Rect): void {
    this.regions.add(r);
  }

  /** A label may cover this rectangle, at a cost (a wire, a path leg). */
  avoid(r: Rect): void {
    this.soft.add(r);
  }

  free(r: Rect, gap = 1): boolean {
    const b = this.bounds;
    return r.x >= b.x && r.y >= b.y && r.x + r.w <= b.x + b.w && r.y + r.h <= b.y + b.h && !this.hard.hits(r, gap);
  }

  /**
   * The cheapest free w×h spot touching or near `around`, taken; undefined when none is free within
   * `reach`, outside every region but `home` (the feature's own node). Cost: the distance from the
   * feature, plus SOFT_COST when it covers a soft rectangle. `right`: no part of the spot beyond it;
   * `strict`: no spot that covers a soft rectangle (a callout is never drawn through).
   */
  place(
    around: Rect,
    w: number,
    h: number,
    home?: Rect,
    right = Number.POSITIVE_INFINITY,
    strict = false,
  ): Rect | undefined {
    let best: { r: Rect; cost: number } | undefined;
    for (const c of candidates(around, w, h, REACH)) {
      if ((best && c.d >= best.cost) || c.r.x + c.r.w > right) continue;
      if (!this.free(c.r) || this.regions.hits(c.r, 1, home)) continue;
      const soft = this.soft.hits(c.r);
      if (soft && strict) continue;
      const cost = c.d + (soft ? SOFT_COST : 0);
      if (!best || cost < best.cost) best = { r: c.r, cost };
    }
    if (best) this.hard.add(best.r);
    return best?.r;
  }
}

/**
 * Candidate spots in a fixed order: for each stand-off (touching, then further out), along the
 * right, left, top and bottom sides, sliding from the side's middle outwards, past the side's ends
 * as long as the spot stays within `reach`; each with its distance from the feature.
 */
function* candidates(a: Rect, w: number, h: number, reach: number): Generator<{ r: Rect; d: number }> {
  for (let gap = 3; gap <= reach; gap += gap < 8 ? 5 : 8) {
    const sides: { x: (t: number) => number; y: (t: number) => number; span: number; mid: number }[] = [
      { x: () => a.x + a.w + gap, y: (t) => t, span: a.h + h, mid: a.y + a.h / 2 - h / 2 },
      { x: () => a.x - w - gap, y: (t) => t, span: a.h + h, mid: a.y + a.h / 2 - h / 2 },
      { x: (t) => t, y: () => a.y - h - gap, span: a.w + w, mid: a.x + a.w / 2 - w / 2 },
      { x: (t) => t, y: () => a.y + a.h + gap, span: a.w + w, mid: a.x + a.w / 2 - w / 2 },
    ];
    const far = Math.sqrt(reach * reach - gap * gap);
    const most = Math.max(...sides.map((x) => x.span / 2 + far));
    for (let s = 0; s <= most; s += SLIDE) {
      for (const side of sides) {
        // Past the side's end the spot stands off diagonally: its distance is the corner's.
        const over = Math.max(0, s - side.span / 2);
        if (over > far) continue;
        for (const t of s === 0 ? [side.mid] : [side.mid - s, side.mid + s]) {
          const r = { x: Math.round(side.x(t)), y: Math.round(side.y(t)), w, h };
          yield { r, d: Math.hypot(gap, over) + s / 8 };
        }
      }
    }
  }
}
