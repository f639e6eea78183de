// A trace drawn over the cluster: the hops the chosen branches share as one grey trunk, each
// branch's own hops as a wire in its colour (side by side where they share a wire), the reply
// dashed beside it, hop numbers beside each device, a callout wherever a header was rewritten
// (NAT, encapsulation, a proxy's new connection) and wherever branches part, the end of each
// branch marked with its disposition, and a legend under the drawing. Every mark carries
// `data-hop` (`K:I` tokens) and `data-place`, so a page can link a hop list to the picture.
import { formatProbability } from "../output/trace-text.ts";
import { type Branch, isSuccess, type Trace } from "../trace/types.ts";
import { branchTree, rewriteText } from "./branch-tree.ts";
import { type Point, type Rect, safeId } from "./geometry.ts";
import { branchClass, legend } from "./legend.ts";
import { Placer } from "./placer.ts";
import { routeBranch, type Stop } from "./route.ts";
import type { Box, Label, Line, Scene } from "./scene.ts";
import { fit, FONT, textBox, textWidth } from "./text.ts";

export { BRANCH_COLOURS, branchClass } from "./legend.ts";
export { mainStep, rewriteText } from "./branch-tree.ts";

export interface PathOptions {
  /** Draw each branch's reply (dashed); default true. */
  readonly reply?: boolean;
}

const M = 24;
/** How far right of the layout a callout may go; the drawing grows to hold it. */
const SPILL = 420;
/** Characters per line of a wrapped callout: it fits the lane the layout opens (index.ts). */
const WRAP = 36;

function shift(points: readonly Point[], d: number): Point[] {
  return points.map((p) => ({ x: p.x + d, y: p.y + d }));
}

/** The legs of a polyline as thin rectangles, so callouts keep off the path. */
export function legRects(points: readonly Point[]): Rect[] {
  const out: Rect[] = [];
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1]!;
    const b = points[i]!;
    out.push({
      x: Math.min(a.x, b.x) - 2,
      y: Math.min(a.y, b.y) - 2,
      w: Math.abs(a.x - b.x) + 4,
      h: Math.abs(a.y - b.y) + 4,
    });
  }
  return out;
}

const tokens = (ks: readonly number[], hop: number | string) => ks.map((k) => `${k}:${hop}`).join(" ");

/** Splits a callout's text at its spaces into lines of at most `chars` characters. */
function wrap(text: string, chars: number): string[] {
  const out: string[] = [];
  for (const part of text.split(" ")) {
    const last = out.at(-1);
    if (last !== undefined && [...last].length + 1 + [...part].length <= chars) out[out.length - 1] = `${last} ${part}`;
    else out.push(fit(part, chars));
  }
  return out;
}

export interface PathDrawing {
  readonly scene: Scene;
  /**
   * Where callouts found no free spot near their hop: the gaps of the node grid (as
   * LayoutOptions.lanes counts them) beside their nodes, or "outside" for the rest. Empty when all
   * were placed; otherwise the layout should make room and draw again.
   */
  readonly crowded: ReadonlySet<number | "outside">;
}

