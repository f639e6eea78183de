// One node as a network engineer draws it: eth0 and wg0 on top (joined to the underlay and the
// overlay above), the IP stack (routes + kube-proxy's iptables), the bridge0 switch, and below it
// the pods on their veth ports, grouped by namespace and workload; past a few, a "+N more" row.
import { formatIpv4 } from "../model/address.ts";
import type { Cluster, Node, Pod } from "../model/cluster.ts";
import { safeId } from "./geometry.ts";
import type { Box, Label, Line, Place } from "./scene.ts";
import { charsIn, fit, FONT, textWidth } from "./text.ts";

/** Pods shown per node before the rest fold into one row (pods on a drawn path are always shown). */
export const MAX_PODS_SHOWN = 6;

const ROW = 16;
const PAD = 10;
const PODS_TOP = 132;

export interface PodGroup {
  /** `namespace/workload` (or `namespace/pod` for a bare pod). */
  readonly key: string;
  readonly pods: readonly Pod[];
}

export interface NodeContent {
  readonly node: Node;
  readonly groups: readonly PodGroup[];
  /** Pods that fold into the "+N more" row. */
  readonly hidden: readonly Pod[];
  readonly hiddenGroups: number;
}

function workload(p: Pod): string {
  return `${p.namespace}/${p.owner?.name ?? p.name}`;
}

