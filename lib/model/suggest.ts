// "Did you mean": the closest of the valid words by edit distance, so a typo gets an answer instead
// of a list to read through.

/** Levenshtein distance with transpositions counted as one edit (Damerau, optimal string alignment). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/** The candidates close enough to `word` to be what was meant, nearest first (ties in the given order). */
export function closest(word: string, candidates: readonly string[], max = 3): string[] {
  const limit = Math.max(1, Math.floor(word.length / 3));
  const scored = candidates
    .map((c, i) => ({
      c,
      i,
      d: c.startsWith(word) && word.length >= 3 ? 0.5 : editDistance(word.toLowerCase(), c.toLowerCase()),
    }))
    .filter((s) => s.d <= limit);
  return scored
    .sort((x, y) => x.d - y.d || x.i - y.i)
    .slice(0, max)
    .map((s) => s.c);
}

/** ` (did you mean "x"?)`, or nothing when no candidate is close. */
export function didYouMean(word: string, candidates: readonly string[]): string {
  const near = closest(word, candidates);
  if (near.length === 0) return "";
  return ` (did you mean ${near.map((n) => `"${n}"`).join(" or ")}?)`;
}
