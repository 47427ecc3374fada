import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../src/core/errors.js';
import { compare, longRows, type Comparison } from '../src/report/compare.js';
import { readComparison, writeComparison } from '../src/report/outputs.js';
import { collectRunSummaries, type RunSummary } from '../src/report/summaries.js';
import { holmAdjust } from '../src/report/stats.js';
import { formatComparisonTable } from '../src/report/table.js';
import { streamFromSeed } from '../src/core/random.js';
import { FIXTURE_PARADIGMS, writeFixtureRun, writeStandardFixture, type FixtureRun } from './report-fixtures.js';

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

describe('compare refuses runs that differ, naming them (issue 13)', () => {
  async function fixture(change: { run: string; spec: Partial<FixtureRun> }): Promise<RunSummary[]> {
    const dir = mkdtempSync(join(tmpdir(), 'babyssa-mismatch-'));
    writeStandardFixture(dir, change);
    return collectRunSummaries([join(dir, 'checkpoints')]);
  }

  it('a sweep with one shortened run: refused naming it; --step picks a step all runs have; --allow-mismatch records it', async () => {
    const summaries = await fixture({ run: 'tiny-ssa-2-seed3', spec: { steps: [100] } });
    expect(() => compare(summaries)).toThrow(/^the runs differ in step: tiny-ssa-2-seed3 has 100 \(the other 7: 200\); compare at a step all runs have with --step N \(100\)/);
    const atStep = compare(summaries, { step: 100 });
    expect(atStep.step).toBe(100);
    expect(atStep.runs.every((r) => r.step === 100)).toBe(true);
    expect(atStep.mismatches).toEqual([]);
    expect(() => compare(summaries, { step: 200 })).toThrow(/--step 200: tiny-ssa-2-seed3 \(probed at 100\) has no probe at that step/);
    const anyway = compare(summaries, { allowMismatch: true });
    expect(anyway.step).toBeNull();
    expect(anyway.mismatches).toEqual([{ field: 'step', groups: [{ value: '200', runs: expect.any(Array) }, { value: '100', runs: ['tiny-ssa-2-seed3'] }] }]);
    expect(formatComparisonTable(anyway)).toContain('warning: compared despite mismatches (--allow-mismatch): step: tiny-ssa-2-seed3 has 100');
  });

  it('the command exits 2 with one line naming the shortened run, and writes nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'babyssa-mismatch-cli-'));
    writeStandardFixture(dir, { run: 'tiny-ssa-2-seed3', spec: { steps: [100] } });
    const out = join(dir, 'cmp');
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'compare', join(dir, 'checkpoints'), '--out', out], { encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^babyssa: the runs differ in step: tiny-ssa-2-seed3 has 100 \(the other 7: 200\); .*--step N \(100\).*--allow-mismatch.*\n$/);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(readdirSync(dir)).not.toContain('cmp');
  });

  it.each([
    ['scoring method', { scoring: { method: 'pll', ties: 'wrong' } }, /scoring method: tiny-softmax-seed1 has pll \(the other 7: holistic\)/],
    ['ties', { scoring: { method: 'holistic', ties: 'half' } }, /ties: tiny-softmax-seed1 has half \(the other 7: wrong\)/],
    ['suite hash (same name, other sentences)', { suiteHash: 'another' }, /suite hash: tiny-softmax-seed1 has another \(the other 7: hash-of-default\)/],
    ['training config', { training: { lr: 1e-4 } }, /training config lr: tiny-softmax-seed1 has 0.0001 \(the other 7: 0.001\); pass --allow-mismatch/],
  ])('differing %s: refused naming the run', async (_name, spec, message) => {
    const summaries = await fixture({ run: 'tiny-softmax-seed1', spec });
    expect(() => compare(summaries)).toThrow(message);
    expect(compare(summaries, { allowMismatch: true }).mismatches).toHaveLength(1);
  });

  it('a setting changed on resume counts as a different training config from the step it holds', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'babyssa-mismatch-'));
    writeStandardFixture(dir);
    writeFileSync(join(dir, 'checkpoints', 'tiny-ssa-1.5-seed2', 'resume-changes.jsonl'), JSON.stringify({ step: 100, key: 'lr', from: 1e-3, to: 1e-4 }) + '\n');
    const summaries = await collectRunSummaries([join(dir, 'checkpoints')]);
    expect(() => compare(summaries)).toThrow(/training config lr: tiny-ssa-1\.5-seed2 has 0\.001 → 0\.0001 after step 100 \(the other 7: 0\.001\)/);
    // At step 100 the change had not happened yet: the runs agree there.
    expect(compare(summaries, { step: 100 }).mismatches).toEqual([]);
  });

  it('matches suites by hash: one suite under two folder names is one suite', async () => {
    const summaries = await fixture({ run: 'tiny-softmax-seed1', spec: { suite: 'copy', suiteHash: 'hash-of-default' } });
    expect(compare(summaries).runs).toHaveLength(8);
  });
});

describe('Holm\'s correction across paradigms', () => {
  it('adjusts each variant\'s paradigm p-values as a family and stars only the significant ones', () => {
    for (const variant of ['ssa-1.5', 'ssa-2']) {
      const family = comparison.differences.filter((d) => d.variant === variant && d.paradigm !== 'macro');
      expect(family.map((d) => d.p_holm)).toEqual(holmAdjust(family.map((d) => d.p_value)));
      for (const d of family) {
        expect(d.p_value).not.toBeNull();
        expect(d.p_holm!).toBeGreaterThanOrEqual(d.p_value!);
        expect(d.significant_holm).toBe(d.p_holm! < 0.05);
      }
      const macro = comparison.differences.find((d) => d.variant === variant && d.paradigm === 'macro')!;
      expect([macro.p_holm, macro.significant_holm]).toEqual([null, null]);
    }
    const text = formatComparisonTable(comparison);
    expect(text).toContain("* = significant at 0.05 after Holm's correction across the 4 paradigms");
    for (const d of comparison.differences.filter((x) => x.paradigm !== 'macro')) {
      const row = text.split('\n').find((line) => line.startsWith(d.paradigm))!;
      expect(row.includes(' *')).toBe(comparison.differences.some((x) => x.paradigm === d.paradigm && x.significant_holm));
    }
  });

  it('a paired-t p-value agrees with its interval: p < .05 exactly when the 95% interval leaves out 0', () => {
    for (const d of comparison.differences.filter((x) => x.method === 'paired-t')) expect(d.p_value! < 0.05).toBe(d.excludes_zero);
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
