// Small-sample statistics for comparing runs over seeds: mean, sd, Student-t intervals (with our own t
// quantile, so no stats dependency), and a seeded percentile bootstrap for unpaired differences.
import { streamFromSeed } from '../core/random.js';

export function mean(values: readonly number[]): number {
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/** Sample standard deviation (n − 1); null for fewer than two values. */
export function sampleSd(values: readonly number[]): number | null {
  if (values.length < 2) return null;
  const m = mean(values);
  let squares = 0;
  for (const v of values) squares += (v - m) * (v - m);
  return Math.sqrt(squares / (values.length - 1));
}

// Lanczos approximation (g = 7, 9 terms): ~15 significant digits for x > 0.
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const z = x - 1;
  let sum = LANCZOS[0];
  for (let i = 1; i < LANCZOS.length; i++) sum += LANCZOS[i] / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** Continued fraction of the incomplete beta function (modified Lentz). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 500; m++) {
    const m2 = 2 * m;
    let numerator = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + numerator * d;
    c = 1 + numerator / c;
    d = 1 / (Math.abs(d) < tiny ? tiny : d);
    c = Math.abs(c) < tiny ? tiny : c;
    h *= d * c;
    numerator = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + numerator * d;
    c = 1 + numerator / c;
    d = 1 / (Math.abs(d) < tiny ? tiny : d);
    c = Math.abs(c) < tiny ? tiny : c;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return h;
}

/** Regularised incomplete beta I_x(a, b). */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const logFront = logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log1p(-x);
  // The continued fraction converges fast only for x < (a+1)/(a+b+2); use the symmetry otherwise.
  if (x < (a + 1) / (a + b + 2)) return (Math.exp(logFront) * betaContinuedFraction(a, b, x)) / a;
  return 1 - (Math.exp(logFront) * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** P(T ≤ t) for Student's t with `df` degrees of freedom. */
export function studentTCdf(t: number, df: number): number {
  const tail = 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** The p-quantile of Student's t (e.g. p = 0.975 for a two-sided 95% interval). */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`quantile probability must be in (0, 1), got ${p}`);
  if (!(df > 0)) throw new RangeError(`degrees of freedom must be positive, got ${df}`);
  if (p === 0.5) return 0;
  if (p < 0.5) return -studentTQuantile(1 - p, df);
  // Bracket, then bisect: the CDF is monotone, so 200 halvings reach full double precision.
  let lo = 0;
  let hi = 1;
  while (studentTCdf(hi, df) < p) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-15 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (studentTCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

export interface Summary {
  n: number;
  mean: number;
  sd: number | null;
  /** Two-sided t-interval for the mean; null with fewer than two values. */
  ci: [number, number] | null;
}

/** Mean, sd and the two-sided `level` t-interval of the mean (df = n − 1). */
export function tSummary(values: readonly number[], level = 0.95): Summary {
  const m = mean(values);
  const sd = sampleSd(values);
  if (sd === null) return { n: values.length, mean: m, sd: null, ci: null };
  const half = (studentTQuantile(1 - (1 - level) / 2, values.length - 1) * sd) / Math.sqrt(values.length);
  return { n: values.length, mean: m, sd, ci: [m - half, m + half] };
}

/** The `q`-quantile of sorted values by linear interpolation (type 7, numpy's default). */
export function quantileSorted(sorted: readonly number[], q: number): number {
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below] + (sorted[above] - sorted[below]) * (position - below);
}

export interface BootstrapSettings {
  resamples: number;
  seed: number;
}

/** Two-sided p-value of a one-sample t-test of mean 0; null with fewer than two values. */
export function tTestP(values: readonly number[]): number | null {
  const sd = sampleSd(values);
  if (sd === null) return null;
  // No spread: the interval is the single point mean, so 0 is either it or outside it.
  if (sd === 0) return mean(values) === 0 ? 1 : 0;
  const t = mean(values) / (sd / Math.sqrt(values.length));
  return Math.min(1, 2 * studentTCdf(-Math.abs(t), values.length - 1));
}

/**
 * Holm's step-down adjustment (Holm 1979) of a family of p-values: the i-th smallest of m becomes
 * max over j ≤ i of min(1, (m − j + 1)·p₍ⱼ₎). It controls the chance of any false rejection in the family at α
 * under any dependence between the tests (paradigms are scored by the same models). Nulls are not tests: they
 * stay null and do not count in m.
 */
export function holmAdjust(pValues: readonly (number | null)[]): (number | null)[] {
  const tested = pValues.flatMap((p, index) => (p === null ? [] : [{ p, index }])).sort((x, y) => x.p - y.p);
  const adjusted: (number | null)[] = pValues.map(() => null);
  let running = 0;
  tested.forEach(({ p, index }, rank) => {
    running = Math.max(running, Math.min(1, (tested.length - rank) * p));
    adjusted[index] = running;
  });
  return adjusted;
}

/**
 * Percentile bootstrap interval of mean(a) − mean(b) for unpaired samples: each resample draws seeds with
 * replacement within each group independently. Deterministic for a given seed. `p` is the two-sided bootstrap
 * p-value of a zero difference, 2·min(share of draws ≤ 0, share ≥ 0), capped at 1: below 1 − level exactly
 * when the interval leaves out 0 (up to the interval's interpolation).
 */
export function bootstrapDifference(
  a: readonly number[],
  b: readonly number[],
  settings: BootstrapSettings,
  level = 0.95,
): { ci: [number, number]; p: number } {
  const random = streamFromSeed(`bootstrap/${settings.seed}`);
  const draws: number[] = new Array(settings.resamples);
  const resampleMean = (values: readonly number[]): number => {
    let sum = 0;
    for (let i = 0; i < values.length; i++) sum += values[random.int(values.length)];
    return sum / values.length;
  };
  for (let r = 0; r < settings.resamples; r++) draws[r] = resampleMean(a) - resampleMean(b);
  draws.sort((x, y) => x - y);
  const alpha = (1 - level) / 2;
  const atMost = draws.filter((d) => d <= 0).length / draws.length;
  const atLeast = draws.filter((d) => d >= 0).length / draws.length;
  return { ci: [quantileSorted(draws, alpha), quantileSorted(draws, 1 - alpha)], p: Math.min(1, 2 * Math.min(atMost, atLeast)) };
}
