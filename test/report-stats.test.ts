import { describe, expect, it } from 'vitest';
import { bootstrapDifference, holmAdjust, incompleteBeta, quantileSorted, sampleSd, studentTCdf, studentTQuantile, tSummary, tTestP } from '../src/report/stats.js';

// Reference quantiles from R's qt() / standard t tables.
const T_QUANTILES: { p: number; df: number; t: number }[] = [
  { p: 0.975, df: 1, t: 12.706204736174707 },
  { p: 0.975, df: 2, t: 4.302652729749464 },
  { p: 0.975, df: 3, t: 3.182446305284263 },
  { p: 0.975, df: 4, t: 2.776445105197799 },
  { p: 0.975, df: 9, t: 2.262157162798205 },
  { p: 0.975, df: 30, t: 2.042272456301238 },
  { p: 0.975, df: 1000, t: 1.962339080826417 },
  { p: 0.995, df: 1, t: 63.65674116287399 },
  { p: 0.995, df: 5, t: 4.032142983557536 },
  { p: 0.95, df: 2, t: 2.919985580355516 },
  { p: 0.9, df: 7, t: 1.4149239276505 }, // checked against the closed-form CDF for odd df
  { p: 0.025, df: 4, t: -2.776445105197799 },
];

describe('Student t', () => {
  it.each(T_QUANTILES)('quantile p=$p df=$df', ({ p, df, t }) => {
    expect(studentTQuantile(p, df)).toBeCloseTo(t, 9);
  });

  it('CDF matches closed forms (df 1 is Cauchy; df 2 has an algebraic CDF)', () => {
    for (const t of [-3, -0.5, 0, 0.7, 4]) {
      expect(studentTCdf(t, 1)).toBeCloseTo(0.5 + Math.atan(t) / Math.PI, 12);
      expect(studentTCdf(t, 2)).toBeCloseTo(0.5 + t / (2 * Math.sqrt(2 + t * t)), 12);
    }
  });

  it('incomplete beta with a = b = 1 is the identity', () => {
    for (const x of [0.1, 0.5, 0.93]) expect(incompleteBeta(x, 1, 1)).toBeCloseTo(x, 12);
  });

  it('rejects probabilities outside (0, 1)', () => {
    expect(() => studentTQuantile(1, 3)).toThrow(RangeError);
  });
});

describe('summaries and intervals', () => {
  it('t-interval of a known sample', () => {
    const s = tSummary([0.6, 0.7, 0.8]);
    expect(s.mean).toBeCloseTo(0.7, 15);
    expect(s.sd).toBeCloseTo(0.1, 15);
    const half = (4.302652729749464 * 0.1) / Math.sqrt(3);
    expect(s.ci![0]).toBeCloseTo(0.7 - half, 12);
    expect(s.ci![1]).toBeCloseTo(0.7 + half, 12);
  });

  it('one value has no sd and no interval', () => {
    expect(sampleSd([0.5])).toBeNull();
    expect(tSummary([0.5]).ci).toBeNull();
  });

  it('type-7 quantiles interpolate like numpy', () => {
    expect(quantileSorted([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantileSorted([1, 2, 3, 4], 0.025)).toBeCloseTo(1.075, 12);
  });

  it('bootstrap is deterministic per seed and brackets the true difference', () => {
    const a = [0.7, 0.72, 0.69, 0.71, 0.73];
    const b = [0.6, 0.61, 0.59, 0.62, 0.6];
    const first = bootstrapDifference(a, b, { resamples: 2000, seed: 1 });
    expect(bootstrapDifference(a, b, { resamples: 2000, seed: 1 })).toEqual(first);
    expect(bootstrapDifference(a, b, { resamples: 2000, seed: 2 })).not.toEqual(first);
    expect(first.ci[0]).toBeGreaterThan(0.07);
    expect(first.ci[1]).toBeLessThan(0.13);
    expect(first.ci[0]).toBeLessThan(0.104);
    expect(first.ci[1]).toBeGreaterThan(0.104);
    expect(first.p).toBe(0);
    expect(bootstrapDifference(a, a, { resamples: 2000, seed: 1 }).p).toBe(1);
  });

  it('t-test p: two-sided, from the t distribution (df 2 has the closed form 1 − t/√(2 + t²))', () => {
    const t = 2 / (1 / Math.sqrt(3));
    expect(tTestP([1, 2, 3])).toBeCloseTo(1 - t / Math.sqrt(2 + t * t), 12);
    expect(tTestP([-1, -2, -3])).toBeCloseTo(tTestP([1, 2, 3])!, 15);
    expect(tTestP([0.5])).toBeNull();
    expect(tTestP([0.1, 0.1])).toBe(0);
  });

  it.each([
    ['R\'s p.adjust(c(.01, .04, .03, .005), "holm")', [0.01, 0.04, 0.03, 0.005], [0.03, 0.06, 0.06, 0.02]],
    ['nulls are no tests and do not count', [0.01, null, 0.04], [0.02, null, 0.04]],
    ['capped at 1', [0.6, 0.7], [1, 1]],
  ])('Holm adjustment: %s', (_name, p, adjusted) => {
    const actual = holmAdjust(p);
    for (const [i, expected] of adjusted.entries()) {
      if (expected === null) expect(actual[i]).toBeNull();
      else expect(actual[i]).toBeCloseTo(expected, 15);
    }
  });
});
