// The cluster drawing as pure arithmetic (a swimlane layout): the outside world on top (clients,
// the gateway router, load balancers), the underlay bus, the wg0 overlay band, the nodes in a grid
// (each row of nodes on its own pair of buses, joined by trunks on the left), and at the bottom
// the logical layer: Services tied to the nodes of their pods, Ingresses tied to their Services.
import { formatIpv4 } from "../model/address.ts";
import type { Cluster } from "../model/cluster.ts";
import { safeId } from "./geometry.ts";
import { logicalLayer } from "./logical-layer.ts";
import { drawNode, nodeContents, nodeHeight, nodeWidth } from "./node-box.ts";
import type { Box, Label, Line, Scene } from "./scene.ts";
import { fit, FONT, textWidth } from "./text.ts";

export interface LayoutOptions {
  /** `namespace/name` of pods that must not fold away (the pods a path visits). */
  readonly mustShow?: ReadonlySet<string>;
  /** Names of nodes that must be drawn (the nodes a path crosses). */
  readonly mustShowNodes?: ReadonlySet<string>;
  /**
   * Extra room (px) for a path's callouts in each gap of the node grid: index 0 left of the first
   * column, i between columns i-1 and i, the last right of the last column.
   */
  readonly lanes?: readonly number[];
  /** Characters a pod's row may take before its name is cut (node-box.ts's ROW_CHARS bounds it). */
  readonly rowChars?: number;
}

/** Beyond this many nodes the grid folds the rest into one line; nodes on a path are always drawn. */
export const MAX_NODES_DRAWN = 120;

/** The nodes to draw, in cluster order: those a path needs, then the first ones up to the limit. */
function nodesToDraw(cluster: Cluster, options: LayoutOptions): Cluster["nodes"] {
  if (cluster.nodes.length <= MAX_NODES_DRAWN) return cluster.nodes;
  const needed = new Set(options.mustShowNodes ?? []);
  for (const p of cluster.pods) if (options.mustShow?.has(`${p.namespace}/${p.name}`)) needed.add(p.node);
  let room = Math.max(0, MAX_NODES_DRAWN - needed.size);
  return cluster.nodes.filter((n) => needed.has(n.name) || room-- > 0);
}

const M = 24;
const GAP = 24;
const BUS_GAP = 26;
const GRID_LEFT = M + 40;

/** Columns of the node grid: one row up to 4 nodes, then about twice as wide as tall, at most 8. */
export function gridColumns(n: number): number {
  return n <= 4 ? Math.max(n, 1) : Math.min(8, Math.ceil(Math.sqrt(n * 2)));
}

