// kubehop diff: the same requests against two topologies; those whose outcome changed, with both traces.
import { traceText } from "../output/trace-text.ts";
import type { Topology } from "../topology.ts";
import { type BranchOutcome, changes, type Outcome, outcomeOf } from "./outcome.ts";
import type { DiffRequest } from "./requests.ts";

export interface Change {
  readonly request: DiffRequest;
  readonly before: Outcome;
  readonly after: Outcome;
  readonly changes: readonly { what: string; before: string; after: string }[];
}

export interface DiffResult {
  readonly compared: number;
  readonly changed: readonly Change[];
}

export function diffTopologies(before: Topology, after: Topology, requests: readonly DiffRequest[]): DiffResult {
  const changed: Change[] = [];
  for (const request of requests) {
    const a = outcomeOf(before, request);
    const b = outcomeOf(after, request);
    const c = changes(a, b);
    if (c.length) changed.push({ request, before: a, after: b, changes: c });
  }
  return { compared: requests.length, changed };
}

/** The report: one block per changed request: what changed, then each side's trace (summary and one branch in full). */
export function diffText(
  result: DiffResult,
  names: { before: string; after: string },
  options: { traces?: boolean } = {},
): string {
  const lines: string[] = [];
  for (const c of result.changed) {
    lines.push(`CHANGED  ${c.request.key}`);
    const width = Math.max(...c.changes.map((x) => x.what.length)) + 1;
    for (const x of c.changes) lines.push(`  ${`${x.what}:`.padEnd(width)}  ${x.before}  ->  ${x.after}`);
    if (options.traces === false) continue;
    for (const [side, mine, theirs] of [
      ["before", c.before, c.after],
      ["after", c.after, c.before],
    ] as const) {
      lines.push("", `  ${side} (${side === "before" ? names.before : names.after}):`);
      if (mine.error || !mine.trace) {
        lines.push(`    request not made: ${mine.error}`);
        continue;
      }
      const k = representative(mine.branches, theirs.branches);
      lines.push(
        ...traceText(mine.trace, [k], { picked: true, verbose: true, columns: Infinity })
          .trimEnd()
          .split("\n")
          .map((l) => (l ? `    ${l}` : l)),
      );
    }
    lines.push("");
  }
  if (options.traces === false && result.changed.length) lines.push("");
  lines.push(
    `${result.compared} requests compared, ${result.changed.length} changed (before: ${names.before}, ` +
      `after: ${names.after})`,
  );
  return `${lines.join("\n")}\n`;
}

/** 1-based: the first branch with an outcome the other side never has, else the first. */
function representative(mine: readonly BranchOutcome[], theirs: readonly BranchOutcome[]): number {
  const key = (b: BranchOutcome) => `${b.disposition}|${b.destination}|${b.clientIP}`;
  const other = new Set(theirs.map(key));
  const i = mine.findIndex((b) => !other.has(key(b)));
  return i < 0 ? 1 : i + 1;
}
