// A trace as a Mermaid sequenceDiagram, for Markdown docs: one participant per place, one arrow
// per hop (dashed for the reply), notes where headers are rewritten, where a Gateway routed, where
// branches part and where a branch ends; the hops all branches share once, then each branch's own
// in an alt block.
import { formatProbability } from "../output/trace-text.ts";
import type { Leg, Trace } from "../trace/types.ts";
import { branchTree, mainStep, rewriteText } from "./branch-tree.ts";
import { gatewayNote } from "./gateway-note.ts";

/**
 * Mermaid's own escapes: `#` starts an entity, `;` ends a statement, `<` `>` would be HTML; a control
 * character (a newline would end the statement, ESC would reach a terminal) becomes a space.
 */
export function mermaidText(s: string): string {
  return s.replace(/[#;<>"\p{Cc}]/gu, (c) => (/\p{Cc}/u.test(c) ? " " : `#${c.charCodeAt(0)};`));
}

export interface MermaidOptions {
  /** Each branch's reply too (default). */
  readonly reply?: boolean;
}

/**
 * The hops every chosen branch shares once, then each branch's own (and its reply) in an `alt`
 * block; a note where branches part gives each way's probability and choice, as the SVG does.
 */
export function traceMermaid(
  t: Trace,
  chosen: readonly number[] = t.branches.map((_, i) => i + 1),
  options: MermaidOptions = {},
): string {
  const ids = new Map<string, string>();
  const id = (loc: string) => {
    let v = ids.get(loc);
    if (!v) ids.set(loc, (v = `P${ids.size + 1}`));
    return v;
  };
  const body: string[] = [];
  const branches = chosen.map((k) => ({ k, b: t.branches[k - 1]! }));
  const tree = branchTree(branches);
  const forkNote = (k: number, n: number, loc: string) => {
    for (const f of tree.forks)
      if (f.members[0] === k && f.hop === n && f.members.length < branches.length) {
        const ways = f.ways.map((w) => `${w.members.join("+")} → ${w.text}`).join(" / ");
        body.push(`  Note over ${id(loc)}: ${mermaidText(`branches part here: ${ways}`)}`);
      }
  };
  /** Hops from..to-1 of a leg (0-based), the arrow into the first from the hop before it. */
  const hops = (l: Leg, from: number, to: number, reply: boolean, k: number) => {
    let prev = from > 0 ? id(l.hops[from - 1]!.location) : undefined;
    for (let i = from; i < to; i++) {
      const h = l.hops[i]!;
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
        const gw = gatewayNote(s);
        if (gw) body.push(`  Note over ${here}: ${mermaidText(gw.lines.join(" · "))}`);
        const r = rewriteText(s);
        if (r) body.push(`  Note over ${here}: ${mermaidText(r)}`);
      }
      if (!reply) forkNote(k, i + 1, h.location);
      prev = here;
    }
  };
  const end = (l: Leg) => {
    const last = l.hops.at(-1);
    if (last) body.push(`  Note over ${id(last.location)}: ${mermaidText(`${l.disposition}: ${l.reason}`)}`);
  };
  const first = branches[0]!;
  const split = first.b.hops.findIndex((_, i) => tree.sharers(first.k, i + 1).length < branches.length);
  const shared = branches.length > 1 ? (split < 0 ? first.b.hops.length : split) : 0;
  hops(first.b, 0, shared, false, first.k);
  // Where all the branches part is said once, before the blocks that go their own ways.
  const top = tree.forks.find((f) => f.members.length === branches.length);
  if (top) {
    const ways = top.ways.map((w) => `${w.members.join("+")} → ${w.text}`).join(" / ");
    body.push(`  Note over ${id(first.b.hops[top.hop - 1]!.location)}: ${mermaidText(`branches part here: ${ways}`)}`);
  }
  branches.forEach(({ k, b }, j) => {
    const label = `branch ${k} of ${t.branches.length}, probability ${formatProbability(b.probability)}`;
    if (branches.length > 1) body.push(`  ${j === 0 ? "alt" : "else"} ${mermaidText(label)}`);
    hops(b, shared, b.hops.length, false, k);
    end(b);
    if (b.reply && options.reply !== false) {
      hops(b.reply, 0, b.reply.hops.length, true, k);
      end(b.reply);
    }
  });
  if (branches.length > 1) body.push("  end");
  const r = t.request;
  const title = r.http ? `${r.http.method} ${r.http.url} from ${r.from}` : `${r.proto} ${r.from} to ${r.to}`;
  const participants = [...ids].map(([loc, v]) => `  participant ${v} as ${mermaidText(loc)}`);
  return ["sequenceDiagram", `  title ${mermaidText(title)}`, ...participants, ...body, ""].join("\n");
}