/** The scene with the chosen branches (1-based) drawn over it and a legend under it. */
export function withPath(
  scene: Scene,
  trace: Trace,
  chosen: readonly number[],
  options: PathOptions = {},
): PathDrawing {
  const boxes: Box[] = [];
  const lines: Line[] = [];
  const labels: Label[] = [];
  const placer = new Placer({ x: 0, y: 0, w: scene.width + SPILL, h: scene.height });
  for (const l of scene.labels) placer.block(textBox(l.x, l.y, l.text, l.size, l.anchor));
  for (const b of scene.boxes) if (b.layer === "front" || b.cls === "pod-group") placer.block(b);
  for (const l of scene.lines) for (const r of legRects(l.points)) placer.avoid(r);
  // A callout stays inside or beside its own node, never inside another's box.
  const nodeBoxes = new Map(scene.boxes.filter((b) => b.cls === "node").map((b) => [b.id, b]));
  for (const b of nodeBoxes.values()) placer.region(b);
  const home = (s: Stop) => (s.node === undefined ? undefined : nodeBoxes.get(safeId("node", s.node)));

  const branches = chosen.map((k) => ({ k, b: trace.branches[k - 1]! }));
  const many = branches.length > 1;
  const tree = branchTree(branches);
  const drawnOnce = new Set<string>();
  const slotOffset = (slot: number) => (many ? Math.round((slot - (branches.length - 1) / 2) * 3) : 0);
  const routed = branches.map(({ k, b }, slot) => {
    const { legs, stops } = routeBranch(scene, b.hops);
    const offset = slotOffset(slot);
    const retraced = new Set<string>();
    legs.forEach((leg, i) => {
      const sharers = tree.sharers(k, leg.to);
      const key = `${sharers.join(",")}#${i}`;
      if (drawnOnce.has(key)) return;
      drawnOnce.add(key);
      // A leg that retraces one already drawn (wg0 and back to the stack) runs beside it.
      const trace = leg.points
        .map((p) => `${Math.round(p.x)},${Math.round(p.y)}`)
        .sort()
        .join(" ");
      const extra = retraced.has(trace) ? 5 : 0;
      retraced.add(trace);
      const shared = sharers.length > 1;
      const cls = shared ? "shared" : branchClass(k);
      // Every branch's trunk runs in the middle; a few branches' in the first one's lane.
      const d = !shared ? offset : sharers.length < branches.length ? slotOffset(chosen.indexOf(sharers[0]!)) : 0;
      const pts = shift(leg.points, d + extra);
      lines.push({
        id: `path-${k}-${i}`,
        cls: `path ${cls}`,
        points: pts,
        arrow: cls,
        data: { hop: tokens(sharers, leg.to), branch: sharers.join(" ") },
      });
      for (const r of legRects(pts)) placer.avoid(r);
    });
    return { k, b, stops, offset };
  });
  if (options.reply !== false) drawReplies(scene, routed, lines, placer);

  // Devices on the path get a ring (a bus crossing, an invisible one), each naming its hops.
  const visits = new Map<string, { rect: Rect; hops: string[]; bus: boolean }>();
  for (const r of routed)
    for (const s of r.stops) {
      const v = visits.get(s.key) ?? { rect: s.rect, hops: [], bus: s.onUnderlay };
      v.hops.push(`${r.k}:${s.hop}`);
      visits.set(s.key, v);
    }
  for (const [key, v] of visits)
    boxes.push({
      id: safeId("on", key),
      cls: v.bus ? "on-path bus-stop" : "on-path",
      x: v.rect.x - 2,
      y: v.rect.y - 2,
      w: v.rect.w + 4,
      h: v.rect.h + 4,
      rx: 4,
      layer: "front",
      data: { hop: v.hops.join(" "), place: key },
    });

  const crowded = new Set<number | "outside">();
  /** A callout of one line, else wrapped; or the first of the given sets of lines that finds room. */
  const callout = (id: string, s: Stop, text: string | string[][], cls: string, hop: string) => {
    for (const ls of typeof text === "string" ? [[text], wrap(text, WRAP)] : text) {
      const w = Math.max(...ls.map((l) => textWidth(l, FONT.small))) + 10;
      const h = ls.length * 13 + 4;
      const spot = placer.place(s.rect, w, h, home(s));
      if (!spot) continue;
      const data = { hop, place: s.key, ...(s.node !== undefined ? { node: s.node } : {}) };
      const leader = leaderLine(s.rect, spot);
      if (leader) lines.push({ id: `${id}-leader`, cls: "leader", points: leader, data: { hop } });
      boxes.push({ id, cls: `callout ${cls}`, ...spot, rx: 3, layer: "front", data });
      ls.forEach((l, i) => {
        labels.push({
          id: `${id}-t${i ? i : ""}`,
          cls: `callout-text ${cls}`,
          x: spot.x + 5,
          y: spot.y + 11.5 + i * 13,
          text: l,
          size: FONT.small,
          anchor: "start",
          data: { hop },
        });
      });
      return;
    }
    const col = s.node === undefined ? undefined : scene.grid?.columns.get(s.node);
    if (col === undefined) crowded.add("outside");
    else crowded.add(col).add(col + 1);
  };

  for (const r of routed) {
    const last = r.stops.at(-1);
    if (!last) continue;
    const ok = isSuccess(r.b.disposition);
    if (!ok)
      boxes.push({
        id: safeId("fail", String(r.k)),
        cls: "fail-ring",
        x: last.rect.x - 4,
        y: last.rect.y - 4,
        w: last.rect.w + 8,
        h: last.rect.h + 8,
        rx: 5,
        layer: "front",
        data: { hop: `${r.k}:${last.hop}` },
      });
    const text = fit(`${many ? `${r.k}: ` : ""}${ok ? "" : "FAILS here: "}${endWords(r.b)}`, 60);
    callout(safeId("end", String(r.k)), last, text, ok ? "end ok" : "end fail", `${r.k}:${last.hop}`);
  }

  const skip = new Set<string>();
  for (const f of tree.forks) {
    const r = routed.find((x) => x.k === f.members[0])!;
    const s = r.stops.find((x) => x.hop === f.hop);
    if (!s) continue;
    // The chooser's own rewrites (each way's new connection) are said by the fan-out, not beside it.
    if (f.action) for (const k of f.members) skip.add(`${k}:${f.hop}`);
    const head = `branches part here${f.action ? ` (${f.action})` : ""}:`;
    const ways = f.ways.map((w) => fit(`${w.members.join("+")} → ${w.text}`, 64));
    const variants = [
      [head, ...ways],
      [head, ...ways.flatMap((w) => wrap(w, WRAP))],
    ];
    callout(safeId("fork", String(r.k), String(f.hop)), s, variants, "fork", tokens(f.members, f.hop));
  }
  const seen = new Set<string>();
  for (const r of routed)
    for (const s of r.stops) {
      const hop = r.b.hops[s.hop - 1]!;
      const sharers = tree.sharers(r.k, s.hop);
      if (skip.has(`${r.k}:${s.hop}`)) continue;
      for (const step of hop.steps) {
        const t = rewriteText(step);
        if (!t) continue;
        const text = fit(t, 64);
        if (seen.has(`${s.key} ${text}`)) continue;
        seen.add(`${s.key} ${text}`);
        const cls = `nat ${sharers.length > 1 ? "shared" : branchClass(r.k)}`;
        callout(safeId("nat", String(r.k), String(s.hop), step.action), s, text, cls, tokens(sharers, s.hop));
      }
    }
  badges(routed, many, placer, boxes, labels, home);

  const right = Math.max(
    scene.width,
    ...[...boxes, ...labels.map((l) => textBox(l.x, l.y, l.text, l.size, l.anchor))].map((b) =>
      Math.ceil(b.x + b.w + M),
    ),
  );
  const key = legend(trace, branches, {
    width: right,
    top: scene.height,
    reply: options.reply !== false,
    shared: lines.some((l) => l.cls === "path shared"),
  });
  return {
    crowded,
    scene: {
      ...scene,
      width: right,
      height: key.bottom,
      overlay: { boxes, lines: [...lines, ...key.lines], labels: [...labels, ...key.labels] },
      title: `${scene.title}; path of ${trace.request.from} -> ${trace.request.to}`,
      desc: `${scene.desc} ${pathDesc(trace, branches)}`,
    },
  };
}

