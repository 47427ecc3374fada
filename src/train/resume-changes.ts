// Settings changed on `--resume --allow-config-change` (and a changed --steps, the run's total), one JSON line
// each in the run folder's resume-changes.jsonl: {step, key, from, to}. config.resolved.json keeps the settings
// the run started with; this file is the rest of its history, which `compare` reads.
import { readFileSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../core/errors.js';

export const RESUME_CHANGES_FILE = 'resume-changes.jsonl';

export interface ConfigChange {
  /** The checkpoint step the run resumed from: the new value holds from the step after it. */
  step: number;
  key: string;
  from: unknown;
  to: unknown;
}

export async function appendResumeChanges(runDir: string, changes: readonly ConfigChange[]): Promise<void> {
  if (changes.length === 0) return;
  await appendFile(join(runDir, RESUME_CHANGES_FILE), changes.map((change) => JSON.stringify(change) + '\n').join(''));
}

/** The run's recorded changes in the order they were made; none when the file is absent. Synchronous, as the
 * CLI resolves a resumed run's config (read once per run, a few lines). */
export function readResumeChanges(runDir: string): ConfigChange[] {
  const path = join(runDir, RESUME_CHANGES_FILE);
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  return text.split('\n').filter((line) => line.trim() !== '').map((line, i) => {
    try {
      return JSON.parse(line) as ConfigChange;
    } catch {
      throw new UserError(`${path} line ${i + 1} is not valid JSON`);
    }
  });
}

/** A run's settings now: config.resolved.json as it started, with every recorded change applied; null without one. */
export function currentRunConfig(runDir: string): Record<string, unknown> | null {
  const path = join(runDir, 'config.resolved.json');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return null;
  }
  let saved: Record<string, unknown>;
  try {
    saved = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new UserError(`${path} is not valid JSON`);
  }
  for (const change of readResumeChanges(runDir)) saved[change.key] = change.to;
  return saved;
}
