// What the layout produces and the renderer draws: boxes, lines and labels with absolute
// coordinates, plus where each device of a trace sits. Plain data, no DOM.
import type { Point, Rect } from "./geometry.ts";
import type { Anchor } from "./text.ts";

export interface Box extends Rect {
  readonly id: string;
  /** CSS classes: `node`, `device eth0`, `pod-group`, `service`, ... */
  readonly cls: string;
  readonly rx?: number;
  /** Containers are drawn first, devices over the links that join them. */
  readonly layer: "back" | "front";
  /** A tooltip (`<title>`), e.g. a pod's full name when its label is cut. */
  readonly tip?: string;
  /** `data-*` attributes: `hop` (`K:I` tokens, branch K's hop I; `K:rI` for its reply), `place`, `branch`. */
  readonly data?: Readonly<Record<string, string>>;
}

export interface Line {
  readonly id: string;
  readonly cls: string;
  readonly points: readonly Point[];
  /** An arrowhead at the end, coloured as its marker says: a branch's class (`b1`...) or `plain`. */
  readonly arrow?: string;
  readonly data?: Readonly<Record<string, string>>;
  readonly tip?: string;
}

export interface Label {
  readonly id: string;
  readonly cls: string;
  /** The baseline's start, middle or end, as SVG's text-anchor says. */
  readonly x: number;
  readonly y: number;
  readonly text: string;
  readonly size: number;
  readonly anchor: Anchor;
  readonly data?: Readonly<Record<string, string>>;
}

/** A device a hop can be at: its box, and whether a path may enter it anywhere along its width. */
export interface Place {
  readonly rect: Rect;
  readonly wide: boolean;
  /** Where the device meets the underlay bus: its x, and the bus's y. */
  readonly bus?: { readonly x: number; readonly y: number; readonly row: number };
}

export interface Scene {
  width: number;
  height: number;
  title: string;
  desc: string;
  boxes: Box[];
  lines: Line[];
  labels: Label[];
  /** Hop location (`node-1/wg0`, `pod/shop/web-x`, `lb/edge`, ...) -> where it is drawn. */
  places: Map<string, Place>;
  /** Drawn over everything else: a trace's path, its hop numbers and callouts, the legend. */
  overlay?: { boxes: Box[]; lines: Line[]; labels: Label[] };
  /** The node grid: each drawn node's column, and how many columns there are. */
  grid?: { readonly columns: ReadonlyMap<string, number>; readonly count: number };
  /** The underlay: one bus per row of nodes, joined by a trunk at `trunkX`. */
  underlay: { readonly trunkX: number; readonly rows: readonly number[] };
}
