// A trace drawn over the cluster: the hops the chosen branches share as one grey trunk, each
// branch's own hops as a wire in its colour (side by side where they share a wire), the reply
// dashed beside it, hop numbers beside each device, a callout wherever a header was rewritten
// (NAT, encapsulation, a proxy's new connection) and wherever branches part, the end of each
// branch marked with its disposition, and a legend under the drawing. Every mark carries
// `data-hop` (`K:I` tokens) and `data-place`, so a page can link a hop list to the picture.
import { formatProbability } from "../output/trace-text.ts";
import { type Branch, isSuccess, type Trace } from "../trace/types.ts";
import { branchTree, rewriteText } from "./branch-tree.ts";
import { Callouts, type Fitting, variants, wrap } from "./callouts.ts";
import { gatewayNote } from "./gateway-note.ts";
import { type Point, type Rect, safeId } from "./geometry.ts";
import { branchClass, legend } from "./legend.ts";
import { Placer } from "./placer.ts";
import { routeBranch, type Stop } from "./route.ts";
import type { Box, Label, Line, Scene } from "./scene.ts";
import { fit, textBox } from "./text.ts";

export { BRANCH_COLOURS, branchClass } from "./legend.ts";
export { mainStep, rewriteText } from "./branch-tree.ts";

export interface PathOptions {
  /** Draw each branch's reply (dashed); default true. */
  readonly reply?: boolean;
}

const M = 24;
/** How far right of the layout a callout may go; the drawing grows to hold it. */
const SPILL = 420;

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

export interface PathDrawing {
  readonly scene: Scene;
  /**
   * Where callouts found no free spot near their hop: the columns of the node grid of their nodes,
   * or "outside" for the rest, each with the width of lane its callouts need. Empty when all were
   * placed; otherwise the layout should make room and draw again.
   */
  readonly crowded: ReadonlyMap<number | "outside", number>;
}

/**
 * The scene with the chosen branches (1-based) drawn over it and a legend under it; `fitting` says
 * how callouts take room while the layout is making it (callouts.ts).
 */
