// Pearson's chi-square goodness of fit, with its p-value from the regularised upper incomplete gamma
// function Q(k/2, x/2) (series for x < a+1, continued fraction otherwise; Numerical Recipes 6.2).

export interface ChiSquare {
  readonly statistic: number;
  readonly dof: number;
  readonly p: number;
}

/** observed counts against expected probabilities (same order; probabilities are renormalised). */
export function chiSquare(observed: readonly number[], probabilities: readonly number[]): ChiSquare {
  const n = observed.reduce((a, b) => a + b, 0);
  const total = probabilities.reduce((a, b) => a + b, 0);
  let statistic = 0;
  let cells = 0;
  observed.forEach((o, i) => {
    const e = (n * probabilities[i]!) / total;
    if (e > 0) {
      statistic += ((o - e) * (o - e)) / e;
      cells++;
    } else if (o > 0) statistic = Infinity;
  });
  const dof = Math.max(cells - 1, 0);
  return { statistic, dof, p: dof === 0 ? 1 : statistic === Infinity ? 0 : upperGammaQ(dof / 2, statistic / 2) };
}

function lnGamma(x: number): number {
  // Lanczos approximation (g = 7, n = 9).
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  x -= 1;
  let a = c[0]!;
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Q(a, x) = Γ(a, x) / Γ(a). */
export function upperGammaQ(a: number, x: number): number {
  if (x <= 0) return 1;
  if (x < a + 1) {
    let sum = 1 / a;
    let term = sum;
    for (let n = 1; n < 500; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-15) break;
    }
    return Math.max(0, 1 - sum * Math.exp(-x + a * Math.log(x) - lnGamma(a)));
  }
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 500; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return Math.min(1, Math.exp(-x + a * Math.log(x) - lnGamma(a)) * h);
}
