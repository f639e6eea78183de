// Many branches as one tree: the hops every branch shares are drawn once, and where branches part
// (the LB's backend, kube-proxy's endpoint, the ingress controller's upstream) a fan-out says which
// way each goes and with what probability. One picture rather than small multiples: the branches of
// a request share most of their path (client, LB, the first node), and one picture of 1,400 px
// shows that sharing where four panels would repeat it four times.
import { formatProbability } from "../output/trace-text.ts";
import type { Branch, Hop, Step } from "../trace/types.ts";
import { changeText } from "../output/header-change.ts";

/** The header rewrite a step made, in a few words, or undefined when it made none worth a callout. */
export function rewriteText(s: Step): string | undefined {
  if (s.type === "route" || !s.changes?.length) return undefined;
  const changes = s.changes.filter((c) => c.field !== "ttl").map((c) => changeText(c, s.after!, "callout"));
  if (!changes.length) return undefined;
  const action = s.action === "ENCAPSULATED" ? "ENCAP" : s.action === "DECAPSULATED" ? "DECAP" : s.action;
  return `${action} ${changes.join(", ")}`;
}

const END_TYPES = new Set<string>(["drop", "deliver", "proxy", "mtu"]);
const MOVE_TYPES = new Set<string>(["route", "bridge", "transmit", "receive", "encrypt", "decapsulate"]);

/** The step that says most about a hop: a rewrite, else how it ended, else how it moved on. */
export function mainStep(h: Hop): Step | undefined {
  return (
    h.steps.find((s) => rewriteText(s)) ??
    h.steps.find((s) => END_TYPES.has(s.type)) ??
    h.steps.find((s) => MOVE_TYPES.has(s.type)) ??
    h.steps[0]
  );
}

/** Two hops are the same hop when they stand at one place and do the same things there. */
function hopKey(h: Hop): string {
  return `${h.location}|${h.steps.map((s) => `${s.type}:${s.action}:${rewriteText(s) ?? ""}`).join(";")}`;
}

export interface Fork {
  /** The hop where branches part (1-based): the last they share, or the device that chose between them. */
  readonly hop: number;
  /** What the choosing device did differently on each way (`PROXIED`), when one device chose. */
  readonly action?: string;
  /** The branches that share it, in order. */
  readonly members: readonly number[];
  /** One line per way on: its branches, summed probability, and the choice that sends them there. */
  readonly ways: readonly { readonly members: readonly number[]; readonly text: string }[];
}

export interface BranchTree {
  /** Branch K's hop I (1-based) is shared by these branches (K among them). */
  sharers(k: number, hop: number): readonly number[];
  readonly forks: readonly Fork[];
}

/** Splits the chosen branches hop by hop into groups that have walked the same hops so far. */
export function branchTree(branches: readonly { k: number; b: Branch }[]): BranchTree {
  const byK = new Map(branches.map((x) => [x.k, x.b]));
  const groupAt = new Map<string, readonly number[]>();
  const forks: Fork[] = [];
  let groups: number[][] = [branches.map((x) => x.k)];
  for (let hop = 1; groups.length; hop++) {
    const next: number[][] = [];
    for (const g of groups) {
      const split = new Map<string, number[]>();
      for (const k of g) {
        const h = byK.get(k)!.hops[hop - 1];
        if (!h) continue;
        const key = hopKey(h);
        split.set(key, [...(split.get(key) ?? []), k]);
      }
      const parts = [...split.values()];
      for (const p of parts) for (const k of p) groupAt.set(`${k}:${hop}`, p);
      if (hop > 1 && g.length > 1 && parts.length > 1) forks.push(fork(hop - 1, g, parts, byK));
      next.push(...parts.filter((p) => p.length > 1));
    }
    groups = next.filter((p) => p.some((k) => byK.get(k)!.hops.length > hop));
  }
  return { sharers: (k, hop) => groupAt.get(`${k}:${hop}`) ?? [k], forks };
}

function fork(shared: number, members: number[], parts: number[][], byK: Map<number, Branch>): Fork {
  const choices = parts.map((p) => byK.get(p[0]!)!.choices);
  // Where the ways differ only in what one device did (a proxy's upstream), that device decided.
  const next = new Set(parts.map((p) => byK.get(p[0]!)!.hops[shared]?.location));
  const hop = next.size === 1 ? shared + 1 : shared;
  // The first choice on which the ways differ names them; without one, where each goes next.
  const j = choices[0]!.findIndex((_, i) => new Set(choices.map((c) => c[i])).size > 1);
  const ways = parts.map((p, i) => {
    const p1 = p.reduce((s, k) => s + byK.get(k)!.probability, 0);
    // "upstream shop-cart-http (round_robin): endpoint 1 of 2, 10.244.1.4:9100" says it after its colon.
    const why = j >= 0 ? choices[i]![j]!.split(": ").at(-1) : undefined;
    const to = byK.get(p[0]!)!.hops[shared]!.location;
    return { members: p, text: `p ${formatProbability(p1)}: ${why ?? `on to ${to}`}` };
  });
  const step = next.size === 1 ? byK.get(parts[0]![0]!)!.hops[shared]!.steps.find((x) => rewriteText(x)) : undefined;
  return { hop, members, ways, ...(step ? { action: step.action } : {}) };
}
