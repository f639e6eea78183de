// Equivalent branches of one hook walk are merged, so a chain of statistic rules that fall through
// (or come back from the chain they jumped to) cannot double the branch count at every rule. Two
// branches are equivalent at a point of the walk when they stand at the same rule of the same chain
// invocation with the same packet (marks included), the same conntrack, NAT and recent state, the
// same assumptions, and the same deciding rules so far (DNAT, SNAT, MASQUERADE, verdicts): from
// there the walk is deterministic, so they end alike. They differ only in which statistic rules they
// took to get there and in the jumps and marks on the way; the later one's probability goes to the
// outcomes of the first (whose trail stands for both), and those outcomes count the ways merged in.
//
// The walk is depth first, so while the first branch to reach a point is being walked, everything
// the walk does is that branch's future: its outcomes are a stretch of the output, and where its
// future itself merged into an earlier point, those merges are a stretch of the redirect log. A
// later arrival with probability q adds q/p of each (p: the first branch's probability there).
import type { EngineChain } from "./engine-chains.ts";
import type { Frame, WalkState } from "./walk-state.ts";

/**
 * Points remembered per walk. A walk whose branches are all different (each statistic rule setting
 * its own mark bit) would otherwise remember every rule of every branch; past this, branches that
 * meet at points already remembered still merge.
 */
const MAX_POINTS = 50_000;

interface Point {
  /** The first branch's probability here: what its future's masses are fractions of. */
  readonly mass: number;
  /** Its outcomes are out[start, end), its merges redirects[rStart, rEnd); end is -1 while walked. */
  readonly start: number;
  readonly rStart: number;
  end: number;
  rEnd: number;
  /** Pending tasks when it got here: its future is complete once a task queued before runs. */
  readonly depth: number;
}

export class WalkMerger {
  private readonly points = new Map<string, Point>();
  private readonly open: Point[] = [];
  /** Each outcome's probability as walked, before merges added to it. */
  private readonly base: number[] = [];
  private readonly redirects: { readonly to: Point; readonly mass: number }[] = [];
  private readonly ids = new WeakMap<object, number>();
  private nextId = 1;

  /** A branch ended: its probability now, before anything is merged into it. */
  finished(st: WalkState): void {
    this.base.push(st.probability);
  }

  /**
   * The branch reached rule `i` of part `pi` of `chain`, in table walk `ti`. True: an equivalent
   * branch was here before and has taken this one's probability, so this one ends.
   */
  arrive(
    ti: number,
    chain: EngineChain,
    pi: number,
    i: number,
    frame: Frame | null,
    st: WalkState,
    out: WalkState[],
    pending: number,
  ): boolean {
    // A later branch can only come from a task queued before now: with none, nothing can meet this one.
    if (pending === 0 && this.points.size === 0) return false;
    const key = this.key(ti, chain, pi, i, frame, st);
    const before = this.points.get(key);
    if (!before) {
      if (pending === 0 || this.points.size >= MAX_POINTS) return false;
      const point = {
        mass: st.probability,
        start: out.length,
        rStart: this.redirects.length,
        end: -1,
        rEnd: -1,
        depth: pending,
      };
      this.points.set(key, point);
      this.open.push(point);
      return false;
    }
    // Still open: the same point again within its own future, which positions only moving on rules out.
    if (before.end < 0 || before.mass <= 0) return false;
    this.redirects.push({ to: before, mass: st.probability });
    this.spread(before, st.probability, 1 + st.merged, out);
    return true;
  }

  /** A task queued earlier is about to run: the points reached since it was queued have their whole future. */
  resume(pending: number, outLength: number): void {
    for (let top = this.open.at(-1); top && top.depth > pending; top = this.open.at(-1)) {
      top.end = outLength;
      top.rEnd = this.redirects.length;
      this.open.pop();
    }
  }

  private spread(point: Point, mass: number, ways: number, out: WalkState[]): void {
    const work: [Point, number][] = [[point, mass]];
    for (let w = work.pop(); w; w = work.pop()) {
      const [p, q] = w;
      const share = q / p.mass;
      for (let k = p.start; k < p.end; k++) {
        out[k]!.probability += share * this.base[k]!;
        out[k]!.merged += ways;
      }
      for (let r = p.rStart; r < p.rEnd; r++) work.push([this.redirects[r]!.to, share * this.redirects[r]!.mass]);
    }
  }

  private key(ti: number, chain: EngineChain, pi: number, i: number, frame: Frame | null, st: WalkState): string {
    const p = st.packet;
    const nat =
      `${st.dnat ? `${st.dnat.ip}:${st.dnat.port}` : "-"} ` +
      `${st.snat ? `${st.snat.ip}:${st.snat.port}:${st.snat.masquerade}` : "-"}`;
    return (
      `${ti} ${chain.name} ${pi} ${i} ${this.id(frame)} ${p.proto} ${p.src}:${p.sport} ${p.dst}:${p.dport} ${p.size} ` +
      `${p.ttl} ${p.df} ${p.mark} ${this.id(p.inner)} ${this.id(p.http)} ${nat} ${st.untracked} ${st.ctDnat} ` +
      `${st.ctSnat} ${this.id(st.recent)} ${this.id(st.assumed)} ${st.decided}`
    );
  }

  private id(o: object | null | undefined): number {
    if (!o) return 0;
    let n = this.ids.get(o);
    if (n === undefined) this.ids.set(o, (n = this.nextId++));
    return n;
  }
}
