// A trace as a Mermaid sequenceDiagram, for Markdown docs: one participant per place, one arrow
// per hop, notes where headers are rewritten and where a branch ends; branches as alt blocks.
import { formatProbability } from "../output/trace-text.ts";
import type { Leg, Trace } from "../trace/types.ts";
import { mainStep, rewriteText } from "./branch-tree.ts";

/**
 * Mermaid's own escapes: `#` starts an entity, `;` ends a statement, `<` `>` would be HTML; a control
 * character (a newline would end the statement, ESC would reach a terminal) becomes a space.
 */
export function mermaidText(s: string): string {
  return s.replace(/[#;<>"\p{Cc}]/gu, (c) => (/\p{Cc}/u.test(c) ? " " : `#${c.charCodeAt(0)};`));
}

export function traceMermaid(t: Trace, chosen: readonly number[] = t.branches.map((_, i) => i + 1)): string {
  const ids = new Map<string, string>();
  const id = (loc: string) => {
    let v = ids.get(loc);
    if (!v) ids.set(loc, (v = `P${ids.size + 1}`));
    return v;
  };
  const body: string[] = [];
  const leg = (l: Leg, reply: boolean) => {
    let prev: string | undefined;
    l.hops.forEach((h, i) => {
      const here = id(h.location);
      const first = mainStep(h);
      const what = `${reply ? "reply " : ""}${i + 1} ${first?.action ?? ""}`.trim();
      if (prev) body.push(`  ${prev}${reply ? "-->>" : "->>"}${here}: ${mermaidText(what)}`);
      else
        body.push(
          `  Note over ${here}: ${mermaidText(reply ? "reply starts" : `${i + 1} ${first?.action ?? "start"}`)}`,
        );
      if (h.segment !== undefined && h.segment !== l.hops[i - 1]?.segment && i > 0)
        body.push(`  Note over ${here}: ${mermaidText(`connection ${h.segment}`)}`);
      for (const s of h.steps) {
        const r = rewriteText(s);
        if (r) body.push(`  Note over ${here}: ${mermaidText(r)}`);
      }
      prev = here;
    });
    const last = l.hops.at(-1);
    if (last) body.push(`  Note over ${id(last.location)}: ${mermaidText(`${l.disposition}: ${l.reason}`)}`);
  };
  chosen.forEach((k, j) => {
    const b = t.branches[k - 1]!;
    const label = `branch ${k} of ${t.branches.length}, probability ${formatProbability(b.probability)}`;
    if (chosen.length > 1) body.push(`  ${j === 0 ? "alt" : "else"} ${mermaidText(label)}`);
    leg(b, false);
    if (b.reply) leg(b.reply, true);
  });
  if (chosen.length > 1) body.push("  end");
  const r = t.request;
  const title = r.http ? `${r.http.method} ${r.http.url} from ${r.from}` : `${r.proto} ${r.from} to ${r.to}`;
  const participants = [...ids].map(([loc, v]) => `  participant ${v} as ${mermaidText(loc)}`);
  return ["sequenceDiagram", `  title ${mermaidText(title)}`, ...participants, ...body, ""].join("\n");
}
