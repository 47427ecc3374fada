// Joins per-run probe summaries into one comparison: per variant × paradigm mean, sd and 95% t-interval over
// seeds at each run's final step; per paradigm the SSA − Softmax difference with a 95% interval; macro
// averages; and the long table (variant, seed, step, paradigm, accuracy) over all steps for learning curves.
import { UserError } from '../core/errors.js';
import { bootstrapDifference, mean, tSummary, type BootstrapSettings } from './stats.js';
import type { RunSummary } from './summaries.js';
import type { AttentionConfig } from '../model/attention.js';

export const COMPARISON_SCHEMA_VERSION = 1;
export const BASELINE_VARIANT = 'softmax';
/** The name used for the macro average (mean over paradigms) wherever a paradigm name goes. */
export const MACRO = 'macro';
export const DEFAULT_BOOTSTRAP: BootstrapSettings = { resamples: 10_000, seed: 0 };

export interface LongRow {
  variant: string;
  seed: number;
  step: number;
  paradigm: string;
  accuracy: number;
  run: string;
  suite: string;
}

export interface CellStats {
  variant: string;
  paradigm: string;
  seeds: number[];
  /** Accuracy of each seed, in `seeds` order. */
  accuracies: number[];
  n_seeds: number;
  mean: number;
  sd: number | null;
  ci95: [number, number] | null;
}

export interface Difference {
  variant: string;
  baseline: string;
  paradigm: string;
  /** paired-t when both variants have the same seeds (≥ 2); bootstrap over seeds otherwise. */
  method: 'paired-t' | 'bootstrap';
  seeds_variant: number[];
  seeds_baseline: number[];
  mean_difference: number;
  /** sd of the per-seed differences (paired-t only). */
  sd: number | null;
  ci95: [number, number] | null;
  /** True when the interval lies entirely above or below zero. */
  excludes_zero: boolean | null;
  bootstrap?: BootstrapSettings;
}

export interface FinalRun {
  variant: string;
  seed: number;
  step: number;
  run: string;
  run_dir: string | null;
  summary: string;
}

export interface Comparison {
  schema_version: number;
  suite: string;
  confidence: number;
  baseline: string;
  variants: { variant: string; settings: AttentionConfig; seeds: number[] }[];
  paradigms: string[];
  /** Paradigms some final summaries lack: left out of the table and the macro average. */
  dropped_paradigms: string[];
  runs: FinalRun[];
  table: CellStats[];
  macro: CellStats[];
  differences: Difference[];
}

export interface CompareOptions {
  suite?: string;
  bootstrap?: BootstrapSettings;
}

function pickSuite(summaries: RunSummary[], wanted: string | undefined): RunSummary[] {
  const suites = [...new Set(summaries.map((s) => s.suite))].sort();
  if (wanted !== undefined) {
    const kept = summaries.filter((s) => s.suite === wanted);
    if (kept.length === 0) throw new UserError(`no summaries for suite "${wanted}"; found: ${suites.join(', ')}`);
    return kept;
  }
  if (suites.length > 1) throw new UserError(`summaries of several suites (${suites.join(', ')}); pick one with --suite`);
  return summaries;
}

function variantOrder(a: string, b: string): number {
  if (a === b) return 0;
  if (a === BASELINE_VARIANT) return -1;
  if (b === BASELINE_VARIANT) return 1;
  return a.localeCompare(b);
}

export function longRows(summaries: RunSummary[]): LongRow[] {
  const seen = new Map<string, string>();
  const rows: LongRow[] = [];
  for (const s of summaries) {
    const key = `${s.variant}\u0000${s.seed}\u0000${s.step}\u0000${s.suite}`;
    const other = seen.get(key);
    if (other) throw new UserError(`two summaries for ${s.variant} seed ${s.seed} step ${s.step}: ${other} and ${s.path}; pass only one`);
    seen.set(key, s.path);
    for (const p of s.summary.paradigms) {
      rows.push({ variant: s.variant, seed: s.seed, step: s.step, paradigm: p.paradigm, accuracy: p.accuracy, run: s.run, suite: s.suite });
    }
  }
  return rows.sort((a, b) => variantOrder(a.variant, b.variant) || a.seed - b.seed || a.step - b.step || a.paradigm.localeCompare(b.paradigm));
}

/** The latest step of each (variant, seed): the one the table reports. */
export function finalRuns(summaries: RunSummary[]): RunSummary[] {
  const latest = new Map<string, RunSummary>();
  for (const s of summaries) {
    const key = `${s.variant}\u0000${s.seed}`;
    const current = latest.get(key);
    if (current && current.run !== s.run && current.runDir !== s.runDir) {
      throw new UserError(`runs ${current.run} and ${s.run} are both ${s.variant} with seed ${s.seed}; compare one of them`);
    }
    if (!current || s.step > current.step) latest.set(key, s);
  }
  return [...latest.values()].sort((a, b) => variantOrder(a.variant, b.variant) || a.seed - b.seed);
}

