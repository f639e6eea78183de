// The logical layer under the nodes: a row of Services, each tied by a dashed wire to the nodes
// running its endpoints (when the nodes fit one row), a row of Ingresses tied to their Services, and
// the Gateways and their routes (gateway-layer.ts).
import { formatIpv4 } from "../model/address.ts";
import type { Cluster, Service } from "../model/cluster.ts";
import type { Ingress } from "../model/ingress.ts";
import { type Point, safeId } from "./geometry.ts";
import type { Box, Label, Line } from "./scene.ts";
import { flow, LINE } from "./flow.ts";
import { gatewayLayer } from "./gateway-layer.ts";
import { fit, FONT } from "./text.ts";

export const MAX_SERVICES = 24;
export const MAX_INGRESSES = 12;
const MAX_SERVICE_WIRES = 48;
/** A Service's box grows with its text up to this many characters; past it the text is cut, the box's tooltip whole. */
const SERVICE_CHARS = 44;
/** Each Service's wires run along their own track, this far (px) from the next Service's. */
const TRACK = 4;

interface Frame {
  readonly top: number;
  readonly left: number;
  readonly right: number;
  readonly nodeBoxes: ReadonlyMap<string, Box>;
  readonly rows: number;
}

export interface LogicalDrawing {
  boxes: Box[];
  lines: Line[];
  labels: Label[];
  bottom: number;
  right: number;
}

function elbow(a: Point, b: Point, midY: number): Point[] {
  return a.x === b.x ? [a, b] : [a, { x: a.x, y: midY }, { x: b.x, y: midY }, b];
}

function serviceLines(cluster: Cluster, s: Service, nodes: string[]): string[] {
  const portText = (p: Service["ports"][number]) =>
    `${p.port}${p.protocol === "TCP" ? "" : `/${p.protocol}`}→${p.targetPort}${p.nodePort ? ` (${p.nodePort})` : ""}`;
  const ports = s.ports.length ? `${portText(s.ports[0]!)}${s.ports.length > 1 ? ` +${s.ports.length - 1}` : ""}` : "";
  const ip = s.headless ? "headless" : s.clusterIPs.map(formatIpv4).join(",");
  const kind = s.type === "ClusterIP" ? "" : s.type === "LoadBalancer" ? "LB " : `${s.type} `;
  const eps = cluster.endpointSlices
    .filter((e) => e.namespace === s.namespace && e.serviceName === s.name)
    .reduce((n, e) => n + e.endpoints.length, 0);
  const where = nodes.length === 1 ? ` on ${nodes[0]}` : nodes.length ? ` on ${nodes.length} nodes` : "";
  return [
    fit(`svc ${s.namespace}/${s.name}`, SERVICE_CHARS),
    fit(`${kind}${ip}${ports ? ` · ${ports}` : ""}`, SERVICE_CHARS + 4),
    fit(eps ? `${eps} endpoint${eps > 1 ? "s" : ""}${where}` : "no endpoints", SERVICE_CHARS + 4),
  ];
}

function ingressLines(ing: Ingress): string[] {
  const paths: string[] = [];
  for (const r of ing.rules) {
    for (const p of r.paths ?? []) {
      const b =
        p.backend.kind === "service"
          ? `${p.backend.service}:${p.backend.port}`
          : `${p.backend.resourceKind}/${p.backend.name}`;
      paths.push(fit(`${r.host ?? "*"}${p.path || "/"} → ${b}`, 48));
    }
  }
  const shown = paths.slice(0, 5);
  if (paths.length > shown.length) shown.push(`+${paths.length - shown.length} more paths`);
  if (ing.defaultBackend?.kind === "service")
    shown.push(fit(`default → ${ing.defaultBackend.service}:${ing.defaultBackend.port}`, 48));
  return [fit(`ingress ${ing.namespace}/${ing.name}`, 40), ...shown];
}