/** Each node's pods grouped by namespace/workload (sorted), the first few shown. */
export function nodeContents(cluster: Cluster, mustShow: ReadonlySet<string>): NodeContent[] {
  const byNode = new Map<string, Map<string, Pod[]>>();
  for (const n of cluster.nodes) byNode.set(n.name, new Map());
  for (const p of cluster.pods) {
    const groups = byNode.get(p.node);
    if (!groups) continue;
    const k = workload(p);
    const list = groups.get(k);
    if (list) list.push(p);
    else groups.set(k, [p]);
  }
  return cluster.nodes.map((node) => {
    const all = [...byNode.get(node.name)!.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const shown = new Set<Pod>();
    for (const [, pods] of all) for (const p of pods) if (mustShow.has(`${p.namespace}/${p.name}`)) shown.add(p);
    for (const [, pods] of all) for (const p of pods) if (shown.size < MAX_PODS_SHOWN) shown.add(p);
    const groups: PodGroup[] = [];
    const hidden: Pod[] = [];
    let hiddenGroups = 0;
    for (const [key, pods] of all) {
      const visible = pods.filter((p) => shown.has(p));
      if (visible.length) groups.push({ key, pods: visible });
      if (visible.length < pods.length) {
        hidden.push(...pods.filter((p) => !shown.has(p)));
        hiddenGroups++;
      }
    }
    return { node, groups, hidden, hiddenGroups };
  });
}

export function nodeHeight(c: NodeContent): number {
  const groups = c.groups.reduce((h, g) => h + ROW * (g.pods.length + 1) + 10, 0);
  return PODS_TOP + groups + (c.hidden.length ? ROW + 6 : 0) + 4;
}

/**
 * Characters a node's pod row gets: at least `min`, at most `max` (past them a pod's name is cut,
 * its row's tooltip whole); `tight` when a path's callouts need the room beside the nodes.
 */
export const ROW_CHARS = { min: 44, max: 58, tight: 32 } as const;

/** The width every node box gets: enough for the longest pod row, within bounds (`most` characters). */
export function nodeWidth(contents: readonly NodeContent[], most: number = ROW_CHARS.max): number {
  let chars = Math.min(ROW_CHARS.min, most);
  for (const c of contents)
    for (const g of c.groups)
      for (const p of g.pods) chars = Math.max(chars, [...p.name].length + 2 + formatIpv4(p.ip).length);
  return Math.min(Math.ceil(Math.min(chars, most) * 0.6 * FONT.label) + 70, 460);
}

/** The first of the texts that fits `chars` whole, else the last one cut. */
function firstFit(texts: readonly string[], chars: number): string {
  return texts.find((t) => [...t].length <= chars) ?? fit(texts.at(-1)!, chars);
}

export interface NodeDrawing {
  boxes: Box[];
  lines: Line[];
  labels: Label[];
  places: [string, Place][];
  eth0X: number;
  wg0X: number;
}

export function drawNode(
  cluster: Cluster,
  c: NodeContent,
  x: number,
  y: number,
  w: number,
  h: number,
  services: ReadonlyMap<string, readonly string[]>,
): NodeDrawing {
  const n = c.node;
  const id = safeId("node", n.name);
  const boxes: Box[] = [];
  const lines: Line[] = [];
  const labels: Label[] = [];
  const places: [string, Place][] = [];
  const inner = w - 2 * PAD;
  boxes.push({ id, cls: "node", x, y, w, h, rx: 8, layer: "back", tip: `node ${n.name} ${formatIpv4(n.ip)}` });
  // eth0 (left) and wg0 (right), each on its own wire up to the underlay / overlay bus.
  const eth0Text = `eth0 ${formatIpv4(n.ip)}`;
  const wgAddr = n.wireguard.address !== undefined ? ` ${formatIpv4(n.wireguard.address)}` : "";
  const wg0Text = `wg0${wgAddr} :${cluster.overlay.listenPort}`;
  const eth0 = { x: x + PAD, y: y + 28, w: textWidth(eth0Text, FONT.label) + 16, h: 22 };
  const wg0 = {
    x: x + w - PAD - (textWidth(wg0Text, FONT.label) + 16),
    y: y + 28,
    w: textWidth(wg0Text, FONT.label) + 16,
    h: 22,
  };
  boxes.push({ id: `${id}-eth0`, cls: "device eth0", ...eth0, rx: 3, layer: "front" });
  labels.push({
    id: `${id}-eth0-l`,
    cls: "device-label",
    x: eth0.x + eth0.w / 2,
    y: eth0.y + 15,
    text: eth0Text,
    size: FONT.label,
    anchor: "middle",
  });
  boxes.push({ id: `${id}-wg0`, cls: "device wg0", ...wg0, rx: 3, layer: "front" });
  labels.push({
    id: `${id}-wg0-l`,
    cls: "device-label",
    x: wg0.x + wg0.w / 2,
    y: wg0.y + 15,
    text: wg0Text,
    size: FONT.label,
    anchor: "middle",
  });

  const stack = { x: x + PAD, y: y + 64, w: inner, h: 22 };
  boxes.push({ id: `${id}-stack`, cls: "device stack", ...stack, rx: 3, layer: "front" });
  labels.push({
    id: `${id}-stack-l`,
    cls: "device-label",
    x: stack.x + 8,
    y: stack.y + 15,
    text: firstFit(
      ["IP stack: routes + iptables (kube-proxy)", "IP stack: routes + kube-proxy", "IP stack"],
      charsIn(inner - 16, FONT.label),
    ),
    size: FONT.label,
    anchor: "start",
  });

  const bridge = { x: x + PAD, y: y + 98, w: inner, h: 22 };
  boxes.push({ id: `${id}-bridge0`, cls: "device bridge0", ...bridge, rx: 3, layer: "front" });
  // Narrow, the bridge's address and the podCIDR's length say the same as address and podCIDR.
  const bridgeTexts = [
    `bridge0 ${formatIpv4(n.bridgeIp)} · ${n.podCidr.text}`,
    `bridge0 ${formatIpv4(n.bridgeIp)}/${n.podCidr.length}`,
  ];
  labels.push({
    id: `${id}-bridge0-l`,
    cls: "device-label",
    x: bridge.x + 30,
    y: bridge.y + 15,
    text: firstFit(bridgeTexts, charsIn(inner - 38, FONT.label)),
    size: FONT.label,
    anchor: "start",
  });

  const ex = eth0.x + eth0.w / 2;
  const wx = wg0.x + wg0.w / 2;
  // The header sits between the wires that come down to eth0 and wg0, clear of the paths drawn
  // beside them (branches side by side and each reply run up to 16 px right of a wire).
  const zone = n.labels["topology.kubernetes.io/zone"];
  const head = fit(zone ? `${n.name} · ${zone}` : n.name, charsIn(wx - ex - 36, FONT.title));
  labels.push({
    id: `${id}-name`,
    cls: "node-name",
    x: ex + 18,
    y: y + 18,
    text: head,
    size: FONT.title,
    anchor: "start",
  });
  lines.push({
    id: `${id}-eth0-stack`,
    cls: "wire",
    points: [
      { x: ex, y: eth0.y + eth0.h },
      { x: ex, y: stack.y },
    ],
  });
  lines.push({
    id: `${id}-wg0-stack`,
    cls: "wire",
    points: [
      { x: wx, y: wg0.y + wg0.h },
      { x: wx, y: stack.y },
    ],
  });
  lines.push({
    id: `${id}-stack-bridge0`,
    cls: "wire",
    points: [
      { x: x + w / 2, y: stack.y + stack.h },
      { x: x + w / 2, y: bridge.y },
    ],
  });
  places.push([`${n.name}/eth0`, { rect: eth0, wide: false }]);
  places.push([`${n.name}/wg0`, { rect: wg0, wide: false }]);
  places.push([n.name, { rect: stack, wide: true }]);
  places.push([`${n.name}/bridge0`, { rect: bridge, wide: true }]);

  // Pods hang off bridge0 on their veth ports, down the left side.
  const portX = x + PAD + 14;
  let py = y + PODS_TOP;
  let lastPortY = bridge.y + bridge.h;
  const rowW = w - 2 * PAD - 20;
  const rowX = x + PAD + 20;
  const port = (pid: string, ry: number) => {
    const r = { x: portX - 4, y: ry - 4, w: 8, h: 8 };
    boxes.push({ id: `${pid}-veth`, cls: "device veth", ...r, rx: 1, layer: "front" });
    lines.push({
      id: `${pid}-veth-l`,
      cls: "wire",
      points: [
        { x: portX + 4, y: ry },
        { x: rowX, y: ry },
      ],
    });
    lastPortY = ry;
    return r;
  };
  for (const g of c.groups) {
    const gid = safeId("group", n.name, g.key);
    const gh = ROW * (g.pods.length + 1) + 4;
    const chips = [...new Set(g.pods.flatMap((p) => services.get(`${p.namespace}/${p.name}`) ?? []))];
    const tip = `${g.key}${chips.length ? ` · svc ${chips.join(", ")}` : ""}`;
    boxes.push({ id: gid, cls: "pod-group", x: rowX, y: py, w: rowW, h: gh, rx: 4, layer: "back", tip });
    const chipText = chips.length ? fit(`svc ${chips.join(", ")}`, Math.floor(charsIn(rowW, FONT.small) / 2)) : "";
    const titleChars = charsIn(rowW - 14 - (chipText ? textWidth(chipText, FONT.small) + 10 : 0), FONT.small);
    labels.push({
      id: `${gid}-t`,
      cls: "group-title",
      x: rowX + 6,
      y: py + 12,
      text: fit(g.key, titleChars),
      size: FONT.small,
      anchor: "start",
    });
    if (chipText)
      labels.push({
        id: `${gid}-svc`,
        cls: "chip",
        x: rowX + rowW - 6,
        y: py + 12,
        text: chipText,
        size: FONT.small,
        anchor: "end",
      });
    let ry = py + ROW;
    for (const p of g.pods) {
      const pid = safeId("pod", p.namespace, p.name);
      const ip = formatIpv4(p.ip);
      const podRect = { x: rowX + 2, y: ry + 1, w: rowW - 4, h: ROW - 2 };
      boxes.push({
        id: pid,
        cls: p.ready ? "pod" : "pod not-ready",
        ...podRect,
        rx: 2,
        layer: "front",
        tip: `pod ${p.namespace}/${p.name} ${ip}`,
      });
      const nameChars = charsIn(rowW - 20 - textWidth(ip, FONT.label), FONT.label);
      labels.push({
        id: `${pid}-n`,
        cls: "pod-name",
        x: rowX + 6,
        y: ry + 12,
        text: fit(p.name, nameChars),
        size: FONT.label,
        anchor: "start",
      });
      labels.push({
        id: `${pid}-ip`,
        cls: "pod-ip",
        x: rowX + rowW - 6,
        y: ry + 12,
        text: ip,
        size: FONT.label,
        anchor: "end",
      });
      const vr = port(pid, ry + ROW / 2);
      places.push([`pod/${p.namespace}/${p.name}`, { rect: podRect, wide: false }]);
      places.push([`${n.name}/${p.veth}`, { rect: vr, wide: false }]);
      ry += ROW;
    }
    py += gh + 6;
  }
  if (c.hidden.length) {
    const mid = safeId("more", n.name);
    const moreRect = { x: rowX, y: py, w: rowW, h: ROW };
    boxes.push({ id: mid, cls: "pod more", ...moreRect, rx: 4, layer: "front" });
    const what =
      `+${c.hidden.length} more pod${c.hidden.length > 1 ? "s" : ""} in ${c.hiddenGroups} ` +
      `workload${c.hiddenGroups > 1 ? "s" : ""}`;
    labels.push({
      id: `${mid}-l`,
      cls: "muted",
      x: rowX + 6,
      y: py + 12,
      text: fit(what, charsIn(rowW - 12, FONT.small)),
      size: FONT.small,
      anchor: "start",
    });
    const vr = port(mid, py + ROW / 2);
    for (const p of c.hidden) {
      places.push([`pod/${p.namespace}/${p.name}`, { rect: moreRect, wide: false }]);
      places.push([`${n.name}/${p.veth}`, { rect: vr, wide: false }]);
    }
  }
  if (c.groups.length || c.hidden.length)
    lines.push({
      id: `${id}-veths`,
      cls: "wire",
      points: [
        { x: portX, y: bridge.y + bridge.h },
        { x: portX, y: lastPortY - 4 },
      ],
    });
  return { boxes, lines, labels, places, eth0X: ex, wg0X: wx };
}
