// A trace drawn over the cluster: each chosen branch as a coloured wire through the devices it
// crossed (branches side by side where they share a wire), hop numbers beside each device, a
// callout wherever a header was rewritten (NAT, encapsulation, a proxy's new connection), the end
// of each branch marked with its disposition, and a legend under the drawing.
import { changeText } from "../output/header-change.ts";
import { formatProbability } from "../output/trace-text.ts";
import { type Branch, type Hop, isSuccess, type Step, type Trace } from "../trace/types.ts";
import { type Point, type Rect, safeId } from "./geometry.ts";
import { Placer } from "./placer.ts";
import { routeBranch } from "./route.ts";
import type { Box, Label, Line, Scene } from "./scene.ts";
import { charsIn, fit, FONT, textBox, textWidth } from "./text.ts";

export const BRANCH_COLOURS = 6;
const END_TYPES = new Set<string>(["drop", "deliver", "proxy", "mtu"]);
const MOVE_TYPES = new Set<string>(["route", "bridge", "transmit", "receive", "encrypt", "decapsulate"]);
const M = 24;

export const branchClass = (k: number) => `b${((k - 1) % BRANCH_COLOURS) + 1}`;

/** The header rewrite a step made, in a few words, or undefined when it made none worth a callout. */
export function rewriteText(s: Step): string | undefined {
  if (s.type === "route" || !s.changes?.length) return undefined;
  const changes = s.changes.filter((c) => c.field !== "ttl").map((c) => changeText(c, s.after!, "callout"));
  if (!changes.length) return undefined;
  const action = s.action === "ENCAPSULATED" ? "ENCAP" : s.action === "DECAPSULATED" ? "DECAP" : s.action;
  return `${action} ${changes.join(", ")}`;
}

/** The step that says most about a hop: a rewrite, else how it ended, else how it moved on. */
export function mainStep(h: Hop): Step | undefined {
  return (
    h.steps.find((s) => rewriteText(s)) ??
    h.steps.find((s) => END_TYPES.has(s.type)) ??
    h.steps.find((s) => MOVE_TYPES.has(s.type)) ??
    h.steps[0]
  );
}

function shift(points: readonly Point[], d: number): Point[] {
  return points.map((p) => ({ x: p.x + d, y: p.y + d }));
}