/** Each branch's reply, dashed in its colour, beside the way in. */
function drawReplies(
  scene: Scene,
  routed: readonly { k: number; b: Branch; offset: number }[],
  lines: Line[],
  placer: Placer,
): void {
  for (const r of routed) {
    if (!r.b.reply) continue;
    routeBranch(scene, r.b.reply.hops).legs.forEach((leg, i) => {
      const pts = shift(leg.points, r.offset + 6);
      lines.push({
        id: `reply-${r.k}-${i}`,
        cls: `path reply ${branchClass(r.k)}`,
        points: pts,
        arrow: branchClass(r.k),
        data: { hop: `${r.k}:r${leg.to}`, branch: String(r.k) },
      });
      for (const rect of legRects(pts)) placer.avoid(rect);
    });
  }
}

/** Hop numbers: one badge per place and set of numbers, in the branch's colour (grey when shared). */
function badges(
  routed: readonly { k: number; stops: readonly Stop[] }[],
  many: boolean,
  placer: Placer,
  boxes: Box[],
  labels: Label[],
  home: (s: Stop) => Rect | undefined,
): void {
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
      const cls = many && ks.length > 1 ? "shared" : branchClass(ks[0]!);
      const w = textWidth(text, FONT.small) + 8;
      const spot = placer.place(e.stop.rect, w, 14, home(e.stop));
      if (!spot) continue;
      const id = safeId("badge", key, String(ks[0]));
      const hop = ks.flatMap((k) => numbers.split(",").map((n) => `${k}:${n}`)).join(" ");
      boxes.push({ id, cls: `badge ${cls}`, ...spot, rx: 7, layer: "front", data: { hop, place: key } });
      labels.push({
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

function endWords(b: Branch): string {
  if (b.http) return `HTTP ${b.http.status}${b.http.pod ? ` from ${b.http.pod}` : ""}`;
  return b.disposition;
}

function pathDesc(t: Trace, branches: { k: number; b: Branch }[]): string {
  const r = t.request;
  const what = r.http ? `${r.http.method} ${r.http.url}` : `${r.proto} ${r.dst}:${r.dport}`;
  const ends = branches
    .map(
      ({ k, b }) =>
        `branch ${k} (probability ${formatProbability(b.probability)}, ${b.hops.length} hops) ` +
        `ends ${b.disposition}: ${b.reason}`,
    )
    .join("; ");
  return `Path of ${what} from ${r.from}: ${ends}.`;
}