export function logicalLayer(cluster: Cluster, f: Frame): LogicalDrawing {
  const boxes: Box[] = [];
  const lines: Line[] = [];
  const labels: Label[] = [];
  let bottom = f.top;
  let right = f.left;
  const text = (id: string, x: number, y: number, ls: string[]) =>
    ls.forEach((t, i) => {
      labels.push({
        id: `${id}-l${i}`,
        cls: i === 0 ? "device-label strong" : "muted",
        x: x + 10,
        y: y + 16 + i * LINE,
        text: t,
        size: i === 0 ? FONT.label : FONT.small,
        anchor: "start",
      });
    });

  const services = cluster.services.filter((s) => s.type !== "ExternalName");
  const shown = services.slice(0, MAX_SERVICES);
  const order = new Map(cluster.nodes.map((n, i) => [n.name, i]));
  const nodesOf = (s: Service) =>
    [
      ...new Set(
        cluster.endpointSlices
          .filter((e) => e.namespace === s.namespace && e.serviceName === s.name)
          .flatMap((e) => e.endpoints.map((p) => p.nodeName ?? ""))
          .filter(Boolean),
      ),
    ].sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0));
  const svcNodes = shown.map(nodesOf);
  const wires = svcNodes.reduce((n, ns) => n + ns.length, 0);
  const drawWires = f.rows === 1 && wires <= MAX_SERVICE_WIRES;
  // A bundle per Service: its wires leave the box together and run on a track of their own, so
  // each Service's endpoints can be followed; the tracks push the boxes down to make room.
  const wired = drawWires ? shown.filter((_, i) => svcNodes[i]!.length).length : 0;
  const top = f.top + wired * TRACK;
  const svcRects = flow(
    shown.map((s, i) => serviceLines(cluster, s, svcNodes[i]!)),
    f.left,
    f.right,
    top + 18,
  );
  let track = 0;
  const svcBox = new Map<string, { x: number; y: number; w: number; h: number }>();
  shown.forEach((s, i) => {
    const r = svcRects[i]!;
    const id = safeId("svc", s.namespace, s.name);
    const ls = serviceLines(cluster, s, svcNodes[i]!);
    const on = svcNodes[i]!.length ? ` · endpoints on ${svcNodes[i]!.join(", ")}` : "";
    const tip = `svc ${s.namespace}/${s.name}${on}`;
    boxes.push({ id, cls: "service", ...r, rx: 6, layer: "front", tip });
    text(id, r.x, r.y, ls);
    svcBox.set(`${s.namespace}/${s.name}`, r);
    bottom = Math.max(bottom, r.y + r.h);
    right = Math.max(right, r.x + r.w);
    if (!drawWires || !svcNodes[i]!.length) return;
    const y = f.top - 16 + track++ * TRACK;
    svcNodes[i]!.forEach((node) => {
      const nb = f.nodeBoxes.get(safeId("node", node));
      if (!nb) return;
      const to = { x: nb.x + nb.w - 16 - i * 7, y: nb.y + nb.h };
      const from = { x: r.x + r.w / 2, y: r.y };
      // A box in a later row of the flow leaves up through the gap above it and along the left
      // margin, not through the boxes of the rows above.
      const up =
        r.y > svcRects[0]!.y ? [from, { x: from.x, y: r.y - 8 }, { x: f.left - 8 - track * 3, y: r.y - 8 }] : [from];
      const start = up.at(-1)!;
      lines.push({
        id: `${id}-to-${safeId(node)}`,
        cls: "selects",
        points: [...up.slice(0, -1), ...elbow(start, to, y)],
        tip,
        data: { service: `${s.namespace}/${s.name}` },
      });
    });
  });
  labels.push({
    id: "services-h",
    cls: "section",
    x: f.left,
    y: top + 10,
    text: drawWires || !shown.length ? "Services (dashed: the nodes of their endpoints)" : "Services",
    size: FONT.small,
    anchor: "start",
  });
  if (services.length > shown.length) {
    labels.push({
      id: "services-more",
      cls: "muted",
      x: f.left,
      y: bottom + 16,
      text: `+${services.length - shown.length} more Services`,
      size: FONT.small,
      anchor: "start",
    });
    bottom += 22;
  }

  const ingresses = cluster.ingress.served.map((s) => s.ingress);
  const ingShown = ingresses.slice(0, MAX_INGRESSES);
  if (ingShown.length) {
    const top = bottom + 34;
    labels.push({
      id: "ingresses-h",
      cls: "section",
      x: f.left,
      y: top - 1,
      text: "Ingresses served by ingress-nginx",
      size: FONT.small,
      anchor: "start",
    });
    const rects = flow(ingShown.map(ingressLines), f.left, f.right, top + 4);
    ingShown.forEach((ing, i) => {
      const r = rects[i]!;
      const id = safeId("ing", ing.namespace, ing.name);
      boxes.push({ id, cls: "ingress", ...r, rx: 6, layer: "front", tip: `ingress ${ing.namespace}/${ing.name}` });
      text(id, r.x, r.y, ingressLines(ing));
      bottom = Math.max(bottom, r.y + r.h);
      right = Math.max(right, r.x + r.w);
      const backends = new Set<string>();
      for (const rule of ing.rules)
        for (const p of rule.paths ?? []) if (p.backend.kind === "service") backends.add(p.backend.service);
      if (ing.defaultBackend?.kind === "service") backends.add(ing.defaultBackend.service);
      [...backends].forEach((name, j) => {
        const sb = svcBox.get(`${ing.namespace}/${name}`);
        if (!sb) return;
        const from = { x: r.x + 20 + j * 10, y: r.y };
        const to = { x: sb.x + sb.w / 2 + ((i % 3) - 1) * 4 + 8, y: sb.y + sb.h };
        lines.push({
          id: `${id}-to-${safeId(name)}`,
          cls: "routes",
          points: elbow(from, to, top - 24 + (i % 4) * 3),
          arrow: "plain",
        });
      });
    });
    if (ingresses.length > ingShown.length) {
      labels.push({
        id: "ingresses-more",
        cls: "muted",
        x: f.left,
        y: bottom + 16,
        text: `+${ingresses.length - ingShown.length} more Ingresses`,
        size: FONT.small,
        anchor: "start",
      });
      bottom += 22;
    }
  }
  const gw = gatewayLayer(cluster, { top: bottom, left: f.left, right: f.right, services: svcBox });
  boxes.push(...gw.boxes);
  lines.push(...gw.lines);
  labels.push(...gw.labels);
  return { boxes, lines, labels, bottom: Math.max(bottom, gw.bottom), right: Math.max(right, gw.right) };
}
