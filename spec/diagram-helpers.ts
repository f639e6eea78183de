// Shared by the diagram specs: generated clusters, the label-overlap check, an XML parse, the
// geometry rules (callouts beside their hops and clear of titles, pods and each other; paths clear
// of titles and callouts).
import { JSDOM } from "jsdom";
import { overlaps, type Rect } from "../lib/diagram/geometry.ts";
import type { Scene } from "../lib/diagram/scene.ts";
import { textBox } from "../lib/diagram/text.ts";

/** N nodes, `deployments` Deployments of `replicas` pods, each behind a ClusterIP Service. */
export function clusterYaml(nodes: number, deployments: number, replicas: number): string {
  const docs = [
    `apiVersion: kubehop.io/v1alpha1
kind: Topology
metadata: {name: big}
spec:
  clusterCIDR: 10.0.0.0/11
  serviceCIDR: 10.96.0.0/12
  underlay: {cidr: 172.16.0.0/16, gateway: 172.16.0.1}
  nodeCount: ${nodes}
  clients: [{name: laptop, ip: 198.51.100.7}]
`,
  ];
  for (let d = 0; d < deployments; d++) {
    docs.push(`apiVersion: apps/v1
kind: Deployment
metadata: {name: app-${d}, namespace: ns-${d % 7}}
spec:
  replicas: ${replicas}
  template:
    metadata: {labels: {app: app-${d}}}
    spec:
      containers: [{name: app, ports: [{name: http, containerPort: 8080}]}]
---
apiVersion: v1
kind: Service
metadata: {name: app-${d}, namespace: ns-${d % 7}}
spec:
  selector: {app: app-${d}}
  ports: [{name: http, port: 80, targetPort: http}]
`);
  }
  return docs.join("---\n");
}

export interface Placed {
  readonly text: string;
  readonly rect: Rect;
}

/** Every label of the scene (drawing and overlay) as the rectangle the 0.6 em estimate gives it. */
export function labelRects(scene: Scene): Placed[] {
  return [...scene.labels, ...(scene.overlay?.labels ?? [])].map((l) => ({
    text: l.text,
    rect: textBox(l.x, l.y, l.text, l.size, l.anchor),
  }));
}

/** Pairs of labels whose boxes overlap (sweep over x, so 10,000 labels stay quick). */
export function overlapping(placed: readonly Placed[]): [Placed, Placed][] {
  const sorted = [...placed].sort((a, b) => a.rect.x - b.rect.x);
  const out: [Placed, Placed][] = [];
  for (let i = 0; i < sorted.length; i++) {
    const a = sorted[i]!;
    for (let j = i + 1; j < sorted.length && sorted[j]!.rect.x < a.rect.x + a.rect.w; j++) {
      if (overlaps(a.rect, sorted[j]!.rect)) out.push([a, sorted[j]!]);
    }
  }
  return out;
}

/** Parses as XML (as a browser's image loader would); throws on a parse error. */
export function parseSvg(svg: string): Document {
  const dom = new JSDOM(svg, { contentType: "image/svg+xml" });
  const doc = dom.window.document as unknown as Document;
  if (doc.getElementsByTagName("parsererror").length) throw new Error("not well-formed XML");
  return doc;
}

const num = (e: Element, a: string) => Number(e.getAttribute(a));
const rectOf = (e: Element): Rect => ({ x: num(e, "x"), y: num(e, "y"), w: num(e, "width"), h: num(e, "height") });

function textRect(e: Element): Rect {
  const anchor = (e.getAttribute("text-anchor") ?? "start") as "start" | "middle" | "end";
  return textBox(num(e, "x"), num(e, "y"), e.textContent ?? "", num(e, "font-size"), anchor);
}

/** The gap between two rectangles (0 when they touch or overlap). */
function distance(a: Rect, b: Rect): number {
  const dx = Math.max(0, a.x - (b.x + b.w), b.x - (a.x + a.w));
  const dy = Math.max(0, a.y - (b.y + b.h), b.y - (a.y + a.h));
  return Math.hypot(dx, dy);
}

