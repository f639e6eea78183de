// `--view path`: only the devices a request crosses, top to bottom, one row per hop: its number, the
// device (framed by its node while the path stays on one node), what happened there and the header
// rewrite. 860 px wide with no text under 11 px, so a README's 880 px column shows it unscaled.
// Several branches: the hops they all share once, then each branch's own hops under its heading;
// each reply after its branch, its arrows dashed.
import { formatIpv4 } from "../model/address.ts";
import type { Cluster } from "../model/cluster.ts";
import { formatProbability } from "../output/trace-text.ts";
import { type Branch, type Hop, isSuccess, type Trace } from "../trace/types.ts";
import { branchTree, mainStep, rewriteText } from "./branch-tree.ts";
import { safeId } from "./geometry.ts";
import { branchClass } from "./legend.ts";
import type { PathOptions } from "./path.ts";
import type { Box, Label, Line, Scene } from "./scene.ts";
import { charsIn, fit, textWidth } from "./text.ts";

export const PATH_VIEW_WIDTH = 860;
const M = 20;
const ROW = 38;
const BADGE_X = M;
const FRAME_X = M + 30;
const DEV_X = FRAME_X + 12;
const DEV_W = 290;
const TEXT_X = DEV_X + DEV_W + 14;
const TEXT_R = PATH_VIEW_WIDTH - M - 8;
const BIG = 12;
const SMALL = 11;

const DEVICE_CLS: Record<Hop["at"]["kind"], string> = {
  nic: "device eth0",
  wg: "device wg0",
  host: "device stack",
  bridge: "device bridge0",
  veth: "device veth",
  pod: "pod",
  underlay: "device bus-hop",
  client: "outside client",
  lb: "outside lb",
};

/** The device's name; inside its node's frame, without the node's. */
function deviceName(h: Hop): string {
  const at = h.at;
  if (at.kind === "host") return "IP stack (routes + iptables)";
  if (at.kind === "pod") return `pod ${at.namespace}/${at.name}`;
  return "node" in at ? h.location.slice(at.node.length + 1) : h.location;
}

interface Row {
  readonly hop: Hop;
  readonly n: number;
  /** `K:I` tokens of every branch this row stands for. */
  readonly tokens: string;
  readonly cls: string;
  readonly reply: boolean;
}

export function pathViewScene(
  cluster: Cluster,
  trace: Trace,
  chosen: readonly number[] | undefined,
  options: PathOptions = {},
): Scene {
  const picked = chosen ?? trace.branches.map((_, i) => i + 1);
  const branches = picked.map((k) => ({ k, b: trace.branches[k - 1]! }));
  const tree = branchTree(branches);
  const boxes: Box[] = [];
  const frames: Box[] = [];
  const lines: Line[] = [];
  const labels: Label[] = [];
  const nodeIp = new Map(cluster.nodes.map((n) => [n.name, formatIpv4(n.ip)]));
  const r = trace.request;
  let y = M + 16;
  const text = (id: string, x: number, t: string, cls: string, size: number, width = TEXT_R - x) =>
    labels.push({ id, cls, x, y, text: fit(t, charsIn(width, size)), size, anchor: "start" });
  text(
    "pv-title",
    M,
    `${r.http ? `${r.http.method} ${r.http.url}` : `${r.proto} ${r.to}`} from ${r.from}`,
    "title",
    14,
  );
  y += 20;
  text("pv-sub", M, `${r.proto} ${r.src}:${r.sport} → ${r.dst}:${r.dport}, ${r.size} bytes`, "muted", SMALL);
  y += 14;

  const section = (id: string, heading: string | undefined, rows: Row[]) => {
    if (heading) {
      y += 8;
      text(id, M, heading, "legend-branch", BIG);
      y += 6;
    }
    y = drawRows(rows, { boxes, frames, lines, labels }, nodeIp, y);
  };
  // The hops every chosen branch shares, then each branch's own (and its reply).
  const first = branches[0]!;
  const common = first.b.hops.findIndex((_, i) => tree.sharers(first.k, i + 1).length < branches.length);
  const prefix = branches.length > 1 ? (common < 0 ? first.b.hops.length : common) : 0;
  if (prefix)
    section(
      "pv-shared",
      `every branch (${branches.length}):`,
      first.b.hops.slice(0, prefix).map((hop, i) => row(hop, i + 1, picked, "shared", false)),
    );
  for (const { k, b } of branches) {
    const heading =
      branches.length > 1
        ? `branch ${k} · p ${formatProbability(b.probability)}${b.choices.length ? ` · ${b.choices.join("; ")}` : ""}`
        : undefined;
    section(
      `pv-b${k}`,
      heading,
      b.hops.slice(prefix).map((hop, i) => row(hop, prefix + i + 1, [k], branchClass(k), false)),
    );
    y = end(k, b, branches.length > 1, { boxes, labels }, y);
    if (options.reply !== false && b.reply?.hops.length)
      section(
        `pv-r${k}`,
        `reply of branch ${k} (dashed) · ${b.reply.disposition}`,
        b.reply.hops.map((hop, i) => row(hop, i + 1, [k], branchClass(k), true)),
      );
  }
  return {
    width: PATH_VIEW_WIDTH,
    height: Math.ceil(y + M),
    title: `Path of ${r.from} -> ${r.to}`,
    desc:
      `The devices a request crosses, one row per hop, for ${branches.length} ` +
      `branch${branches.length > 1 ? "es" : ""}.`,
    boxes: frames,
    lines: [],
    labels: [],
    places: new Map(),
    overlay: { boxes, lines, labels },
    underlay: { trunkX: 0, rows: [] },
  };
}

