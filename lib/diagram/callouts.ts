// Callouts and hop badges placed beside their hops by the greedy placer. A callout tries its
// variants in order (one line, then wrapped ever narrower, then a short form whose full words stay
// in its <title>); when none finds room near its hop, it records how wide a lane beside the hop's
// node would have to be, so the layout can open exactly that much room and draw again.
import { type Point, type Rect, safeId } from "./geometry.ts";
import type { Placer } from "./placer.ts";
import type { Stop } from "./route.ts";
import type { Box, Label, Line } from "./scene.ts";
import { fit, FONT, textWidth } from "./text.ts";

/** Characters per line of a wrapped callout, widest first. */
const WRAPS = [36, 22] as const;
/** A callout on one line is cut past this many characters (wrapped, it is whole). */
const ONE_LINE = 64;
/** Room (px) a lane needs beside a callout's width: the placer's stand-off on both sides. */
const LANE_PAD = 10;

/** Splits a text at its spaces (and after a `→` between two words) into lines of at most `chars` characters. */
export function wrap(text: string, chars: number): string[] {
  const out: string[] = [];
  for (const word of text.split(" ")) {
    // "10.0.0.1→10.0.0.2" may break after its arrow; the pieces join again without a space.
    const pieces = word.split(/(?<=→)(?=.)/u);
    pieces.forEach((part, i) => {
      const last = out.at(-1);
      const glue = i > 0 ? "" : " ";
      if (last !== undefined && [...last].length + glue.length + [...part].length <= chars)
        out[out.length - 1] = `${last}${glue}${part}`;
      else out.push(fit(part, chars));
    });
  }
  return out;
}

/**
 * A text's forms: on one line (cut at `ONE_LINE` characters), then wrapped whole at each width of
 * WRAPS, then `short`; the same lines once.
 */
export function variants(text: string, short?: string): string[][] {
  const out: string[][] = [[fit(text, ONE_LINE)], ...WRAPS.map((w) => wrap(text, w))];
  if (short !== undefined) out.push([short]);
  return out.filter((v, i) => out.findIndex((o) => o.join("\n") === v.join("\n")) === i);
}

export interface CalloutOptions {
  readonly cls: string;
  /** `data-hop` tokens. */
  readonly hop: string;
  /** More `data-*` attributes (gateway, route). */
  readonly data?: Readonly<Record<string, string>>;
  /** The whole text: the tooltip of a form that cuts it short (a line ending in … or the short form). */
  readonly tip?: string;
  /** Drawn where there is room, else left to the legend and Mermaid: the layout makes no room for it. */
  readonly optional?: boolean;
}

/** Where callouts could not be placed: per column of the node grid (or "outside"), the lane width needed. */
export type Crowded = Map<number | "outside", number>;

/** How callouts are fitted while the layout looks for room. */
export interface Fitting {
  /** No lane is left to open: rather than leave a callout out, let it lie over a path. */
  readonly lastResort?: boolean;
}

export class Callouts {
  readonly boxes: Box[] = [];
  readonly lines: Line[] = [];
  readonly labels: Label[] = [];
  readonly crowded: Crowded = new Map();

  constructor(
    private readonly placer: Placer,
    private readonly home: (s: Stop) => Rect | undefined,
    private readonly column: (node: string) => number | undefined,
    /** Right of this the drawing grows to hold a callout (the spill right of the last column). */
    private readonly right: number,
    private readonly fitting: Fitting = {},
  ) {}