/** A path's `d` (d3's M/L with one decimal) as its segments. */
function segments(d: string): [number, number, number, number][] {
  const pts = [...d.matchAll(/[ML](-?[\d.]+),(-?[\d.]+)/g)].map((m) => [Number(m[1]), Number(m[2])] as const);
  return pts.slice(1).map((p, i) => [pts[i]![0], pts[i]![1], p[0], p[1]]);
}

/** Whether the segment passes through the rectangle's inside (Liang-Barsky clipping). */
function crosses([x0, y0, x1, y1]: [number, number, number, number], r: Rect): boolean {
  let t0 = 0;
  let t1 = 1;
  const dx = x1 - x0;
  const dy = y1 - y0;
  for (const [p, q] of [
    [-dx, x0 - r.x],
    [dx, r.x + r.w - x0],
    [-dy, y0 - r.y],
    [dy, r.y + r.h - y0],
  ] as const) {
    if (p === 0) {
      if (q <= 0) return false;
    } else {
      const t = q / p;
      if (p < 0) t0 = Math.max(t0, t);
      else t1 = Math.min(t1, t);
    }
  }
  return t0 < t1;
}

/** The rectangle shrunk by `d` on every side: a line along an edge does not cross it. */
function inset(r: Rect, d: number): Rect {
  return { x: r.x + d, y: r.y + d, w: Math.max(0, r.w - 2 * d), h: Math.max(0, r.h - 2 * d) };
}

/** Every broken rule of the picture, in words (empty when it is fit to publish). */
export function geometryProblems(svg: string): string[] {
  const doc = parseSvg(svg);
  const all = (sel: string) => [...doc.querySelectorAll(sel)];
  const callouts = all("rect.callout").map((e) => ({ e, r: rectOf(e), id: e.id }));
  const titles = all("text.node-name").map((e) => ({ r: textRect(e), text: e.textContent }));
  const nodes = all("rect.node").map((e) => ({ r: rectOf(e), id: e.id }));
  const pods = all("rect.pod").map((e) => ({ r: rectOf(e), id: e.id }));
  const hops = all("rect.on-path[data-hop]").map((e) => ({
    r: rectOf(e),
    tokens: e.getAttribute("data-hop")!.split(" "),
  }));
  const out: string[] = [];
  callouts.forEach((a, i) => {
    for (const b of callouts.slice(i + 1)) if (overlaps(a.r, b.r)) out.push(`callout ${a.id} covers callout ${b.id}`);
    for (const t of titles) if (overlaps(a.r, t.r)) out.push(`callout ${a.id} covers node title "${t.text}"`);
    for (const p of pods) if (overlaps(a.r, p.r)) out.push(`callout ${a.id} covers pod row ${p.id}`);
    const own = `node-${a.e.getAttribute("data-node") ?? ""}`.replace(/[^A-Za-z0-9_-]/g, "_");
    for (const n of nodes) if (n.id !== own && overlaps(a.r, n.r)) out.push(`callout ${a.id} lies in ${n.id}'s box`);
    const token = a.e.getAttribute("data-hop")?.split(" ")[0];
    const hop = hops.find((h) => token && h.tokens.includes(token));
    if (!hop) out.push(`callout ${a.id} (data-hop ${token}) has no hop element`);
    else if (distance(a.r, hop.r) > 40)
      out.push(`callout ${a.id} stands ${Math.round(distance(a.r, hop.r))} px from hop ${token}`);
  });
  for (const p of all("path.path")) {
    for (const s of segments(p.getAttribute("d") ?? "")) {
      for (const t of titles)
        if (crosses(s, t.r))
          out.push(`path ${p.getAttribute("data-hop")} crosses node title "${t.text}" at ${s.join(",")}`);
      // A callout (a rewrite, a fan-out, a branch's end) is read, not drawn through.
      for (const c of callouts)
        if (crosses(s, inset(c.r, 1)))
          out.push(`path ${p.getAttribute("data-hop")} crosses callout ${c.id} at ${s.join(",")}`);
    }
  }
  return out;
}
