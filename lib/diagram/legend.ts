// The legend under a trace's drawing: the request, one line per branch (its colour, probability,
// disposition, reply and choices), how to read the shared trunk and the dashed reply, and for a
// single branch the list of its hops.
import { formatProbability } from "../output/trace-text.ts";
import { type Branch, isSuccess, type Trace } from "../trace/types.ts";
import { mainStep } from "./branch-tree.ts";
import type { Label, Line } from "./scene.ts";
import { charsIn, fit, FONT } from "./text.ts";

const M = 24;

export const branchClass = (k: number) => `b${((k - 1) % BRANCH_COLOURS) + 1}`;
export const BRANCH_COLOURS = 6;

export interface LegendOptions {
  readonly width: number;
  readonly top: number;
  readonly reply: boolean;
  /** Whether some legs are drawn once for several branches (the grey trunk). */
  readonly shared: boolean;
}

export function legend(
  t: Trace,
  branches: readonly { k: number; b: Branch }[],
  o: LegendOptions,
): { labels: Label[]; lines: Line[]; bottom: number } {
  const labels: Label[] = [];
  const lines: Line[] = [];
  const chars = charsIn(o.width - 2 * M - 30, FONT.label);
  const r = t.request;
  let y = o.top + 4;
  const add = (id: string, text: string, cls: string, x = M, size: number = FONT.label) => {
    labels.push({ id, cls, x, y, text: fit(text, charsIn(o.width - x - M, size)), size, anchor: "start" });
    y += size + 6;
  };
  const swatch = (id: string, cls: string) =>
    lines.push({
      id,
      cls,
      points: [
        { x: M, y: y - 4 },
        { x: M + 22, y: y - 4 },
      ],
    });
  const what = r.http ? `${r.http.method} ${r.http.url}` : r.to;
  const drawn = branches.length < t.branches.length ? `, ${branches.length} drawn` : "";
  const count = t.branches.length > 1 ? ` · ${t.branches.length} branches${drawn}` : "";
  add("legend-h", `Path: ${r.from} → ${what}`, "legend-title", M, FONT.title);
  add(
    "legend-p",
    `${r.proto} ${r.src}:${r.sport} → ${r.dst}:${r.dport}, ${r.size} bytes${count}`,
    "muted",
    M,
    FONT.small,
  );
  y += 4;
  if (o.shared) {
    swatch("legend-swatch-shared", "path shared");
    add(
      "legend-shared",
      "hops every branch (or several) share, drawn once; fan-outs say where they part",
      "muted",
      M + 30,
    );
  }
  for (const { k, b } of branches) {
    swatch(`legend-swatch-${k}`, `path ${branchClass(k)}`);
    const reply = b.reply ? `; reply ${b.reply.disposition}` : "";
    add(
      `legend-b${k}`,
      fit(`branch ${k} · p ${formatProbability(b.probability)} · ${b.disposition}: ${b.reason}${reply}`, chars),
      isSuccess(b.disposition) ? "legend-branch" : "legend-branch fail",
      M + 30,
    );
    if (b.choices.length) add(`legend-c${k}`, b.choices.join("; "), "muted", M + 30, FONT.small);
  }
  if (o.reply && branches.some(({ b }) => b.reply?.hops.length)) {
    swatch("legend-swatch-reply", `path reply ${branchClass(branches[0]!.k)}`);
    add("legend-reply", "dashed: the reply, back through conntrack, in its branch's colour", "muted", M + 30);
  }
  if (branches.length === 1) {
    const b = branches[0]!.b;
    y += 4;
    const w = Math.max(...b.hops.map((h) => h.location.length));
    b.hops.forEach((h, i) => {
      const main = mainStep(h);
      const seg = h.segment !== undefined && h.segment !== b.hops[i - 1]?.segment ? `connection ${h.segment} · ` : "";
      add(
        `legend-hop${i + 1}`,
        `${String(i + 1).padStart(3)}  ${fit(h.location, 44).padEnd(Math.min(w, 44))} ` +
          ` ${seg}${main ? `${main.action} ${main.reason}` : ""}`,
        "hop-row",
        M,
        FONT.small,
      );
      labels[labels.length - 1] = { ...labels.at(-1)!, data: { hop: `${branches[0]!.k}:${i + 1}` } };
    });
  }
  return { labels, lines, bottom: Math.ceil(y + M - 10) };
}
