// A scene to SVG text: d3-selection data joins (keyed by model-derived ids) on a jsdom document,
// serialised with XMLSerializer (valid XML: no HTML entities) and printed one element per line,
// so golden files diff readably. Every user string reaches the document through .text() or
// .attr(), so the serialiser escapes it: a pod named `<script>` is text, never markup; and through
// clean(), since the serialiser lets through characters XML 1.0 forbids.
import * as d3 from "d3";
import { JSDOM } from "jsdom";
import { type Point, round } from "./geometry.ts";
import { BRANCH_COLOURS } from "./legend.ts";
import type { Box, Label, Line, Scene } from "./scene.ts";
import { STYLE } from "./style.ts";
import { clean } from "./text.ts";

export interface SvgOptions {
  /** Prefixes every id, so several drawings can share one HTML page. */
  readonly idPrefix?: string;
}

const SVG_NS = "http://www.w3.org/2000/svg";
const pathData = d3
  .line<Point>()
  .x((p) => p.x)
  .y((p) => p.y)
  .digits(1);

export function renderSvg(scene: Scene, options: SvgOptions = {}): string {
  const pre = options.idPrefix ?? "";
  const dom = new JSDOM(`<svg xmlns="${SVG_NS}"/>`, { contentType: "image/svg+xml" });
  const doc = dom.window.document;
  const root = d3.select(doc.documentElement as unknown as SVGSVGElement);
  root
    .attr("class", "kubehop")
    .attr("width", scene.width)
    .attr("height", scene.height)
    .attr("viewBox", `0 0 ${scene.width} ${scene.height}`)
    .attr("role", "img")
    .attr("aria-labelledby", `${pre}title ${pre}desc`);
  root.append("title").attr("id", `${pre}title`).text(clean(scene.title));
  root.append("desc").attr("id", `${pre}desc`).text(clean(scene.desc));
  root.append("style").text(`\n${STYLE}\n`);
  const defs = root.append("defs");
  const markers = ["plain", "shared", ...Array.from({ length: BRANCH_COLOURS }, (_, i) => `b${i + 1}`)];
  defs
    .selectAll("marker")
    .data(markers)
    .join("marker")
    .attr("id", (m) => `${pre}arrow-${m}`)
    .attr("class", (m) => `arrow-${m}`)
    .attr("viewBox", "0 0 10 10")
    .attr("refX", 9)
    .attr("refY", 5)
    .attr("markerWidth", 5)
    .attr("markerHeight", 5)
    .attr("orient", "auto-start-reverse")
    .append("path")
    .attr("d", "M0,0L10,5L0,10z");
  root.append("rect").attr("class", "bg").attr("width", scene.width).attr("height", scene.height);

  const layer = (name: string) => root.append("g").attr("class", name);
  drawBoxes(
    layer("back"),
    scene.boxes.filter((b) => b.layer === "back"),
    pre,
  );
  drawLines(layer("wires"), scene.lines, pre);
  drawBoxes(
    layer("devices"),
    scene.boxes.filter((b) => b.layer === "front"),
    pre,
  );
  drawLabels(layer("labels"), scene.labels);
  if (scene.overlay) {
    const o = layer("overlay");
    drawLines(o.append("g").attr("class", "legs"), scene.overlay.lines, pre);
    drawBoxes(o.append("g").attr("class", "marks"), scene.overlay.boxes, pre);
    drawLabels(o.append("g").attr("class", "notes"), scene.overlay.labels);
  }
  const xml = new dom.window.XMLSerializer().serializeToString(doc.documentElement);
  dom.window.close();
  return `<?xml version="1.0" encoding="UTF-8"?>\n${xml.replace(/></g, ">\n<")}\n`;
}

type G = d3.Selection<SVGGElement, unknown, null, undefined>;

function drawBoxes(g: G, boxes: readonly Box[], pre: string): void {
  g.selectAll("rect")
    .data(boxes, (d) => (d as Box).id)
    .join("rect")
    .attr("id", (d) => clean(pre + d.id))
    .attr("class", (d) => d.cls)
    .attr("x", (d) => round(d.x))
    .attr("y", (d) => round(d.y))
    .attr("width", (d) => round(d.w))
    .attr("height", (d) => round(d.h))
    .attr("rx", (d) => d.rx ?? null)
    .each(function (d) {
      dataAttributes(this as Element, d.data);
      if (d.tip) d3.select(this).append("title").text(clean(d.tip));
    });
}

function drawLines(g: G, lines: readonly Line[], pre: string): void {
  g.selectAll("path")
    .data(lines, (d) => (d as Line).id)
    .join("path")
    .attr("class", (d) => d.cls)
    .attr("d", (d) => pathData(d.points as Point[]))
    .attr("marker-end", (d) => (d.arrow ? `url(#${pre}arrow-${d.arrow})` : null))
    .each(function (d) {
      dataAttributes(this as Element, d.data);
      if (d.tip) d3.select(this).append("title").text(clean(d.tip));
    });
}

function drawLabels(g: G, labels: readonly Label[]): void {
  g.selectAll("text")
    .data(labels, (d) => (d as Label).id)
    .join("text")
    .attr("class", (d) => d.cls)
    .attr("x", (d) => round(d.x))
    .attr("y", (d) => round(d.y))
    .attr("font-size", (d) => d.size)
    .attr("text-anchor", (d) => (d.anchor === "start" ? null : d.anchor))
    .text((d) => clean(d.text))
    .each(function (d) {
      dataAttributes(this as Element, d.data);
    });
}

/** `data-*` attributes, in the order given, so the output stays byte-identical. */
function dataAttributes(el: Element, data: Readonly<Record<string, string>> | undefined): void {
  for (const [k, v] of Object.entries(data ?? {})) el.setAttribute(`data-${k}`, clean(v));
}
