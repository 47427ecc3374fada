// Files of a comparison: comparison.json (the aggregated table a notebook reads with json_normalize) and
// comparison.jsonl (one row per variant, seed, step and paradigm, for pandas.read_json(lines=True)).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../core/errors.js';
import { writeFileAtomic } from '../core/files.js';
import type { Comparison, LongRow } from './compare.js';

export const COMPARISON_JSON = 'comparison.json';
export const COMPARISON_JSONL = 'comparison.jsonl';

export async function writeComparison(outDir: string, comparison: Comparison, rows: LongRow[]): Promise<void> {
  await writeFileAtomic(join(outDir, COMPARISON_JSON), JSON.stringify(comparison, null, 2) + '\n');
  await writeFileAtomic(join(outDir, COMPARISON_JSONL), rows.map((row) => JSON.stringify(row) + '\n').join(''));
}

export async function readComparison(dir: string): Promise<{ comparison: Comparison; rows: LongRow[] }> {
  const jsonPath = join(dir, COMPARISON_JSON);
  const text = await readFile(jsonPath, 'utf8').catch(() => null);
  if (text === null) throw new UserError(`no ${COMPARISON_JSON} in ${dir}; run \`babyssa compare ... --out ${dir}\` first`);
  let comparison: Comparison;
  try {
    comparison = JSON.parse(text) as Comparison;
  } catch {
    throw new UserError(`${jsonPath} is not valid JSON`);
  }
  const lines = await readFile(join(dir, COMPARISON_JSONL), 'utf8').catch(() => '');
  const rows = lines.split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line) as LongRow);
  return { comparison, rows };
}
