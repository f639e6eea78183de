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
import type { Packet } from "../model/packet.ts";
import type { EngineChain } from "./engine-chains.ts";
import type { Frame, WalkState } from "./walk-state.ts";

/**
 * Points remembered per walk. A walk whose branches are all different (each statistic rule setting
 * its own mark bit) would otherwise remember every rule of every branch; past this, branches that
 * meet at points already remembered still merge.
 */
const MAX_POINTS = 50_000;

interface Point {
  readonly chain: EngineChain;
  /** What the first branch here was: what a later one must equal to merge. */
  readonly state: Snapshot;
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

/** The parts of a branch that decide its future (all but its trail, choices and probability). */
interface Snapshot {
  readonly packet: Packet;
  readonly dnat: WalkState["dnat"];
  readonly snat: WalkState["snat"];
  readonly untracked: boolean;
  readonly ctDnat: boolean;
  readonly ctSnat: boolean;
  readonly recent: WalkState["recent"];
  readonly assumed: WalkState["assumed"];
  readonly decided: string;
}

/** Stands for "no frame" (a built-in chain's own rules) in the map of points. */
const NO_FRAME = {};

export class WalkMerger {
  /** Frame (call stack) -> position in the chain -> the points there, one per chain and distinct state. */
  private readonly points = new Map<object, Map<number, Point[]>>();
  private count = 0;
  private readonly open: Point[] = [];
  /** Each outcome's probability as walked, before merges added to it. */
  private readonly base: number[] = [];
  private readonly redirects: { readonly to: Point; readonly mass: number }[] = [];

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
    if (pending === 0 && this.count === 0) return false;
    let byPosition = this.points.get(frame ?? NO_FRAME);
    if (!byPosition) this.points.set(frame ?? NO_FRAME, (byPosition = new Map()));
    // Tables, parts and rules: a part index below 2^10 and a rule index below 2^32 keep positions apart.
    const position = (ti * 1024 + pi) * 2 ** 32 + i;
    let here = byPosition.get(position);
    const before = here?.find((p) => p.chain === chain && same(p.state, st));
    if (!before) {
      if (pending === 0 || this.count >= MAX_POINTS) return false;
      if (!here) byPosition.set(position, (here = []));
      here.push({
        chain,
        state: snapshot(st),
        mass: st.probability,
        start: out.length,
        rStart: this.redirects.length,
        end: -1,
        rEnd: -1,
        depth: pending,
      });
      this.open.push(here.at(-1)!);
      this.count++;
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
}

function snapshot(st: WalkState): Snapshot {
  const { packet, dnat, snat, untracked, ctDnat, ctSnat, recent, assumed, decided } = st;
  return { packet, dnat, snat, untracked, ctDnat, ctSnat, recent, assumed, decided };
}

function same(a: Snapshot, b: WalkState): boolean {
  return (
    samePacket(a.packet, b.packet) &&
    a.untracked === b.untracked &&
    a.ctDnat === b.ctDnat &&
    a.ctSnat === b.ctSnat &&
    a.recent === b.recent &&
    a.assumed === b.assumed &&
    a.decided === b.decided &&
    a.dnat?.ip === b.dnat?.ip &&
    a.dnat?.port === b.dnat?.port &&
    a.snat?.ip === b.snat?.ip &&
    a.snat?.port === b.snat?.port &&
    a.snat?.masquerade === b.snat?.masquerade
  );
}

/** Whether two packets are alike in all a rule can test or a NAT can change (shared with the nft walk's merging). */
export function samePacket(a: Packet, b: Packet): boolean {
  return (
    a === b ||
    (a.proto === b.proto &&
      a.src === b.src &&
      a.sport === b.sport &&
      a.dst === b.dst &&
      a.dport === b.dport &&
      a.size === b.size &&
      a.ttl === b.ttl &&
      a.df === b.df &&
      a.mark === b.mark &&
      a.inner === b.inner &&
      a.http === b.http)
  );
}
