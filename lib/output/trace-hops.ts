// A branch's hops as text. By default one line per hop, as mtr prints them: where, the step that
// decided what happened there, how the headers changed across the hop, and why. Verbose: every
// step, with the deciding rule in brackets and the header diff in braces.
import type { Branch, Hop, Leg, Step } from "../trace/types.ts";
import { isSuccess } from "../trace/types.ts";
import { type Field, fitLine, type Give, hang, type Piece } from "./fit.ts";
import { stepChangesText } from "./header-change.ts";
import { decidingStep, headerChange } from "./hop-summary.ts";
import { cutMiddle, paint, safe, type Style, width } from "./terminal.ts";

export interface Layout {
  columns: number;
  color: boolean;
  verbose: boolean;
}

/** Column widths shared by the request and the reply, so the two read as one table. */
interface Columns {
  location: number;
  action: number;
}

// Locations get a column as wide as the longest, unless that would leave the reasons too little: then
// the longest names are cut in the middle (a pod's hash suffix survives). On a narrow terminal the
// reasons keep REASON_MIN columns; as it widens, locations grow first, up to LOCATION_FIRST columns,
// then both, the reasons to REASON_SHARE of the line.
const REASON_MIN = 20;
const REASON_SHARE = 0.45;
const LOCATION_FIRST = 33;
const LOCATION_MIN = 12;
const VERBOSE_LOCATION_SHARE = 0.3;
const VERBOSE_TEXT_MIN = 72;
/** Longer actions overflow their column on their own line rather than widen every line. */
const ACTION_MAX = 16;
/** Hop number, location, action: the two-space gaps between and after them. */
const FIXED = 3 + 2 + 2 + 2;

function columnsFor(branch: Branch, layout: Layout): Columns {
  const legs = [branch, ...(branch.reply ? [branch.reply] : [])];
  const hops = legs.flatMap((leg) => leg.hops.map((h, i) => ({ h, leg, i })));
  const longest = (xs: string[]) => Math.max(0, ...xs.map(width));
  const locations = longest(hops.map((x) => safe(x.h.location)));
  const actions = hops.flatMap((x) =>
    layout.verbose ? x.h.steps.map((s) => safe(s.action)) : [compactAction(x.h, x.leg, x.i).text],
  );
  const action = Math.min(longest(actions), ACTION_MAX);
  const rest = layout.columns - FIXED - action;
  if (layout.verbose) {
    // Every location is printed whole: one too wide for its column takes a line of its own, and when
    // the column would leave the text too narrow to read, every location does.
    const location = Math.min(locations, Math.floor(layout.columns * VERBOSE_LOCATION_SHARE));
    return { location: rest - location < VERBOSE_TEXT_MIN ? 0 : location, action };
  }
  if (rest === Infinity) return { location: locations, action };
  const reasons = Math.min(Math.floor(layout.columns * REASON_SHARE), Math.max(REASON_MIN, rest - LOCATION_FIRST));
  return { location: Math.min(locations, Math.max(LOCATION_MIN, rest - reasons)), action };
}

function failedAt(leg: Leg, i: number): boolean {
  return !isSuccess(leg.disposition) && i === leg.hops.length - 1;
}

/** How the step's action is coloured: red where the leg failed, green where it succeeded. */
function actionStyle(s: Step, leg: Leg, i: number, j: number): Style {
  if (s.type === "drop" || (failedAt(leg, i) && j === leg.hops[i]!.steps.length - 1)) return "bad";
  return isSuccess(leg.disposition) && i === leg.hops.length - 1 && j === leg.hops[i]!.steps.length - 1
    ? "good"
    : "plain";
}

function compactAction(hop: Hop, leg: Leg, i: number): { step?: Step; j: number; text: string } {
  const j = decidingStep(hop, failedAt(leg, i));
  const step = hop.steps[j];
  const more = hop.steps.length - 1;
  return { ...(step ? { step } : {}), j, text: step ? `${safe(step.action)}${more > 0 ? ` +${more}` : ""}` : "" };
}

// When a hop line is still too wide the reason gives way first (it comes last, so it is cut at its
// end), then the header change; the location and the action go last.
function hopLine(hop: Hop, leg: Leg, i: number, cols: Columns, layout: Layout): string {
  const { step, j, text } = compactAction(hop, leg, i);
  const change = headerChange(hop);
  const fields: Field[] = [
    { text: String(i + 1).padStart(3) },
    { text: cutMiddle(safe(hop.location), cols.location), style: "strong", cut: "middle", pad: cols.location },
    { text, style: step ? actionStyle(step, leg, i, j) : "plain", pad: cols.action },
    { text: change ? safe(change) : "" },
    { text: step ? safe(step.reason) : "", style: "dim" },
  ];
  const order: Give[] = [
    { field: 4, floor: 0 },
    { field: 3, floor: 0 },
    { field: 1, floor: LOCATION_MIN },
    { field: 2, floor: 4 },
  ];
  return fitLine(fields, order, layout.columns, layout.color);
}

/**
 * Every step of the hop: its action, its reason, the rule in brackets and the header diff in braces,
 * wrapped under the reason's column. A location wider than its column gets a line of its own.
 */
function stepLines(hop: Hop, leg: Leg, i: number, cols: Columns, layout: Layout): string[] {
  const { columns, color } = layout;
  const location = safe(hop.location);
  const number = String(i + 1).padStart(3);
  const alone = width(location) > cols.location;
  const lines = alone ? hang(`${number}  `, [{ text: location, style: "strong" }], 5, columns, color) : [];
  const textColumn = 5 + (cols.location ? cols.location + 2 : 0) + cols.action + 2;
  hop.steps.forEach((s, j) => {
    const here = j === 0 && !alone ? location : "";
    const where = cols.location ? `${paint(here, "strong", color)}${" ".repeat(cols.location - width(here))}  ` : "";
    const action = safe(s.action);
    const pad = " ".repeat(Math.max(0, cols.action - width(action)));
    const prefix = `${here ? number : "   "}  ${where}${paint(action, actionStyle(s, leg, i, j), color)}${pad}  `;
    const pieces: Piece[] = [
      { text: safe(s.reason), style: "dim" },
      { text: s.rule ? `[${safe(s.rule)}]` : "", keep: true },
      { text: s.changes?.length ? `{${safe(stepChangesText(s))}}` : "", keep: true },
    ];
    lines.push(...hang(prefix, pieces, textColumn, columns, color));
  });
  return lines;
}

/** The hops of a leg, with a separator where the L7 proxy's second connection begins. */
function legLines(leg: Leg, cols: Columns, layout: Layout): string[] {
  const out: string[] = [];
  leg.hops.forEach((h, i) => {
    if (h.segment !== undefined && h.segment !== leg.hops[i - 1]?.segment)
      out.push(`     -- connection ${h.segment} --`);
    out.push(...(layout.verbose ? stepLines(h, leg, i, cols, layout) : [hopLine(h, leg, i, cols, layout)]));
  });
  return out;
}

/** The request's hops, then the reply's under a line saying how the reply ended. */
export function branchHops(b: Branch, layout: Layout, replyHeader: (reply: Leg) => string[]): string[] {
  const cols = columnsFor(b, layout);
  const lines = legLines(b, cols, layout);
  if (b.reply) lines.push(...replyHeader(b.reply), ...legLines(b.reply, cols, layout));
  return lines;
}