function row(hop: Hop, n: number, ks: readonly number[], cls: string, reply: boolean): Row {
  return { hop, n, tokens: ks.map((k) => `${k}:${reply ? "r" : ""}${n}`).join(" "), cls, reply };
}

/** The rows of one section, node frames around runs of hops on one node; returns the y under them. */
function drawRows(
  rows: readonly Row[],
  out: { boxes: Box[]; frames: Box[]; lines: Line[]; labels: Label[] },
  nodeIp: ReadonlyMap<string, string>,
  top: number,
): number {
  let y = top;
  let frame: { node: string; y: number } | undefined;
  const closeFrame = () => {
    if (!frame) return;
    out.frames.push({
      id: safeId("pv-frame", frame.node, String(frame.y)),
      cls: "node",
      x: FRAME_X,
      y: frame.y,
      w: PATH_VIEW_WIDTH - M - FRAME_X,
      h: y - frame.y + 4,
      rx: 8,
      layer: "back",
      tip: `node ${frame.node}`,
    });
    y += 10;
    frame = undefined;
  };
  let prevBottom: number | undefined;
  const ids = rows[0] ? `${rows[0].tokens.split(" ")[0]}` : "";
  rows.forEach((r, i) => {
    const node = r.hop.at.kind === "pod" ? r.hop.at.node : "node" in r.hop.at ? r.hop.at.node : undefined;
    if (frame && frame.node !== node) closeFrame();
    if (node && !frame) {
      frame = { node, y };
      out.labels.push({
        id: safeId("pv-node", ids, String(i)),
        cls: "node-name",
        x: PATH_VIEW_WIDTH - M - 12,
        y: y + 16,
        text: fit(`${node}${nodeIp.has(node) ? ` · ${nodeIp.get(node)}` : ""}`, 40),
        size: BIG,
        anchor: "end",
      });
      y += 22;
    }
    const id = safeId("pv", r.reply ? "r" : "", r.tokens.split(" ")[0]!);
    const dev = { x: DEV_X, y: y + 4, w: DEV_W, h: ROW - 10 };
    const data = { hop: r.tokens, place: r.hop.location };
    if (prevBottom !== undefined)
      out.lines.push({
        id: `${id}-in`,
        cls: `path ${r.cls}${r.reply ? " reply" : ""}`,
        points: [
          { x: DEV_X + 30, y: prevBottom },
          { x: DEV_X + 30, y: dev.y },
        ],
        arrow: r.cls,
        data,
      });
    out.boxes.push({
      id: `${id}-badge`,
      cls: `badge ${r.cls}`,
      x: BADGE_X,
      y: dev.y + 5,
      w: 26,
      h: 18,
      rx: 9,
      layer: "front",
      data,
    });
    out.labels.push({
      id: `${id}-n`,
      cls: "badge-text",
      x: BADGE_X + 13,
      y: dev.y + 18,
      text: fit(`${r.reply ? "r" : ""}${r.n}`, 3),
      size: SMALL,
      anchor: "middle",
    });
    const name = deviceName(r.hop);
    const main = mainStep(r.hop);
    const rewrite = r.hop.steps.map(rewriteText).find((t) => t);
    const what = main ? `${main.action} ${main.reason}` : "";
    const tip = `${r.hop.location}: ${what}`;
    out.boxes.push({ id, cls: `${DEVICE_CLS[r.hop.at.kind]} hop-device`, ...dev, rx: 4, layer: "front", tip, data });
    out.labels.push({
      id: `${id}-l`,
      cls: "device-label",
      x: DEV_X + 12,
      y: dev.y + 18,
      text: fit(name, charsIn(DEV_W - 20, BIG)),
      size: BIG,
      anchor: "start",
    });
    out.labels.push({
      id: `${id}-w`,
      cls: "hop-what",
      x: TEXT_X,
      y: dev.y + 12,
      text: fit(what, charsIn(TEXT_R - TEXT_X, SMALL)),
      size: SMALL,
      anchor: "start",
      data,
    });
    if (rewrite)
      out.labels.push({
        id: `${id}-rw`,
        cls: "callout-text nat",
        x: TEXT_X,
        y: dev.y + 26,
        text: fit(rewrite, charsIn(TEXT_R - TEXT_X, SMALL)),
        size: SMALL,
        anchor: "start",
        data,
      });
    prevBottom = dev.y + dev.h;
    y += ROW;
  });
  closeFrame();
  return y;
}

/** The branch's end, as a callout under its last row. */
function end(k: number, b: Branch, many: boolean, out: { boxes: Box[]; labels: Label[] }, y: number): number {
  const ok = isSuccess(b.disposition);
  const words = b.http
    ? `HTTP ${b.http.status}${b.http.pod ? ` from ${b.http.pod}` : ""}`
    : `${b.disposition} · ${b.reason}`;
  const t = fit(
    `${many ? `${k}: ` : ""}${ok ? "" : "FAILS here: "}${words}`,
    charsIn(PATH_VIEW_WIDTH - 2 * M - 12, SMALL),
  );
  const w = textWidth(t, SMALL) + 12;
  const cls = ok ? "end ok" : "end fail";
  const data = { hop: `${k}:${b.hops.length}` };
  out.boxes.push({ id: `pv-end-${k}`, cls: `callout ${cls}`, x: M, y: y + 2, w, h: 18, rx: 3, layer: "front", data });
  out.labels.push({
    id: `pv-end-${k}-t`,
    cls: `callout-text ${cls}`,
    x: M + 6,
    y: y + 15,
    text: t,
    size: SMALL,
    anchor: "start",
    data,
  });
  return y + 28;
}
