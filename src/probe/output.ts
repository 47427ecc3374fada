// Writing a probe's results (summary.json + items.jsonl, each atomically) and the human table for stderr.
import { basename, dirname, join, resolve, sep } from 'node:path';
import { readdir } from 'node:fs/promises';
import { pathExists, writeFileAtomic } from '../core/files.js';
import type { ProbeItem, ProbeSummary } from './summary.js';

export const SUMMARY_FILE = 'summary.json';
export const ITEMS_FILE = 'items.jsonl';

/**
 * Where a run's probe results go: results/ mirrors checkpoints/ (checkpoints/<sweep>/<run> → results/<sweep>/<run>);
 * a run folder elsewhere gets results/<run> beside it (a sweep's: inside the sweep's folder), never the working
 * directory's, so two sweeps of the same variants cannot write over each other's results.
 */
export function resultsDirForRun(runDir: string): string {
  const parts = resolve(runDir).split(sep);
  const at = parts.lastIndexOf('checkpoints');
  if (at >= 0) return [...parts.slice(0, at), 'results', ...parts.slice(at + 1)].join(sep);
  return join(dirname(resolve(runDir)), 'results', basename(runDir));
}

/** Whether a probe of the run at this step has finished (some suite's summary.json is there). */
export async function hasProbeResults(runDir: string, step: number): Promise<boolean> {
  const dir = join(resultsDirForRun(runDir), `step-${step}`);
  const suites = await readdir(dir).catch(() => [] as string[]);
  const found = await Promise.all(suites.map((suite) => pathExists(join(dir, suite, SUMMARY_FILE))));
  return found.some(Boolean);
}

export async function writeProbeResults(dir: string, summary: ProbeSummary, items: readonly ProbeItem[]): Promise<void> {
  // items first: a summary.json on disk means the run finished and its items are whole.
  await writeFileAtomic(join(dir, ITEMS_FILE), items.map((item) => JSON.stringify(item)).join('\n') + '\n');
  await writeFileAtomic(join(dir, SUMMARY_FILE), JSON.stringify(summary, null, 2) + '\n');
}

function percent(x: number): string {
  return (100 * x).toFixed(1);
}

/** A plain-text table of per-paradigm accuracy with 95% Wilson intervals. */
export function formatSummaryTable(summary: ProbeSummary): string {
  const width = Math.max('paradigm'.length, ...summary.paradigms.map((p) => p.paradigm.length));
  const header = `${'paradigm'.padEnd(width)}  ${'pairs'.padStart(6)}  ${'acc %'.padStart(6)}  ${'95% CI'.padStart(13)}  ${'ties'.padStart(5)}`;
  const lines = summary.paradigms.map(
    (p) =>
      `${p.paradigm.padEnd(width)}  ${String(p.n_pairs).padStart(6)}  ${percent(p.accuracy).padStart(6)}  ` +
      `${`${percent(p.ci95[0])}-${percent(p.ci95[1])}`.padStart(13)}  ${String(p.n_ties).padStart(5)}`,
  );
  const total = summary.suite.n_pairs;
  const footer =
    `${'macro accuracy'.padEnd(width)}  ${String(total).padStart(6)}  ${percent(summary.macro_accuracy).padStart(6)}  ${''.padStart(13)}  ` +
    `${String(summary.n_ties).padStart(5)}`;
  const facts =
    `${summary.model.run} step ${summary.model.step} · ${summary.suite.name} · ${summary.scoring.method}, ties ${summary.scoring.ties} · ` +
    `${summary.elapsed_s.toFixed(1)} s, ${summary.pairs_per_s.toFixed(0)} pairs/s (scoring alone ${summary.scoring_s.toFixed(2)} s, ` +
    `${(summary.suite.n_pairs / Math.max(summary.scoring_s, 1e-9)).toFixed(0)} pairs/s) on ${summary.engine}/${summary.backend}`;
  return [facts, header, '-'.repeat(header.length), ...lines, '-'.repeat(header.length), footer].join('\n') + '\n';
}