/** The legs of a polyline as thin rectangles, so callouts keep off the path. */
function legRects(points: readonly Point[]): Rect[] {
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

/** The scene with the chosen branches (1-based) drawn over it and a legend under it. */
export function withPath(scene: Scene, trace: Trace, chosen: readonly number[]): Scene {
  const boxes: Box[] = [];
  const lines: Line[] = [];
  const labels: Label[] = [];
  const placer = new Placer({ x: 0, y: 0, w: scene.width, h: scene.height });
  for (const l of scene.labels) placer.block(textBox(l.x, l.y, l.text, l.size, l.anchor));
  for (const b of scene.boxes) if (b.layer === "front") placer.block(b);

  const branches = chosen.map((k) => ({ k, b: trace.branches[k - 1]! }));
  const many = branches.length > 1;
  const routed = branches.map(({ k, b }, slot) => {
    const { legs, stops } = routeBranch(scene, b.hops);
    const offset = many ? Math.round((slot - (branches.length - 1) / 2) * 3) : 0;
    const drawn = new Set<string>();
    legs.forEach((leg, i) => {
      // A leg that retraces one already drawn (wg0 and back to the stack) runs beside it.
      const key = leg.points
        .map((p) => `${Math.round(p.x)},${Math.round(p.y)}`)
        .sort()
        .join(" ");
      const extra = drawn.has(key) ? 5 : 0;
      drawn.add(key);
      const pts = shift(leg.points, offset + extra);
      lines.push({ id: `path-${k}-${i}`, cls: `path ${branchClass(k)}`, points: pts, arrow: branchClass(k) });
      for (const r of legRects(pts)) placer.block(r);
    });
    return { k, b, stops };
  });

  // Devices on the path get a ring; the failure point a red one.
  const visited = new Map<string, Rect>();
  for (const r of routed) for (const s of r.stops) if (!s.onUnderlay) visited.set(s.key, s.rect);
  for (const [key, rect] of visited)
    boxes.push({
      id: safeId("on", key),
      cls: "on-path",
      x: rect.x - 2,
      y: rect.y - 2,
      w: rect.w + 4,
      h: rect.h + 4,
      rx: 4,
      layer: "front",
    });

  // Hop numbers: one badge per place, listing each branch's numbers there (the same numbers once).
  const byKey = new Map<string, { rect: Rect; perBranch: Map<number, number[]> }>();
  for (const r of routed) {
    for (const s of r.stops) {
      const e = byKey.get(s.key) ?? { rect: s.rect, perBranch: new Map() };
      byKey.set(s.key, e);
      const list = e.perBranch.get(r.k) ?? [];
      list.push(s.hop);
      e.perBranch.set(r.k, list);
    }
  }
  for (const [key, e] of byKey) {
    // Branches that were here at the same hop numbers share a badge; others get their own, in their colour.
    const sets = new Map<string, number[]>();
    for (const [k, ns] of e.perBranch) sets.set(ns.join(","), [...(sets.get(ns.join(",")) ?? []), k]);
    for (const [numbers, ks] of sets) {
      const text = fit(numbers, 12);
      const cls = many && ks.length === branches.length ? "shared" : branchClass(ks[0]!);
      const w = textWidth(text, FONT.small) + 8;
      const spot = placer.place(e.rect, w, 14);
      if (!spot) continue;
      const id = safeId("badge", key, String(ks[0]));
      boxes.push({ id, cls: `badge ${cls}`, ...spot, rx: 7, layer: "front" });
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

  // Callouts: header rewrites where they happen, then each branch's end.
  const unplaced: string[] = [];
  const callout = (id: string, at: Rect, text: string, cls: string) => {
    const w = textWidth(text, FONT.small) + 10;
    const spot = placer.place(at, w, 16, 420);
    if (!spot) {
      unplaced.push(text);
      return;
    }
    const leader = leaderLine(at, spot);
    if (leader) lines.push({ id: `${id}-leader`, cls: `leader ${cls}`, points: leader });
    boxes.push({ id, cls: `callout ${cls}`, ...spot, rx: 3, layer: "front" });
    labels.push({
      id: `${id}-t`,
      cls: `callout-text ${cls}`,
      x: spot.x + 5,
      y: spot.y + 11.5,
      text,
      size: FONT.small,
      anchor: "start",
    });
  };
  const seen = new Set<string>();
  for (const r of routed) {
    for (const s of r.stops) {
      const hop = r.b.hops[s.hop - 1]!;
      for (const step of hop.steps) {
        const t = rewriteText(step);
        if (!t) continue;
        const text = fit(t, 64);
        if (seen.has(`${s.key} ${text}`)) continue;
        seen.add(`${s.key} ${text}`);
        callout(
          safeId("nat", String(r.k), String(s.hop), step.action),
          s.rect,
          text,
          `nat ${many ? "shared" : branchClass(r.k)}`,
        );
      }
    }
  }
  for (const r of routed) {
    const last = r.stops.at(-1);
    if (!last) continue;
    const ok = isSuccess(r.b.disposition);
    const text = fit(`${many ? `${r.k}: ` : ""}${ok ? "" : "FAILS here: "}${endWords(r.b)}`, 60);
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
      });
    if (seen.has(`${last.key} end ${text}`)) continue;
    seen.add(`${last.key} end ${text}`);
    callout(safeId("end", String(r.k)), last.rect, text, ok ? "end ok" : "end fail");
  }

  const legend = legendLabels(trace, branches, scene.width, scene.height, unplaced, lines);
  labels.push(...legend.labels);
  return {
    ...scene,
    height: legend.bottom,
    overlay: { boxes, lines, labels },
    title: `${scene.title}; path of ${trace.request.from} -> ${trace.request.to}`,
    desc: `${scene.desc} ${pathDesc(trace, branches)}`,
  };
}

function endWords(b: Branch): string {
  if (b.http) return `HTTP ${b.http.status}${b.http.pod ? ` from ${b.http.pod}` : ""}`;
  return b.disposition;
}

/** From the callout's nearest edge to the device's, when they do not touch. */
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

function legendLabels(
  t: Trace,
  branches: { k: number; b: Branch }[],
  width: number,
  top: number,
  unplaced: string[],
  lines: Line[],
): { labels: Label[]; bottom: number } {
  const labels: Label[] = [];
  const chars = charsIn(width - 2 * M - 30, FONT.label);
  const r = t.request;
  let y = top + 4;
  const add = (id: string, text: string, cls: string, x = M, size: number = FONT.label) => {
    labels.push({ id, cls, x, y, text: fit(text, charsIn(width - x - M, size)), size, anchor: "start" });
    y += size + 6;
  };
  const what = r.http ? `${r.http.method} ${r.http.url}` : r.to;
  const drawn = branches.length < t.branches.length ? `, ${branches.length} drawn` : "";
  const count = t.branches.length > 1 ? ` · ${t.branches.length} branches${drawn}` : "";
  add("legend-h", `Path: ${r.from} → ${what}`, "legend-title", M, FONT.title);
  add(
    "legend-p",
    `${r.proto} ${r.src}:${r.sport} → ${r.dst}:${r.dport}, ${r.size} bytes${count}`,
    "muted",
    M,
    FONT.small,
  );
  y += 4;
  for (const { k, b } of branches) {
    lines.push({
      id: `legend-swatch-${k}`,
      cls: `path ${branchClass(k)}`,
      points: [
        { x: M, y: y - 4 },
        { x: M + 22, y: y - 4 },
      ],
    });
    const reply = b.reply ? `; reply ${b.reply.disposition}` : "";
    add(
      `legend-b${k}`,
      fit(`branch ${k} · p ${formatProbability(b.probability)} · ${b.disposition}: ${b.reason}${reply}`, chars),
      isSuccess(b.disposition) ? "legend-branch" : "legend-branch fail",
      M + 30,
    );
    if (b.choices.length) add(`legend-c${k}`, b.choices.join("; "), "muted", M + 30, FONT.small);
  }
  if (branches.length === 1) {
    const b = branches[0]!.b;
    y += 4;
    const w = Math.max(...b.hops.map((h) => h.location.length));
    b.hops.forEach((h, i) => {
      const main = mainStep(h);
      const seg = h.segment !== undefined && h.segment !== b.hops[i - 1]?.segment ? `connection ${h.segment} · ` : "";
      add(
        `legend-hop${i + 1}`,
        `${String(i + 1).padStart(3)}  ${fit(h.location, 44).padEnd(Math.min(w, 44))} ` +
          ` ${seg}${main ? `${main.action} ${main.reason}` : ""}`,
        "hop-row",
        M,
        FONT.small,
      );
    });
  }
  unplaced.forEach((u, i) => {
    add(`legend-u${i}`, u, "muted", M, FONT.small);
  });
  return { labels, bottom: Math.ceil(y + M - 10) };
}
