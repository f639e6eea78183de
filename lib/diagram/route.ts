// Where a branch's hops sit on the drawing, and the wires between them: straight down a node's
// stack of devices where the boxes line up, elbows where they do not, and along the underlay bus
// (through the trunk between rows of nodes) for the `underlay` hop.
import { type HopAt, nodeOf } from "../model/hop-at.ts";
import type { Hop } from "../trace/types.ts";
import type { Point, Rect } from "./geometry.ts";
import type { Place, Scene } from "./scene.ts";

export interface Leg {
  /** 1-based number of the hop the leg arrives at. */
  readonly to: number;
  readonly points: Point[];
}

export interface Stop {
  /** The hop's location key on the drawing (`underlay` stops get their own key per crossing). */
  readonly key: string;
  readonly hop: number;
  readonly rect: Rect;
  /** A crossing of the underlay: a point on a bus, not a device, so it gets no ring. */
  readonly onUnderlay: boolean;
  /** The node the device is on (a pod's node), if any. */
  readonly node?: string;
}

/** The node a hop's device belongs to; a pod's hop stands for the pod alone. */
function deviceNode(at: HopAt): string | undefined {
  return at.kind === "pod" ? undefined : nodeOf(at);
}

/** A hop's place, falling back to its node's IP stack for devices the drawing does not show. */
export function placeOf(scene: Scene, hop: Pick<Hop, "location" | "at">): Place | undefined {
  const node = deviceNode(hop.at);
  return scene.places.get(hop.location) ?? (node === undefined ? undefined : scene.places.get(node));
}

const cx = (r: Rect) => r.x + r.w / 2;
const cy = (r: Rect) => r.y + r.h / 2;
const within = (x: number, r: Rect) => x >= r.x + 4 && x <= r.x + r.w - 4;

/** From A to B, given where the path entered A. */
function direct(a: Place, b: Place, enterX: number): { points: Point[]; exitX: number } {
  const A = a.rect;
  const B = b.rect;
  const down = cy(B) > cy(A);
  const vertical = A.y + A.h <= B.y || B.y + B.h <= A.y;
  if (!vertical) {
    // Side by side (a veth port and its pod): a straight horizontal wire.
    const right = cx(B) > cx(A);
    const y = cy(B);
    return {
      points: [
        { x: right ? A.x + A.w : A.x, y },
        { x: right ? B.x : B.x + B.w, y },
      ],
      exitX: right ? B.x : B.x + B.w,
    };
  }
  const yA = down ? A.y + A.h : A.y;
  const yB = down ? B.y : B.y + B.h;
  const fromX = a.wide
    ? within(cx(B), A) && !b.wide
      ? cx(B)
      : Math.min(Math.max(enterX, A.x + 4), A.x + A.w - 4)
    : cx(A);
  const toX = b.wide ? (within(fromX, B) ? fromX : cx(B)) : cx(B);
  if (fromX === toX)
    return {
      points: [
        { x: fromX, y: yA },
        { x: toX, y: yB },
      ],
      exitX: toX,
    };
  const mid = (yA + yB) / 2;
  return {
    points: [
      { x: fromX, y: yA },
      { x: fromX, y: mid },
      { x: toX, y: mid },
      { x: toX, y: yB },
    ],
    exitX: toX,
  };
}

/**
 * From A down/up to the underlay bus, along it (and the trunk between rows), to B. `ax`/`bx`
 * shift the wire sideways, so leaving a device the way one came in runs beside the way in.
 */
function viaBus(scene: Scene, a: Place, b: Place, ax: number, bx: number): Point[] | undefined {
  if (!a.bus || !b.bus) return undefined;
  const x0 = a.bus.x + ax;
  const x1 = b.bus.x + bx;
  const start = { x: x0, y: a.bus.y < a.rect.y ? a.rect.y : a.rect.y + a.rect.h };
  const end = { x: x1, y: b.bus.y < b.rect.y ? b.rect.y : b.rect.y + b.rect.h };
  const pts: Point[] = [start, { x: x0, y: a.bus.y }];
  if (a.bus.row !== b.bus.row)
    pts.push({ x: scene.underlay.trunkX, y: a.bus.y }, { x: scene.underlay.trunkX, y: b.bus.y });
  pts.push({ x: x1, y: b.bus.y }, end);
  return pts;
}

/** The underlay attachment of a place: its own, or its node's eth0. */
function onBus(scene: Scene, at: HopAt, p: Place): Place {
  if (p.bus) return p;
  const node = deviceNode(at);
  const eth0 = node === undefined ? undefined : scene.places.get(`${node}/eth0`);
  return eth0?.bus ? { ...p, bus: eth0.bus } : p;
}

export function routeBranch(scene: Scene, hops: readonly Hop[]): { legs: Leg[]; stops: Stop[] } {
  const legs: Leg[] = [];
  const stops: Stop[] = [];
  let prev: { loc: string; at: HopAt; place: Place } | undefined;
  let pendingUnderlay: number[] = [];
  let enterX = 0;
  const busUses = new Map<string, number>();
  hops.forEach((h, i) => {
    const n = i + 1;
    if (h.at.kind === "underlay") {
      pendingUnderlay.push(n);
      return;
    }
    const place = placeOf(scene, h);
    if (!place) return;
    if (prev && pendingUnderlay.length) {
      // Each use of a device's bus wire after the first runs 8 px left of the last: away from the
      // node's title, which starts right of eth0's wire.
      const use = (loc: string) => {
        const n = busUses.get(loc) ?? 0;
        busUses.set(loc, n + 1);
        return -n * 8;
      };
      const pts = viaBus(
        scene,
        onBus(scene, prev.at, prev.place),
        onBus(scene, h.at, place),
        use(prev.loc),
        use(h.location),
      );
      if (pts) {
        legs.push({ to: n, points: pts });
        // The underlay stop sits on the bus, halfway along the run.
        const a = pts[1]!;
        const b = pts[pts.length - 2]!;
        const at = a.y === b.y ? { x: (a.x + b.x) / 2, y: a.y } : a;
        for (const u of pendingUnderlay)
          stops.push({
            key: `underlay@${Math.round(at.x)},${Math.round(at.y)}`,
            hop: u,
            rect: { x: at.x - 6, y: at.y - 6, w: 12, h: 12 },
            onUnderlay: true,
          });
        enterX = place.rect.x + place.rect.w / 2;
      }
    } else if (prev && prev.loc !== h.location) {
      const d = direct(prev.place, place, enterX);
      legs.push({ to: n, points: d.points });
      enterX = d.exitX;
    } else if (!prev) {
      enterX = place.rect.x + place.rect.w / 2;
    }
    pendingUnderlay = [];
    const node = h.at.kind === "pod" ? h.at.node : nodeOf(h.at);
    stops.push({ key: h.location, hop: n, rect: place.rect, onUnderlay: false, ...(node ? { node } : {}) });
    prev = { loc: h.location, at: h.at, place };
  });
  return { legs, stops };
}