export function withPath(
  scene: Scene,
  trace: Trace,
  chosen: readonly number[],
  options: PathOptions = {},
  fitting: Fitting = {},
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
  const replyNotes = options.reply !== false ? drawReplies(scene, routed, lines, placer) : [];

  // Devices on the path get a ring (a bus crossing, an invisible one), each naming its hops.
  const visits = new Map<string, { rect: Rect; hops: string[]; bus: boolean }>();
  for (const r of routed)
    for (const s of r.stops) {
      const v = visits.get(s.key) ?? { rect: s.rect, hops: [], bus: s.onUnderlay };
      v.hops.push(`${r.k}:${s.hop}`);
      visits.set(s.key, v);
    }
  // A reply's rewrite is told at its device: the device's mark carries the reply's hop too.
  for (const n of replyNotes) {
    const v = visits.get(n.stop.key) ?? { rect: n.stop.rect, hops: [], bus: n.stop.onUnderlay };
    v.hops.push(`${n.k}:r${n.stop.hop}`);
    visits.set(n.stop.key, v);
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

  const notes = new Callouts(placer, home, (node) => scene.grid?.columns.get(node), scene.width - M, fitting);
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
    const head = `${many ? `${r.k}: ` : ""}${ok ? "" : "FAILS here: "}`;
    const text = fit(`${head}${endWords(r.b)}`, 60);
    // Beside its own pod the pod's name can go: the short form keeps the status, the tooltip the rest.
    const short = r.b.http ? `${head}HTTP ${r.b.http.status}` : undefined;
    notes.add(safeId("end", String(r.k)), last, variants(text, short), {
      cls: ok ? "end ok" : "end fail",
      hop: `${r.k}:${last.hop}`,
      tip: text,
    });
  }

  const skip = new Set<string>();
  for (const f of tree.forks) {
    const r = routed.find((x) => x.k === f.members[0])!;
    const s = r.stops.find((x) => x.hop === f.hop);
    if (!s) continue;
    // The chooser's own rewrites (each way's new connection) are said by the fan-out, not beside it.
    if (f.action) for (const k of f.members) skip.add(`${k}:${f.hop}`);
    const head = `branches part here${f.action ? ` (${f.action})` : ""}:`;
    // Each way is cut to 64 characters wrapped or not (a fan-out stays a few lines); the tooltip is whole.
    const ways = f.ways.map((w) => `${w.members.join("+")} → ${w.text}`);
    const cut = ways.map((w) => fit(w, 64));
    const forms = [[head, ...cut], ...[36, 22].map((n) => [head, ...cut.flatMap((w) => wrap(w, n))])];
    notes.add(safeId("fork", String(r.k), String(f.hop)), s, forms, {
      cls: "fork",
      hop: tokens(f.members, f.hop),
      tip: [head, ...ways].join("\n"),
    });
  }
  const seen = new Set<string>();
  for (const r of routed)
    for (const s of r.stops) {
      const hop = r.b.hops[s.hop - 1]!;
      const sharers = tree.sharers(r.k, s.hop);
      const colour = sharers.length > 1 ? "shared" : branchClass(r.k);
      for (const step of hop.steps) {
        const gw = gatewayNote(step);
        if (!gw || seen.has(`${s.key} ${gw.lines.join(" ")}`)) continue;
        seen.add(`${s.key} ${gw.lines.join(" ")}`);
        const forms = [[gw.lines.join(" · ")], gw.lines, gw.lines.flatMap((l) => wrap(l, 24))];
        notes.add(safeId("gw", String(r.k), String(s.hop)), s, forms, {
          cls: `gw-note ${colour}`,
          hop: tokens(sharers, s.hop),
          data: gw.data,
        });
      }
      if (skip.has(`${r.k}:${s.hop}`)) continue;
      for (const step of hop.steps) {
        const t = rewriteText(step);
        if (!t) continue;
        if (seen.has(`${s.key} ${t}`)) continue;
        seen.add(`${s.key} ${t}`);
        notes.add(safeId("nat", String(r.k), String(s.hop), step.action), s, variants(t), {
          cls: `nat ${colour}`,
          hop: tokens(sharers, s.hop),
          tip: t,
        });
      }
    }
  for (const n of replyNotes) {
    if (seen.has(`${n.stop.key} ${n.text}`)) continue;
    seen.add(`${n.stop.key} ${n.text}`);
    notes.add(safeId("rnat", String(n.k), String(n.stop.hop), n.action), n.stop, variants(n.text), {
      tip: n.text,
      cls: `nat reply ${branchClass(n.k)}`,
      hop: `${n.k}:r${n.stop.hop}`,
      optional: true,
    });
  }
  notes.badges(routed, many, branchClass);
  boxes.push(...notes.boxes);
  lines.push(...notes.lines);
  labels.push(...notes.labels);
  const crowded = notes.crowded;

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

/** A header rewrite on a reply's way back (conntrack's un-DNAT/un-SNAT): a dashed callout at its hop. */
interface ReplyNote {
  readonly k: number;
  readonly stop: Stop;
  readonly text: string;
  readonly action: string;
}

/** Each branch's reply, dashed in its colour, beside the way in; returns where the reply undoes NAT. */
function drawReplies(
  scene: Scene,
  routed: readonly { k: number; b: Branch; offset: number }[],
  lines: Line[],
  placer: Placer,
): ReplyNote[] {
  const notes: ReplyNote[] = [];
  for (const r of routed) {
    if (!r.b.reply) continue;
    const { legs, stops } = routeBranch(scene, r.b.reply.hops);
    legs.forEach((leg, i) => {
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
    for (const stop of stops)
      for (const step of r.b.reply.hops[stop.hop - 1]!.steps) {
        const t = step.type === "conntrack" ? rewriteText(step) : undefined;
        if (t) notes.push({ k: r.k, stop, text: t, action: step.action });
      }
  }
  return notes;
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