function paradigmAccuracy(run: RunSummary, paradigm: string): number {
  const entry = run.summary.paradigms.find((p) => p.paradigm === paradigm);
  if (!entry) throw new Error(`paradigm ${paradigm} missing from ${run.path}`);
  return entry.accuracy;
}

/** Mean accuracy over the compared paradigms (recomputed, so it covers exactly the table's paradigms). */
export function macroAccuracy(run: RunSummary, paradigms: readonly string[]): number {
  return mean(paradigms.map((p) => paradigmAccuracy(run, p)));
}

function cell(variant: string, paradigm: string, runs: RunSummary[], accuracyOf: (run: RunSummary) => number, level: number): CellStats {
  const accuracies = runs.map(accuracyOf);
  const stats = tSummary(accuracies, level);
  return {
    variant, paradigm, seeds: runs.map((r) => r.seed), accuracies, n_seeds: runs.length, mean: stats.mean, sd: stats.sd, ci95: stats.ci,
  };
}

function sameSeeds(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((seed, i) => seed === b[i]);
}

export function difference(
  variant: CellStats,
  baseline: CellStats,
  bootstrap: BootstrapSettings,
  level: number,
): Difference {
  const common = { variant: variant.variant, baseline: baseline.variant, paradigm: variant.paradigm, seeds_variant: variant.seeds, seeds_baseline: baseline.seeds };
  const verdict = (ci: [number, number] | null) => (ci ? ci[0] > 0 || ci[1] < 0 : null);
  if (sameSeeds(variant.seeds, baseline.seeds) && variant.seeds.length >= 2) {
    const perSeed = variant.accuracies.map((a, i) => a - baseline.accuracies[i]);
    const stats = tSummary(perSeed, level);
    return { ...common, method: 'paired-t', mean_difference: stats.mean, sd: stats.sd, ci95: stats.ci, excludes_zero: verdict(stats.ci) };
  }
  const meanDifference = mean(variant.accuracies) - mean(baseline.accuracies);
  const enough = variant.accuracies.length >= 2 && baseline.accuracies.length >= 2;
  const ci = enough ? bootstrapDifference(variant.accuracies, baseline.accuracies, bootstrap, level) : null;
  return { ...common, method: 'bootstrap', mean_difference: meanDifference, sd: null, ci95: ci, excludes_zero: verdict(ci), bootstrap };
}

export function compare(all: RunSummary[], options: CompareOptions = {}): Comparison {
  const level = 0.95;
  const bootstrap = options.bootstrap ?? DEFAULT_BOOTSTRAP;
  const summaries = pickSuite(all, options.suite);
  const finals = finalRuns(summaries);
  const everyParadigm = [...new Set(finals.flatMap((r) => r.summary.paradigms.map((p) => p.paradigm)))].sort();
  const paradigms = everyParadigm.filter((name) => finals.every((r) => r.summary.paradigms.some((p) => p.paradigm === name)));
  if (paradigms.length === 0) throw new UserError('the final summaries share no paradigm; were they probed on the same suite?');

  const byVariant = new Map<string, RunSummary[]>();
  for (const run of finals) byVariant.set(run.variant, [...(byVariant.get(run.variant) ?? []), run]);
  const variantNames = [...byVariant.keys()].sort(variantOrder);

  const table: CellStats[] = [];
  const macro: CellStats[] = [];
  for (const name of variantNames) {
    const runs = byVariant.get(name)!;
    for (const paradigm of paradigms) table.push(cell(name, paradigm, runs, (run) => paradigmAccuracy(run, paradigm), level));
    macro.push(cell(name, MACRO, runs, (run) => macroAccuracy(run, paradigms), level));
  }

  const differences: Difference[] = [];
  if (byVariant.has(BASELINE_VARIANT)) {
    for (const name of variantNames.filter((v) => v !== BASELINE_VARIANT)) {
      for (const paradigm of [...paradigms, MACRO]) {
        const cells = paradigm === MACRO ? macro : table;
        const find = (variant: string) => cells.find((c) => c.variant === variant && c.paradigm === paradigm)!;
        differences.push(difference(find(name), find(BASELINE_VARIANT), bootstrap, level));
      }
    }
  }

  return {
    schema_version: COMPARISON_SCHEMA_VERSION,
    suite: finals[0].suite,
    confidence: level,
    baseline: BASELINE_VARIANT,
    variants: variantNames.map((name) => ({
      variant: name, settings: byVariant.get(name)![0].settings, seeds: byVariant.get(name)!.map((r) => r.seed),
    })),
    paradigms,
    dropped_paradigms: everyParadigm.filter((p) => !paradigms.includes(p)),
    runs: finals.map((r) => ({ variant: r.variant, seed: r.seed, step: r.step, run: r.run, run_dir: r.runDir, summary: r.path })),
    table,
    macro,
    differences,
  };
}
