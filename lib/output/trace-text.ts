// The readable form of a trace: one line per step saying where, what, why and which header changed.
import type { Leg, Trace } from "../trace/types.ts";

/** `show`: the 1-based branches to print in full (default all); the summary always lists every one. */
export function traceText(t: Trace, show: readonly number[] = t.branches.map((_, i) => i + 1)): string {
  const r = t.request;
  const lines = [`trace ${r.from} -> ${r.to}`];
  if (r.http) lines.push(`  ${r.http.method} ${r.http.scheme}://${r.http.host}${r.http.path}; ${r.http.resolved}`);
  lines.push(`  ${r.proto} ${r.src}${r.proto === "icmp" ? "" : `:${r.sport}`} -> ${r.dst}${r.proto === "icmp" ? "" : `:${r.dport}`}, ${r.size} bytes`);
  if (t.branches.length > 1) lines.push("", ...summaryLines(t));
  t.branches.forEach((b, i) => {
    if (!show.includes(i + 1)) return;
    lines.push("");
    lines.push(`branch ${i + 1} of ${t.branches.length}  probability ${formatProbability(b.probability)}  ${b.disposition}: ${b.reason}`);
    if (b.choices.length) lines.push(`  because ${b.choices.join("; ")}`);
    if (b.rule) lines.push(`  decided by: ${b.rule}`);
    lines.push(...legLines(b));
    if (b.reply) {
      lines.push(`  reply  ${b.reply.disposition}: ${b.reply.reason}`);
      lines.push(...legLines(b.reply));
    }
  });
  for (const w of t.warnings) lines.push(`warning: ${w}`);
  return `${lines.join("\n")}\n`;
}

/** One line per branch: how likely, how it ended, and what made it this branch. */
function summaryLines(t: Trace): string[] {
  const width = String(t.branches.length).length;
  const out = [`${t.branches.length} branches:`];
  t.branches.forEach((b, i) => {
    const reply = b.reply && b.reply.disposition !== "DELIVERED" ? `, reply ${b.reply.disposition}` : "";
    const client = b.http?.clientIP ? `, client IP seen: ${b.http.clientIP}` : "";
    out.push(`  ${String(i + 1).padStart(width)}. ${formatProbability(b.probability).padEnd(8)} ${b.disposition}${reply}: ${b.reason}${client}`);
    if (b.choices.length) out.push(`  ${" ".repeat(width)}  ${" ".repeat(8)} ${b.choices.join("; ")}`);
  });
  return out;
}

function legLines(leg: Leg): string[] {
  const width = Math.max(...leg.hops.map((h) => h.location.length));
  const actionWidth = Math.max(...leg.hops.flatMap((h) => h.steps.map((s) => s.action.length)));
  const out: string[] = [];
  leg.hops.forEach((h, i) => {
    if (h.segment !== undefined && h.segment !== leg.hops[i - 1]?.segment) out.push(`     -- connection ${h.segment} --`);
    h.steps.forEach((s, j) => {
      const where = j === 0 ? `${String(i + 1).padStart(3)}  ${h.location.padEnd(width)}` : `${" ".repeat(3)}  ${" ".repeat(width)}`;
      const rule = s.rule ? `  [${s.rule}]` : "";
      const changes = s.changes?.length ? `  {${s.changes.join(", ")}}` : "";
      out.push(`${where}  ${s.action.padEnd(actionWidth)}  ${s.reason}${rule}${changes}`);
    });
  });
  return out;
}

export function formatProbability(p: number): string {
  return Number(p.toFixed(6)).toString();
}
