// The readable form of a trace: what was asked, the branches it split into, and the shown branches
// hop by hop, fitted to the terminal's width. Every name from the user's files is printed escaped.
import type { Branch, Leg, Trace } from "../trace/types.ts";
import { isSuccess } from "../trace/types.ts";
import { fitLine, fitText, hang, type Piece } from "./fit.ts";
import { formatDiagnostic } from "./diagnostics.ts";
import { safe } from "./terminal.ts";
import { branchHops, type Layout } from "./trace-hops.ts";

export interface TraceTextOptions {
  /** The width to fit (default 100); `Infinity` for text that is never cut or wrapped (logs, reports). */
  columns?: number;
  /** Every step of every hop, with its rule in brackets and its header diff in braces. */
  verbose?: boolean;
  /** ANSI colour; never when false. */
  color?: boolean;
  /**
   * The user chose the branches (`--branch`, `--seed`, `--all`): print those. Otherwise a trace of
   * several branches prints the first in full and says how to see the others.
   */
  picked?: boolean;
}

const DEFAULT_COLUMNS = 100;
/** Narrower than this and nothing useful fits on a hop line; such a terminal gets lines this wide. */
const MIN_COLUMNS = 40;

/** `show`: the 1-based branches to print in full (default all); the branch table always lists every one. */
export function traceText(
  t: Trace,
  show: readonly number[] = t.branches.map((_, i) => i + 1),
  options: TraceTextOptions = {},
): string {
  const asked = options.columns ?? DEFAULT_COLUMNS;
  const layout: Layout = {
    columns: Number.isNaN(asked) ? DEFAULT_COLUMNS : Math.max(MIN_COLUMNS, Math.floor(asked)),
    color: options.color ?? false,
    verbose: options.verbose ?? false,
  };
  const full = options.picked ? show : show.slice(0, 1);
  const lines = requestLines(t, layout);
  if (t.branches.length > 1) lines.push("", ...branchTable(t, full.length < t.branches.length ? full : [], layout));
  for (const k of full) {
    const b = t.branches[k - 1];
    if (b) lines.push("", ...branchLines(b, k, t.branches.length, layout, t.request.http));
  }
  const hidden = t.branches.length - full.length;
  if (!options.picked && hidden > 0) lines.push("", ...hint(hidden, layout));
  for (const d of t.diagnostics)
    lines.push(...hang("", [{ text: formatDiagnostic(d) }], 2, layout.columns, layout.color));
  return `${lines.join("\n")}\n`;
}

/** What was asked: the endpoints, the HTTP request and how its host resolved, and the first packet. */
function requestLines(t: Trace, layout: Layout): string[] {
  const r = t.request;
  const port = (p: number) => (r.proto === "icmp" ? "" : `:${p}`);
  const texts = [`trace ${safe(r.from)} -> ${safe(r.to)}`];
  if (r.http)
    texts.push(`  ${safe(`${r.http.method} ${r.http.scheme}://${r.http.host}${r.http.path}; ${r.http.resolved}`)}`);
  texts.push(`  ${r.proto} ${r.src}${port(r.sport)} -> ${r.dst}${port(r.dport)}, ${r.size} bytes`);
  return texts.flatMap((text) => fitText(text, layout.columns, layout.verbose, 4));
}

function dispositionStyle(leg: Leg): "good" | "bad" {
  return isSuccess(leg.disposition) ? "good" : "bad";
}

/**
 * One row per branch: how likely, how it ended, and under it the choices that made it this branch.
 * `marked` branches (the ones printed in full, when not all are) carry a `>`.
 */
function branchTable(t: Trace, marked: readonly number[], layout: Layout): string[] {
  const digits = String(t.branches.length).length;
  const choiceIndent = 2 + digits + 2 + 9;
  const out = [`${t.branches.length} branches:`];
  t.branches.forEach((b, i) => {
    const reply = b.reply && b.reply.disposition !== "DELIVERED" ? `, reply ${b.reply.disposition}` : "";
    const client = b.http?.clientIP ? `, client IP seen: ${b.http.clientIP}` : "";
    const number = `${marked.includes(i + 1) ? ">" : " "} ${String(i + 1).padStart(digits)}.`;
    const ended = { text: `${b.disposition}${reply}:`, style: dispositionStyle(b) };
    const why = safe(`${b.reason}${client}`);
    if (layout.verbose)
      out.push(
        ...hang(
          `${number} ${formatProbability(b.probability).padEnd(8)} `,
          [ended, { text: why, gap: " " }],
          choiceIndent,
          layout.columns,
          layout.color,
        ),
      );
    else {
      const fields = [
        { text: number },
        { text: formatProbability(b.probability), pad: 8, gap: " " },
        { ...ended, gap: " " },
        { text: why, gap: " " },
      ];
      out.push(fitLine(fields, [{ field: 3, floor: 0 }], layout.columns, layout.color));
    }
    if (b.choices.length)
      out.push(
        ...fitText(
          `${" ".repeat(choiceIndent)}${safe(b.choices.join("; "))}`,
          layout.columns,
          layout.verbose,
          choiceIndent,
          "dim",
          layout.color,
        ),
      );
  });
  return out;
}

/** A branch in full: how it ended and why, what made it this branch, then its hops and its reply's. */
function branchLines(
  b: Branch,
  k: number,
  n: number,
  layout: Layout,
  client?: { readonly host: string; readonly path: string },
): string[] {
  const head: Piece[] = [
    { text: `branch ${k} of ${n}` },
    { text: `probability ${formatProbability(b.probability)}` },
    { text: `${b.disposition}:`, style: dispositionStyle(b) },
    { text: safe(b.reason), gap: " " },
  ];
  const lines = hang("", head, 2, layout.columns, layout.color);
  if (b.choices.length)
    lines.push(...hang("  because ", [{ text: safe(b.choices.join("; ")) }], 4, layout.columns, layout.color));
  if (b.rule) lines.push(...hang("  decided by: ", [{ text: safe(b.rule) }], 4, layout.columns, layout.color));
  const up = b.http?.upstream;
  // The request the pod receives, shown when the controller changed what the client asked for.
  if (up && client && (up.path !== client.path || up.host.toLowerCase().replace(/:\d+$/, "") !== client.host))
    lines.push(
      ...hang(
        "  upstream request: ",
        [{ text: safe(`${up.method} ${up.path} (Host: ${up.host})`) }],
        4,
        layout.columns,
        layout.color,
      ),
    );
  const replyHeader = (reply: Leg) =>
    hang(
      "  reply  ",
      [
        { text: `${reply.disposition}:`, style: dispositionStyle(reply) },
        { text: safe(reply.reason), gap: " " },
      ],
      4,
      layout.columns,
      layout.color,
    );
  return [...lines, ...branchHops(b, layout, replyHeader)];
}

/** After the first of several branches: how to see the rest. */
function hint(hidden: number, layout: Layout): string[] {
  const more = hidden === 1 ? "1 more branch is" : `${hidden} more branches are`;
  const verbose = layout.verbose ? "" : ", --verbose every step";
  return hang(
    "",
    [{ text: `${more} in the table above: --branch K shows branch K, --all every branch${verbose}` }],
    0,
    layout.columns,
    layout.color,
  );
}

export function formatProbability(p: number): string {
  return Number(p.toFixed(6)).toString();
}
