// Joins per-run probe summaries into one comparison: per variant × paradigm mean, sd and 95% t-interval over
// seeds at each run's final step (or the step asked for), once the runs are shown to agree (consistency.ts); per
// paradigm the SSA − Softmax difference with a 95% interval and a p-value, Holm-adjusted across the paradigms;
// macro averages; and the long table (variant, seed, step, paradigm, accuracy) over all steps for learning curves.
import { UserError } from '../core/errors.js';
import { describeMismatches, findMismatches, type Mismatch } from './consistency.js';
import { bootstrapDifference, holmAdjust, mean, tSummary, tTestP, type BootstrapSettings } from './stats.js';
import type { RunSummary } from './summaries.js';
import type { AttentionConfig } from '../model/attention.js';

/** 2: `step`, `mismatches`, and per difference `p_value`, `p_holm`, `significant_holm`. */
export const COMPARISON_SCHEMA_VERSION = 2;
/** The family-wise error rate Holm's correction holds across one variant's paradigms. */
export const HOLM_ALPHA = 0.05;
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
  /** True when the interval lies entirely above or below zero (uncorrected). */
  excludes_zero: boolean | null;
  /** Two-sided p of a zero difference (paired t, or the bootstrap's); null with fewer than two seeds a side. */
  p_value: number | null;
  /** Holm-adjusted across this variant's paradigms (null for the macro row, a single test of its own). */
  p_holm: number | null;
  /** p_holm < HOLM_ALPHA: the table's star. */
  significant_holm: boolean | null;
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
  /** The probed step every compared run shares; null when --allow-mismatch compared runs at different steps. */
  step: number | null;
  /** What the compared runs disagree on (empty unless --allow-mismatch let them through). */
  mismatches: Mismatch[];
  table: CellStats[];
  macro: CellStats[];
  differences: Difference[];
}

export interface CompareOptions {
  suite?: string;
  bootstrap?: BootstrapSettings;
  /** Compare every run at this probed step instead of its last. */
  step?: number;
  /** Compare runs that disagree (consistency.ts) and record how, instead of refusing. */
  allowMismatch?: boolean;
}

/** One suite's summaries. Suites are told apart by content hash: two names with one hash are one suite. */
function pickSuite(summaries: RunSummary[], wanted: string | undefined): RunSummary[] {
  const suites = [...new Set(summaries.map((s) => s.suite))].sort();
  if (wanted !== undefined) {
    const kept = summaries.filter((s) => s.suite === wanted);
    if (kept.length === 0) throw new UserError(`no summaries for suite "${wanted}"; found: ${suites.join(', ')}`);
    return kept;
  }
  const hashes = new Set(summaries.map((s) => s.suiteHash));
  if (suites.length > 1 && hashes.size > 1) throw new UserError(`summaries of several suites (${suites.join(', ')}); pick one with --suite`);
  return summaries;
}

/** Each (variant, seed)'s summary at `step`; refuses, naming them, runs never probed there. */
function runsAtStep(summaries: RunSummary[], step: number): RunSummary[] {
  const atStep = finalRuns(summaries.filter((s) => s.step === step));
  const missing = finalRuns(summaries).filter((run) => !atStep.some((s) => s.variant === run.variant && s.seed === run.seed));
  if (missing.length > 0) {
    const steps = (run: RunSummary) => summaries.filter((s) => s.variant === run.variant && s.seed === run.seed).map((s) => s.step).sort((a, b) => a - b);
    throw new UserError(`--step ${step}: ${missing.map((run) => `${run.run} (probed at ${steps(run).join(', ')})`).join('; ')} ${missing.length === 1 ? 'has' : 'have'} no probe at that step`);
  }
  return atStep;
}

/** Steps at which every (variant, seed) was probed, for the message that suggests --step. */
function commonSteps(summaries: RunSummary[]): number[] {
  const runs = finalRuns(summaries);
  const steps = [...new Set(summaries.map((s) => s.step))].sort((a, b) => a - b);
  return steps.filter((step) => runs.every((run) => summaries.some((s) => s.variant === run.variant && s.seed === run.seed && s.step === step)));
}

function refuseMismatches(mismatches: Mismatch[], summaries: RunSummary[], options: CompareOptions): void {
  if (mismatches.length === 0 || options.allowMismatch) return;
  const stepHint = mismatches.some((m) => m.field === 'step') && options.step === undefined
    ? `compare at a step all runs have with --step N (${commonSteps(summaries).join(', ') || 'there is none'}), or `
    : '';
  throw new UserError(`the runs differ in ${describeMismatches(mismatches)}; ${stepHint}pass --allow-mismatch to compare them anyway`);
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
  // Holm's adjustment is made across the paradigms once every difference is known (holmAcrossParadigms).
  const unadjusted = { p_holm: null, significant_holm: null };
  if (sameSeeds(variant.seeds, baseline.seeds) && variant.seeds.length >= 2) {
    const perSeed = variant.accuracies.map((a, i) => a - baseline.accuracies[i]);
    const stats = tSummary(perSeed, level);
    return {
      ...common, method: 'paired-t', mean_difference: stats.mean, sd: stats.sd, ci95: stats.ci, excludes_zero: verdict(stats.ci),
      p_value: tTestP(perSeed), ...unadjusted,
    };
  }
  const meanDifference = mean(variant.accuracies) - mean(baseline.accuracies);
  const enough = variant.accuracies.length >= 2 && baseline.accuracies.length >= 2;
  const drawn = enough ? bootstrapDifference(variant.accuracies, baseline.accuracies, bootstrap, level) : null;
  return {
    ...common, method: 'bootstrap', mean_difference: meanDifference, sd: null, ci95: drawn?.ci ?? null, excludes_zero: verdict(drawn?.ci ?? null),
    p_value: drawn?.p ?? null, ...unadjusted, bootstrap,
  };
}

/**
 * Holm's correction across one variant's paradigms (not the macro row, a single pre-stated test): 23 Zorro
 * paradigms at 5% each would star about one per variant by chance; Holm keeps the chance of any false star at 5%.
 */
function holmAcrossParadigms(differences: Difference[]): void {
  for (const variant of new Set(differences.map((d) => d.variant))) {
    const family = differences.filter((d) => d.variant === variant && d.paradigm !== MACRO);
    holmAdjust(family.map((d) => d.p_value)).forEach((p, i) => {
      family[i].p_holm = p;
      family[i].significant_holm = p === null ? null : p < HOLM_ALPHA;
    });
  }
}

export function compare(all: RunSummary[], options: CompareOptions = {}): Comparison {
  const level = 0.95;
  const bootstrap = options.bootstrap ?? DEFAULT_BOOTSTRAP;
  const summaries = pickSuite(all, options.suite);
  const finals = options.step === undefined ? finalRuns(summaries) : runsAtStep(summaries, options.step);
  const mismatches = findMismatches(finals);
  refuseMismatches(mismatches, summaries, options);
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
  holmAcrossParadigms(differences);

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
    step: new Set(finals.map((r) => r.step)).size === 1 ? finals[0].step : null,
    mismatches,
    table,
    macro,
    differences,
  };
}
