// BLiMP's format: JSON lines with `sentence_good` and `sentence_bad`; the paradigm comes from `paradigm` or
// `UID` (BLiMP's name for it), else the file's name, and the phenomenon from `phenomenon`, BLiMP's
// `linguistics_term`, or the paradigm name's part before its last dash (Zorro's convention).
import { UserError } from '../core/errors.js';
import type { MinimalPair, Paradigm } from './types.js';
import { phenomenonOf } from './zorro.js';

function optionalString(record: Record<string, unknown>, key: string, where: string): string | undefined {
  const value = record[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.trim() === '') throw new UserError(`${where}: field ${key} must be a non-empty string`);
  return value.trim();
}

function requiredSentence(record: Record<string, unknown>, key: string, where: string): string {
  const value = optionalString(record, key, where);
  if (value === undefined) throw new UserError(`${where}: missing field ${key} (a non-empty string)`);
  return value;
}

/** Paradigms of a BLiMP-style JSONL file's text, in the order their first pair appears. */
export function parseBlimpJsonl(text: string, source: string, fallbackParadigm: string): Paradigm[] {
  const byName = new Map<string, { phenomenon: string; pairs: MinimalPair[] }>();
  const lines = text.split('\n');
  lines.forEach((raw, index) => {
    const line = raw.trim();
    if (line === '') return;
    const where = `${source} line ${index + 1}`;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch (error) {
      throw new UserError(`${where}: not valid JSON (${(error as Error).message})`);
    }
    if (typeof record !== 'object' || record === null || Array.isArray(record)) {
      throw new UserError(`${where}: expected a JSON object with sentence_good and sentence_bad`);
    }
    const fields = record as Record<string, unknown>;
    const good = requiredSentence(fields, 'sentence_good', where);
    const bad = requiredSentence(fields, 'sentence_bad', where);
    if (good === bad) throw new UserError(`${where}: sentence_good and sentence_bad are identical`);
    const paradigm = optionalString(fields, 'paradigm', where) ?? optionalString(fields, 'UID', where) ?? fallbackParadigm;
    const phenomenon = optionalString(fields, 'phenomenon', where) ?? optionalString(fields, 'linguistics_term', where) ?? phenomenonOf(paradigm);
    let entry = byName.get(paradigm);
    if (!entry) {
      entry = { phenomenon, pairs: [] };
      byName.set(paradigm, entry);
    }
    entry.pairs.push({ good, bad });
  });
  if (byName.size === 0) throw new UserError(`${source}: no pairs (expected JSON lines with sentence_good and sentence_bad)`);
  return [...byName].map(([name, { phenomenon, pairs }]) => ({ name, phenomenon, source, pairs }));
}
