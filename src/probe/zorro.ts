// Zorro's file format: one sentence per line, odd lines (1st, 3rd, …) ungrammatical, each even line the
// grammatical partner of the line above it. Everything wrong with a file is reported as one line naming it.
import { UserError } from '../core/errors.js';
import type { MinimalPair } from './types.js';

/** Lines of a text file without a final newline's empty tail; CRLF files read like LF files. */
function splitLines(text: string): string[] {
  const lines = text.split('\n').map((line) => line.replace(/\r$/, ''));
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Pairs of a Zorro-format file's text; `source` names the file in errors. */
export function parseZorroText(text: string, source: string): MinimalPair[] {
  const lines = splitLines(text);
  if (lines.length === 0) throw new UserError(`${source}: no sentences (a Zorro file holds bad/good line pairs)`);
  const emptyAt = lines.findIndex((line) => line.trim() === '');
  if (emptyAt >= 0) throw new UserError(`${source} line ${emptyAt + 1}: empty line (every line must be a sentence)`);
  if (lines.length % 2 !== 0) {
    throw new UserError(`${source}: odd number of lines (${lines.length}); line ${lines.length} has no grammatical partner`);
  }
  const pairs: MinimalPair[] = [];
  for (let i = 0; i < lines.length; i += 2) {
    const bad = lines[i].trim();
    const good = lines[i + 1].trim();
    if (bad === good) throw new UserError(`${source} lines ${i + 1}-${i + 2}: the two sentences of a pair are identical`);
    pairs.push({ good, bad });
  }
  return pairs;
}

/**
 * Zorro names files `<phenomenon>-<paradigm>.txt`; paradigms use underscores but phenomena may hold a dash
 * (`filler-gap-wh_question_object`, `island-effects-adjunct_island`), so the last dash splits. A name without
 * a dash is its own phenomenon.
 */
export function phenomenonOf(paradigm: string): string {
  const dash = paradigm.lastIndexOf('-');
  return dash > 0 ? paradigm.slice(0, dash) : paradigm;
}
