import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../src/core/errors.js';
import { compare, longRows, type Comparison } from '../src/report/compare.js';
import { readComparison, writeComparison } from '../src/report/outputs.js';
import { collectRunSummaries } from '../src/report/summaries.js';
import { formatComparisonTable } from '../src/report/table.js';
import { parseVariant, variantName } from '../src/model/attention.js';
import { streamFromSeed } from '../src/core/random.js';
import { FIXTURE_PARADIGMS, writeFixtureRun, writeStandardFixture } from './report-fixtures.js';

const T975: Record<number, number> = { 1: 12.706204736174707, 2: 4.302652729749464 };
const close = (actual: number | null | undefined, expected: number) => expect(actual).toBeCloseTo(expected, 12);

let root: string;
let comparison: Comparison;

/** Final-step accuracies read straight from the summary files, by variant then seed. */
function finalAccuracies(): Map<string, Map<number, Record<string, number>>> {
  const byVariant = new Map<string, Map<number, Record<string, number>>>();
  for (const run of readdirSync(join(root, 'results'))) {
    const [, variant, seed] = /^tiny-(.+)-seed(\d+)$/.exec(run)!;
    const summary = JSON.parse(readFileSync(join(root, 'results', run, 'step-200', 'default', 'summary.json'), 'utf8'));
    const accuracies = Object.fromEntries(summary.paradigms.map((p: { paradigm: string; accuracy: number }) => [p.paradigm, p.accuracy]));
    if (!byVariant.has(variant)) byVariant.set(variant, new Map());
    byVariant.get(variant)!.set(Number(seed), accuracies);
  }
  return byVariant;
}

function by<T>(values: Map<number, T>): T[] {
  return [...values.keys()].sort((a, b) => a - b).map((seed) => values.get(seed)!);
}

