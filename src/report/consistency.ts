// What must agree before runs are paired in one comparison: the probed step, the scoring method and tie policy,
// the suite's content hash, and the training config (config/run-keys.ts COMPARED_KEYS, each with the changes a
// resume recorded). A crashed run probed at 50K beside finished ones at 160K, or a run trained at another lr,
// would otherwise pass for the same experiment. `compare` refuses on any mismatch, naming the runs, unless told
// to go on (--allow-mismatch), and then records them.
import { COMPARED_KEYS } from '../config/run-keys.js';
import type { ConfigChange } from '../train/resume-changes.js';

/** What a probed run says about how it was trained and probed (a RunSummary has these fields). */
export interface ComparedRun {
  run: string;
  step: number;
  suiteHash: string | null;
  scoring: { method: string | null; ties: string | null };
  training: Record<string, string> | null;
}

export interface Mismatch {
  /** What differs: "step", "scoring method", "ties", "suite hash" or "training config <key>". */
  field: string;
  /** The runs by value, the largest group first. */
  groups: { value: string; runs: string[] }[];
}

/**
 * Each compared key's value over the run's life up to `step`: as it started, then each change recorded before
 * that step (a change made on resuming from step s holds from step s + 1, so it did not shape a probe at s).
 */
export function trainingHistory(resolved: Record<string, unknown>, changes: readonly ConfigChange[], step: number): Record<string, string> {
  return Object.fromEntries(
    COMPARED_KEYS.map((key) => {
      let history = JSON.stringify(resolved[key] ?? null);
      for (const change of changes) {
        if (change.key === key && change.step < step) history += ` → ${JSON.stringify(change.to)} after step ${change.step}`;
      }
      return [key, history];
    }),
  );
}

function grouped(field: string, runs: readonly ComparedRun[], valueFor: (run: ComparedRun) => string): Mismatch | null {
  const byValue = new Map<string, string[]>();
  for (const run of runs) byValue.set(valueFor(run), [...(byValue.get(valueFor(run)) ?? []), run.run]);
  if (byValue.size < 2) return null;
  const groups = [...byValue].map(([value, names]) => ({ value, runs: names })).sort((a, b) => b.runs.length - a.runs.length);
  return { field, groups };
}

const UNKNOWN_CONFIG = 'unknown (no config.resolved.json found)';

export function findMismatches(runs: readonly ComparedRun[]): Mismatch[] {
  const checks: [string, (run: ComparedRun) => string][] = [
    ['step', (run) => String(run.step)],
    ['scoring method', (run) => run.scoring.method ?? 'unknown'],
    ['ties', (run) => run.scoring.ties ?? 'unknown'],
    ['suite hash', (run) => run.suiteHash ?? 'unknown'],
  ];
  // Results copied away from every checkpoint carry no training config: nothing to compare then.
  if (runs.some((run) => run.training !== null)) {
    for (const key of COMPARED_KEYS) checks.push([`training config ${key}`, (run) => run.training?.[key] ?? UNKNOWN_CONFIG]);
  }
  return checks.flatMap(([field, valueFor]) => grouped(field, runs, valueFor) ?? []);
}

/** One line: for each mismatch, the runs outside its largest group with their values, and the rest's value. */
export function describeMismatches(mismatches: readonly Mismatch[]): string {
  return mismatches
    .map(({ field, groups }) => {
      const [largest, ...others] = groups;
      const odd = others.map((g) => `${g.runs.join(', ')} ${g.runs.length === 1 ? 'has' : 'have'} ${g.value}`).join('; ');
      return `${field}: ${odd} (the other ${largest.runs.length}: ${largest.value})`;
    })
    .join('; ');
}