export function layoutCluster(cluster: Cluster, options: LayoutOptions = {}): Scene {
  const lane = (i: number) => options.lanes?.[i] ?? 0;
  const GRID_X = GRID_LEFT + lane(0);
  const boxes: Box[] = [];
  const lines: Line[] = [];
  const labels: Label[] = [];
  const places: Scene["places"] = new Map();
  const columns = new Map<string, number>();

  const pods = cluster.pods.length;
  const gateways = cluster.gateways.world.gateways.length;
  const title =
    `Cluster: ${cluster.nodes.length} node${cluster.nodes.length === 1 ? "" : "s"}, ${pods} ` +
    `pod${pods === 1 ? "" : "s"}, ${cluster.services.length} ` +
    `Service${cluster.services.length === 1 ? "" : "s"}, ${cluster.ingress.served.length} ` +
    `Ingress${cluster.ingress.served.length === 1 ? "" : "es"}` +
    (gateways ? `, ${gateways} Gateway${gateways === 1 ? "" : "s"}` : "");
  labels.push({ id: "title", cls: "title", x: M, y: M + 4, text: title, size: FONT.title, anchor: "start" });

  // The outside: clients, then load balancers, left to right.
  const outY = M + 24;
  let ox = GRID_X + (cluster.underlay.gateway !== undefined && cluster.clients.length ? 100 : 0);
  const outside: { id: string; loc: string; lines: string[]; cls: string; x: number; w: number; tip: string }[] = [];
  for (const c of cluster.clients) {
    const text = [`client/${fit(c.name, 30)}`, formatIpv4(c.ip)];
    const w = Math.max(...text.map((t) => textWidth(t, FONT.label))) + 20;
    outside.push({
      id: safeId("client", c.name),
      loc: `client/${c.name}`,
      lines: text,
      cls: "outside client",
      x: ox,
      w,
      tip: `client/${c.name} ${formatIpv4(c.ip)}`,
    });
    ox += w + GAP + 70;
  }
  for (const lb of cluster.loadBalancers) {
    const text = [
      `lb/${fit(lb.name, 30)} · VIP ${formatIpv4(lb.vip)}`,
      fit(`→ ${lb.service.namespace}/${lb.service.name}`, 56),
      `${lb.mode} · ${lb.algorithm}${lb.preserveClientIp ? " · keeps client IP" : ""}`,
    ];
    const w = Math.max(...text.map((t) => textWidth(t, FONT.label))) + 20;
    const tip = `lb/${lb.name} → ${lb.service.namespace}/${lb.service.name}`;
    outside.push({ id: safeId("lb", lb.name), loc: `lb/${lb.name}`, lines: text, cls: "outside lb", x: ox, w, tip });
    ox += w + GAP;
  }
  const outH = outside.some((o) => o.lines.length > 2) ? 56 : 40;
  const underlayY0 = outY + outH + 44;

  // Nodes in a grid, each grid row under its own underlay and overlay bus.
  const drawn = nodesToDraw(cluster, options);
  const contents = nodeContents(
    drawn === cluster.nodes ? cluster : { ...cluster, nodes: drawn },
    options.mustShow ?? new Set(),
  );
  const nw = nodeWidth(contents, options.rowChars);
  const cols = gridColumns(contents.length);
  const rows: number[] = [];
  const services = podServices(cluster);
  let rowTop = underlayY0 + 2 * BUS_GAP;
  const eth0Xs: number[][] = [];
  const overlayY = (r: number) => rows[r]! + BUS_GAP;
  let gridRight = GRID_X;
  for (let r = 0; r * cols < contents.length; r++) {
    const row = contents.slice(r * cols, (r + 1) * cols);
    const h = Math.max(...row.map(nodeHeight));
    rows.push(rowTop - 2 * BUS_GAP);
    eth0Xs.push([]);
    row.forEach((c, i) => {
      let x = GRID_X + i * (nw + GAP);
      for (let j = 1; j <= i; j++) x += lane(j);
      columns.set(c.node.name, i);
      const d = drawNode(cluster, c, x, rowTop, nw, h, services);
      boxes.push(...d.boxes);
      lines.push(...d.lines);
      labels.push(...d.labels);
      const bus = { x: d.eth0X, y: rows[r]!, row: r };
      for (const [loc, place] of d.places) places.set(loc, loc.endsWith("/eth0") ? { ...place, bus } : place);
      const nid = safeId("node", c.node.name);
      lines.push({
        id: `${nid}-eth0-up`,
        cls: "wire underlay-link",
        points: [
          { x: d.eth0X, y: rows[r]! },
          { x: d.eth0X, y: rowTop + 28 },
        ],
      });
      lines.push({
        id: `${nid}-wg0-up`,
        cls: "wire overlay-link",
        points: [
          { x: d.wg0X, y: overlayY(r) },
          { x: d.wg0X, y: rowTop + 28 },
        ],
      });
      eth0Xs[r]!.push(d.eth0X);
      gridRight = Math.max(gridRight, x + nw);
    });
    rowTop += h + 3 * BUS_GAP;
  }
  let gridBottom = rowTop - 2 * BUS_GAP;
  const folded = cluster.nodes.length - drawn.length;
  if (folded > 0) {
    const text =
      `... and ${folded.toLocaleString("en-US")} more nodes, not drawn (at most ${MAX_NODES_DRAWN} are; ` +
      `nodes on a path always are)`;
    labels.push({
      id: "nodes-folded",
      cls: "muted",
      x: GRID_X,
      y: gridBottom + 14,
      text,
      size: FONT.label,
      anchor: "start",
    });
    gridBottom += 24;
  }

  // Outside boxes and their links down to the underlay (clients through the gateway router).
  const gw = cluster.underlay.gateway;
  const busY = rows[0] ?? underlayY0;
  for (const o of outside) {
    const rect = { x: o.x, y: outY, w: o.w, h: outH };
    boxes.push({ id: o.id, cls: o.cls, ...rect, rx: 6, layer: "front", tip: o.tip });
    o.lines.forEach((t, i) => {
      labels.push({
        id: `${o.id}-l${i}`,
        cls: i === 0 ? "device-label strong" : "muted",
        x: o.x + 10,
        y: outY + 16 + i * 15,
        text: t,
        size: i === 0 ? FONT.label : FONT.small,
        anchor: "start",
      });
    });
    const cx = o.x + o.w / 2;
    const isClient = o.cls.includes("client");
    lines.push({
      id: `${o.id}-up`,
      cls: isClient ? "wire internet" : "wire underlay-link",
      points: [
        { x: cx, y: outY + outH },
        { x: cx, y: busY },
      ],
    });
    if (isClient)
      labels.push({
        id: `${o.id}-inet`,
        cls: "muted",
        x: cx + 6,
        y: outY + outH + 14,
        text: "internet",
        size: FONT.small,
        anchor: "start",
      });
    places.set(o.loc, { rect, wide: false, bus: { x: cx, y: busY, row: 0 } });
  }
  if (gw !== undefined && outside.length) {
    const c0 = outside.find((o) => o.cls.includes("client"));
    if (c0) {
      // The gateway router: a small node on the bus where the internet comes in, its name beside it.
      const cx = c0.x + c0.w / 2;
      boxes.push({
        id: "router",
        cls: "device router",
        x: cx - 7,
        y: busY - 7,
        w: 14,
        h: 14,
        rx: 7,
        layer: "front",
        tip: `router ${formatIpv4(gw)}`,
      });
      labels.push({
        id: "router-l",
        cls: "bus-label",
        x: cx - 12,
        y: busY - 10,
        text: `router ${formatIpv4(gw)}`,
        size: FONT.small,
        anchor: "end",
      });
      places.set("underlay-router", { rect: { x: cx - 7, y: busY - 7, w: 14, h: 14 }, wide: false });
    }
  }

  // The logical layer under the nodes.
  const nodeBoxes = new Map(boxes.filter((b) => b.cls === "node").map((b) => [b.id, b]));
  const width0 = Math.max(gridRight + lane(cols), ...outside.map((o) => o.x + o.w)) + M;
  const logical = logicalLayer(cluster, {
    top: gridBottom + 28,
    left: GRID_X,
    right: width0 - M,
    nodeBoxes,
    rows: rows.length,
  });
  boxes.push(...logical.boxes);
  lines.push(...logical.lines);
  labels.push(...logical.labels);

  // Buses last so their labels know the full width.
  const right = width0 - M;
  const trunkU = M + 6;
  const trunkO = M + 22;
  const underlayText = `underlay ${cluster.underlay.cidr.text} · MTU ${cluster.underlay.mtu}`;
  const n = cluster.nodes.length;
  const mesh = n > 1 ? `full mesh of ${n} nodes (${(n * (n - 1)).toLocaleString("en-US")} peer entries)` : "(one node)";
  const meshText = `wg0 overlay · WireGuard ${mesh} · UDP ${cluster.overlay.listenPort} · MTU ${cluster.overlay.mtu}`;
  rows.forEach((y, r) => {
    lines.push({
      id: `underlay-${r}`,
      cls: "bus underlay",
      points: [
        { x: trunkU, y },
        { x: right, y },
      ],
    });
    // The overlay bus breaks where an eth0 wire crosses it, so the wire reads as passing over.
    const oy = overlayY(r);
    const cuts = [...eth0Xs[r]!].sort((a, b) => a - b);
    let from = trunkO;
    cuts.forEach((cx, i) => {
      lines.push({
        id: `overlay-${r}-${i}`,
        cls: "bus overlay",
        points: [
          { x: from, y: oy },
          { x: cx - 5, y: oy },
        ],
      });
      from = cx + 5;
    });
    lines.push({
      id: `overlay-${r}-end`,
      cls: "bus overlay",
      points: [
        { x: from, y: oy },
        { x: right, y: oy },
      ],
    });
  });
  if (rows.length > 1) {
    lines.push({
      id: "underlay-trunk",
      cls: "bus underlay",
      points: [
        { x: trunkU, y: rows[0]! },
        { x: trunkU, y: rows.at(-1)! },
      ],
    });
    lines.push({
      id: "overlay-trunk",
      cls: "bus overlay",
      points: [
        { x: trunkO, y: overlayY(0) },
        { x: trunkO, y: overlayY(rows.length - 1) },
      ],
    });
  }
  labels.push({
    id: "underlay-l",
    cls: "bus-label underlay-label",
    x: right,
    y: busY - 6,
    text: underlayText,
    size: FONT.small,
    anchor: "end",
  });
  labels.push({
    id: "overlay-l",
    cls: "bus-label overlay-label",
    x: right,
    y: overlayY(0) - 6,
    text: meshText,
    size: FONT.small,
    anchor: "end",
  });

  const width = Math.max(
    width0,
    logical.right + M,
    textWidth(title, FONT.title) + 2 * M,
    textWidth(meshText, FONT.small) + GRID_X + M,
  );
  return {
    width: Math.ceil(width),
    height: Math.ceil(logical.bottom + M),
    title,
    desc:
      `Network ` +
      `diagram: ${outside.map((o) => o.loc).join(", ")}${outside.length ? " outside the cluster; " : ""}${n} ` +
      `nodes each with eth0 on the underlay ${cluster.underlay.cidr.text}, wg0 on the WireGuard overlay, and ` +
      `bridge0 switching its pods; Services and Ingresses${gateways ? ", Gateways and their routes" : ""} below.`,
    boxes,
    lines,
    labels,
    places,
    grid: { columns, count: cols },
    underlay: { trunkX: trunkU, rows },
  };
}

/** `namespace/pod` -> names of the Services whose endpoints include it. */
function podServices(cluster: Cluster): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const s of cluster.endpointSlices) {
    for (const e of s.endpoints) {
      if (!e.pod) continue;
      const key = `${e.pod.namespace}/${e.pod.name}`;
      const list = out.get(key) ?? [];
      if (!list.includes(s.serviceName)) list.push(s.serviceName);
      out.set(key, list);
    }
  }
  return out;
}