function meanSdCi(xs: number[]): { mean: number; sd: number; lo: number; hi: number } {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
  const half = (T975[xs.length - 1] * sd) / Math.sqrt(xs.length);
  return { mean: m, sd, lo: m - half, hi: m + half };
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'babyssa-compare-'));
  writeStandardFixture(root);
  comparison = compare(await collectRunSummaries([join(root, 'checkpoints')]));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('compare', () => {
  it('finds every run through its run folder and groups by variant and seed', () => {
    expect(comparison.variants.map((v) => [v.variant, v.seeds])).toEqual([['softmax', [0, 1, 2]], ['ssa-1.5', [0, 1, 2]], ['ssa-2', [0, 3]]]);
    expect(comparison.runs.every((r) => r.step === 200)).toBe(true);
    expect(comparison.paradigms).toEqual([...FIXTURE_PARADIGMS].sort());
  });

  it('recomputes every table and macro number from the per-run summaries', () => {
    const data = finalAccuracies();
    for (const cell of [...comparison.table, ...comparison.macro]) {
      const runs = by(data.get(cell.variant)!);
      const xs = runs.map((acc) => (cell.paradigm === 'macro' ? FIXTURE_PARADIGMS.reduce((s, p) => s + acc[p], 0) / FIXTURE_PARADIGMS.length : acc[cell.paradigm]));
      const expected = meanSdCi(xs);
      expect(cell.accuracies).toEqual(xs.map((x) => expect.closeTo(x, 15)));
      close(cell.mean, expected.mean);
      close(cell.sd, expected.sd);
      close(cell.ci95![0], expected.lo);
      close(cell.ci95![1], expected.hi);
    }
    expect(comparison.table).toHaveLength(3 * FIXTURE_PARADIGMS.length);
  });

  it('pairs by seed when seeds match (paired t) and bootstraps otherwise', () => {
    const data = finalAccuracies();
    const soft = by(data.get('softmax')!);
    for (const d of comparison.differences) {
      const variant = by(data.get(d.variant)!);
      const pick = (acc: Record<string, number>) => (d.paradigm === 'macro' ? FIXTURE_PARADIGMS.reduce((s, p) => s + acc[p], 0) / FIXTURE_PARADIGMS.length : acc[d.paradigm]);
      if (d.variant === 'ssa-1.5') {
        expect(d.method).toBe('paired-t');
        const expected = meanSdCi(variant.map((acc, i) => pick(acc) - pick(soft[i])));
        close(d.mean_difference, expected.mean);
        close(d.sd, expected.sd);
        close(d.ci95![0], expected.lo);
        close(d.ci95![1], expected.hi);
        expect(d.excludes_zero).toBe(expected.lo > 0 || expected.hi < 0);
      } else {
        expect(d.method).toBe('bootstrap');
        const a = variant.map(pick);
        const b = soft.map(pick);
        // The documented algorithm: one alea stream "bootstrap/<seed>", each resample draws len(a) then len(b) indices.
        const random = streamFromSeed(`bootstrap/${d.bootstrap!.seed}`);
        const draws: number[] = [];
        for (let r = 0; r < d.bootstrap!.resamples; r++) {
          const ma = a.map(() => a[Math.floor(random.next() * a.length)]).reduce((s, x) => s + x, 0) / a.length;
          const mb = b.map(() => b[Math.floor(random.next() * b.length)]).reduce((s, x) => s + x, 0) / b.length;
          draws.push(ma - mb);
        }
        draws.sort((x, y) => x - y);
        const q = (p: number) => {
          const pos = (draws.length - 1) * p;
          const lo = Math.floor(pos);
          return draws[lo] + (draws[lo + 1] - draws[lo]) * (pos - lo);
        };
        close(d.mean_difference, a.reduce((s, x) => s + x, 0) / a.length - b.reduce((s, x) => s + x, 0) / b.length);
        close(d.ci95![0], q(0.025));
        close(d.ci95![1], q(0.975));
      }
    }
    expect(comparison.differences).toHaveLength(2 * (FIXTURE_PARADIGMS.length + 1));
  });

  it('writes the long table over all steps and reads it back', async () => {
    const summaries = await collectRunSummaries([join(root, 'results')]);
    const rows = longRows(summaries);
    expect(rows).toHaveLength(8 * 2 * FIXTURE_PARADIGMS.length);
    expect(Object.keys(rows[0]).sort()).toEqual(['accuracy', 'paradigm', 'run', 'seed', 'step', 'suite', 'variant']);
    const out = join(root, 'cmp');
    await writeComparison(out, comparison, rows);
    const back = await readComparison(out);
    expect(back.rows).toEqual(rows);
    expect(back.comparison).toEqual(JSON.parse(JSON.stringify(comparison)));
  });

  it('prints a readable table with every variant and a difference column', () => {
    const text = formatComparisonTable(comparison);
    expect(text).toContain('ssa-2 (2 seeds)');
    expect(text).toContain('Δ ssa-1.5 − softmax');
    expect(text.split('\n').filter((l) => l.startsWith('macro'))).toHaveLength(1);
  });

  it('refuses two runs claiming the same variant and seed, and mixed suites without --suite', async () => {
    const dup = mkdtempSync(join(tmpdir(), 'babyssa-dup-'));
    try {
      const accuracy = () => 0.5;
      writeFixtureRun(dup, { run: 'a-softmax-seed0', attention: 'softmax', seed: 0, steps: [10], accuracy });
      writeFixtureRun(dup, { run: 'b-softmax-seed0', attention: 'softmax', seed: 0, steps: [10], accuracy });
      await expect(collectRunSummaries([dup]).then((s) => compare(s))).rejects.toThrow(/both softmax with seed 0/);
      writeFixtureRun(dup, { run: 'c-softmax-seed1', attention: 'softmax', seed: 1, steps: [10], suite: 'blimp', accuracy });
      await expect(collectRunSummaries([dup]).then((s) => compare(s))).rejects.toThrow(UserError);
      await expect(collectRunSummaries([join(dup, 'nothing')])).rejects.toThrow(/no such file/);
    } finally {
      rmSync(dup, { recursive: true, force: true });
    }
  });
});

describe('summaries probed during training (no checkpoint folder named)', () => {
  it('are tied to their run folder through results/ and read seed and trainable settings from config.resolved.json', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'babyssa-inproc-'));
    try {
      const accuracy = (_p: string, step: number) => step / 1000;
      writeFixtureRun(dir, { run: 'sw/a', attention: 'ssa', ssaN: 1.5, ssaNTrainable: true, seed: 4, steps: [100, 300], inProcess: true, accuracy });
      for (const root of [join(dir, 'checkpoints'), join(dir, 'results')]) {
        const summaries = await collectRunSummaries([root]);
        expect(summaries.map((s) => [s.variant, s.seed, s.step])).toEqual([['ssa-trainable', 4, 100], ['ssa-trainable', 4, 300]]);
        expect(compare(summaries).macro[0].mean).toBeCloseTo(0.3, 15);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('variant names', () => {
  it.each(['softmax', 'ssa-1.5', 'ssa-2', 'ssa-trainable', 'ssa-trainable-n2-btrainable', 'ssa-2-b0.5-head'])('%s round-trips', (name) => {
    expect(variantName(parseVariant(name))).toBe(name);
  });
  it('rejects nonsense with one clear error', () => {
    expect(() => parseVariant('ssa-x')).toThrow(/not a number/);
    expect(() => parseVariant('relu')).toThrow(/unknown variant/);
  });
});
