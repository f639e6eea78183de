// Offsets in a text to 1-based line and column, as the YAML reader's LineCounter counts them (the
// column in UTF-16 units): built once per file, on the first position asked for.
export class LineIndex {
  private starts: Uint32Array | undefined;
  private lines = 0;

  constructor(private readonly text: string) {}

  lineCol(offset: number): { line: number; col: number } {
    const starts = this.table();
    let lo = 0;
    let hi = this.lines - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: offset - starts[lo]! + 1 };
  }

  private table(): Uint32Array {
    if (this.starts) return this.starts;
    let starts = new Uint32Array(1024);
    let n = 1;
    for (let i = this.text.indexOf("\n"); i >= 0; i = this.text.indexOf("\n", i + 1)) {
      if (n === starts.length) {
        const grown = new Uint32Array(n * 2);
        grown.set(starts);
        starts = grown;
      }
      starts[n++] = i + 1;
    }
    this.lines = n;
    return (this.starts = starts);
  }
}