  /**
   * The first of `forms` that finds room beside the stop within the drawing; else the narrowest
   * that finds room beyond its right edge (so a spill costs as little width as it can); else the
   * room it needs is recorded.
   */
  add(id: string, s: Stop, forms: readonly (readonly string[])[], o: CalloutOptions): boolean {
    const width = (ls: readonly string[]) => Math.max(...ls.map((l) => textWidth(l, FONT.small))) + 10;
    const narrowest = [...forms].sort((a, b) => width(a) - width(b));
    const tries = [
      ...forms.map((ls) => ({ ls, right: this.right, strict: true })),
      ...narrowest.map((ls) => ({ ls, right: Number.POSITIVE_INFINITY, strict: true })),
      ...(this.fitting.lastResort
        ? narrowest.map((ls) => ({ ls, right: Number.POSITIVE_INFINITY, strict: false }))
        : []),
    ];
    for (const { ls, right, strict } of tries) {
      const w = width(ls);
      const h = ls.length * 13 + 4;
      const spot = this.placer.place(s.rect, w, h, this.home(s), right, strict);
      if (!spot) continue;
      const data = { hop: o.hop, place: s.key, ...(s.node !== undefined ? { node: s.node } : {}), ...o.data };
      const leader = leaderLine(s.rect, spot);
      if (leader) this.lines.push({ id: `${id}-leader`, cls: "leader", points: leader, data: { hop: o.hop } });
      const cut = ls.some((l) => l.endsWith("…")) || (ls === forms.at(-1) && forms.length > 1 && ls.length === 1);
      const tip = o.tip !== undefined && cut ? { tip: o.tip } : {};
      this.boxes.push({ id, cls: `callout ${o.cls}`, ...spot, rx: 3, layer: "front", data, ...tip });
      ls.forEach((l, i) => {
        this.labels.push({
          id: `${id}-t${i ? i : ""}`,
          cls: `callout-text ${o.cls}`,
          x: spot.x + 5,
          y: spot.y + 11.5 + i * 13,
          text: l,
          size: FONT.small,
          anchor: "start",
          data: { hop: o.hop },
        });
      });
      return true;
    }
    if (o.optional) return false;
    const need = width(narrowest[0]!) + LANE_PAD;
    const col = (s.node === undefined ? undefined : this.column(s.node)) ?? "outside";
    this.crowded.set(col, Math.max(this.crowded.get(col) ?? 0, need));
    return false;
  }

  /** Hop numbers: one badge per place and set of numbers, in the branch's colour (grey when shared). */
  badges(routed: readonly { k: number; stops: readonly Stop[] }[], many: boolean, cls: (k: number) => string): void {
    const byKey = new Map<string, { stop: Stop; perBranch: Map<number, number[]> }>();
    for (const r of routed)
      for (const s of r.stops) {
        const e = byKey.get(s.key) ?? { stop: s, perBranch: new Map() };
        byKey.set(s.key, e);
        e.perBranch.set(r.k, [...(e.perBranch.get(r.k) ?? []), s.hop]);
      }
    for (const [key, e] of byKey) {
      const sets = new Map<string, number[]>();
      for (const [k, ns] of e.perBranch) sets.set(ns.join(","), [...(sets.get(ns.join(",")) ?? []), k]);
      for (const [numbers, ks] of sets) {
        const text = fit(numbers, 12);
        const c = many && ks.length > 1 ? "shared" : cls(ks[0]!);
        const w = textWidth(text, FONT.small) + 8;
        const spot =
          this.placer.place(e.stop.rect, w, 14, this.home(e.stop), this.right) ??
          this.placer.place(e.stop.rect, w, 14, this.home(e.stop));
        if (!spot) continue;
        const id = safeId("badge", key, String(ks[0]));
        const hop = ks.flatMap((k) => numbers.split(",").map((n) => `${k}:${n}`)).join(" ");
        this.boxes.push({ id, cls: `badge ${c}`, ...spot, rx: 7, layer: "front", data: { hop, place: key } });
        this.labels.push({
          id: `${id}-t`,
          cls: "badge-text",
          x: spot.x + spot.w / 2,
          y: spot.y + 10.5,
          text,
          size: FONT.small,
          anchor: "middle",
        });
      }
    }
  }
}

/** A dotted line from the callout's nearest edge to its device's, when they stand apart. */
function leaderLine(at: Rect, c: Rect): Point[] | undefined {
  const ax = Math.min(Math.max(c.x + c.w / 2, at.x), at.x + at.w);
  const ay = Math.min(Math.max(c.y + c.h / 2, at.y), at.y + at.h);
  const bx = Math.min(Math.max(ax, c.x), c.x + c.w);
  const by = Math.min(Math.max(ay, c.y), c.y + c.h);
  return Math.hypot(ax - bx, ay - by) < 6
    ? undefined
    : [
        { x: ax, y: ay },
        { x: bx, y: by },
      ];
}
