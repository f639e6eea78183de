// The branches a hook's walk has put aside, the one furthest behind first. When a branch reaches a
// place where branches meet and others stand at that very place, the equivalent ones become one
// (same rule of the same call stack, same packet and marks, conntrack, NAT and deciding rules: from
// there they end alike), their probabilities summed; the first in numgen's order stands for them.
import { type Branch, comparePaths, comparePlaces, samePlace, sameState } from "./branch.ts";
import { Queue } from "./queue.ts";

/** A few fields equivalent branches share, to find the candidates among many at one place. */
function outline(b: Branch): string {
  const p = b.packet;
  return `${b.chain!.name} ${p.mark} ${p.src} ${p.dst} ${p.sport} ${p.dport} ${b.decisions} ${b.decided?.head.index}`;
}

function walkOrder(a: Branch, b: Branch): number {
  return comparePlaces(a, b) || comparePaths(a, b);
}

export class Waiting {
  private readonly queue = new Queue<Branch>(walkOrder);
  /**
   * Branches that met at the place furthest behind and stayed apart, in numgen's order: they come
   * before everything queued, so they wait here rather than going through the queue again.
   */
  private ready: Branch[] = [];
  private readyAt = 0;

  get size(): number {
    return this.queue.size + this.ready.length - this.readyAt;
  }

  /** Empty, for a new walk (a walk stopped by its limits leaves branches behind). */
  clear(): void {
    this.queue.clear();
    if (this.ready.length > 0) this.ready = [];
    this.readyAt = 0;
  }

  push(b: Branch): void {
    this.queue.push(b);
  }

  /** The branch put aside that is furthest behind, merged with those equivalent to it at its place. */
  next(): Branch | undefined {
    if (this.readyAt < this.ready.length) return this.ready[this.readyAt++];
    const x = this.queue.pop();
    if (!x?.meet) return x;
    x.meet = false;
    if (this.queue.size === 0 || comparePlaces(this.queue.peek()!, x) !== 0) return x;
    // Many branches may stand here, all different (each numgen choice setting its own mark bit):
    // they are told apart by a few fields first, then compared in full.
    const kept = new Map<string, Branch[]>([[outline(x), [x]]]);
    const others: Branch[] = [];
    while (this.queue.size > 0 && comparePlaces(this.queue.peek()!, x) === 0) {
      // Popped in numgen's order: the first of equivalent branches stands for the others.
      const y = this.queue.pop()!;
      y.meet = false;
      const key = outline(y);
      const alike = kept.get(key);
      const into = alike?.find((k) => samePlace(k, y) && sameState(k, y));
      if (into) {
        into.probability += y.probability;
        into.merged += 1 + y.merged;
        continue;
      }
      if (alike) alike.push(y);
      else kept.set(key, [y]);
      others.push(y);
    }
    this.ready = others;
    this.readyAt = 0;
    return x;
  }

  /** At a place where branches meet: true when another branch is further behind, so this one waits. */
  behind(b: Branch): boolean {
    b.meet = false;
    const top = this.readyAt < this.ready.length ? this.ready[this.readyAt] : this.queue.peek();
    if (top === undefined || comparePlaces(top, b) > 0) return false;
    b.meet = true;
    this.queue.push(b);
    return true;
  }
}
