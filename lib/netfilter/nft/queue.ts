// The branches a walk has put aside, earliest first: a binary heap, so a walk with thousands of
// branches waiting finds the next in a few comparisons.
export class Queue<T> {
  private readonly items: T[] = [];
  constructor(private readonly before: (a: T, b: T) => number) {}

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  clear(): void {
    // Setting length is slow even on an empty array, and most walks leave it empty.
    if (this.items.length > 0) this.items.length = 0;
  }

  push(x: T): void {
    const a = this.items;
    let i = a.length;
    a.push(x);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.before(a[parent]!, x) <= 0) break;
      a[i] = a[parent]!;
      i = parent;
    }
    a[i] = x;
  }

  pop(): T | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length === 0 || last === undefined) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= a.length) break;
      const r = l + 1;
      const c = r < a.length && this.before(a[r]!, a[l]!) < 0 ? r : l;
      if (this.before(last, a[c]!) <= 0) break;
      a[i] = a[c]!;
      i = c;
    }
    a[i] = last;
    return top;
  }
}
