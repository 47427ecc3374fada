// Reading AO-CHILDES-format text: one utterance per line, lower-case, whitespace tokens, end punctuation as a
// token. Every problem with the file is a UserError of one line, so the CLI never shows a stack trace for it.
import { readFile, stat } from 'node:fs/promises';
import { UserError } from '../core/errors.js';

/** BabyBERTa drops utterances of fewer than 3 whitespace tokens ("look .", "uh oh"): too short to mask usefully. */
export const MIN_UTTERANCE_TOKENS = 3;

async function readBytes(path: string): Promise<Buffer> {
  const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') throw new UserError(`corpus file not found: ${path}`);
    throw new UserError(`cannot read corpus ${path}: ${error.message}`);
  });
  if (info.isDirectory()) throw new UserError(`corpus is a directory, not a text file: ${path}`);
  return readFile(path).catch((error: NodeJS.ErrnoException) => {
    throw new UserError(`cannot read corpus ${path}: ${error.message}`);
  });
}

/** The 1-based line holding the first byte that is not valid UTF-8 (found only once decoding has failed). */
function firstBadLine(bytes: Uint8Array): number {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let line = 1;
  let start = 0;
  for (let i = 0; i <= bytes.length; i++) {
    if (i === bytes.length || bytes[i] === 0x0a) {
      try {
        decoder.decode(bytes.subarray(start, i));
      } catch {
        return line;
      }
      line++;
      start = i + 1;
    }
  }
  return line;
}

/** Decodes strictly: a corpus with broken bytes is rejected rather than silently filled with U+FFFD. */
export function decodeCorpus(bytes: Uint8Array, source: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new UserError(`${source}: line ${firstBadLine(bytes)} is not valid UTF-8; convert the file to UTF-8`);
  }
}

/** Non-blank lines, trimmed, in file order. */
export function splitCorpusLines(text: string): string[] {
  return text.split(/\r?\n/).map((line) => line.trim()).filter((line) => line.length > 0);
}

/** The corpus's non-blank lines; fails with one clear line on a missing, empty or non-UTF-8 file. */
export async function readCorpusLines(path: string): Promise<string[]> {
  const bytes = await readBytes(path);
  if (bytes.length === 0) throw new UserError(`corpus file is empty: ${path}`);
  const lines = splitCorpusLines(decodeCorpus(bytes, path));
  if (lines.length === 0) throw new UserError(`corpus file has only blank lines: ${path}`);
  return lines;
}

export function whitespaceTokens(line: string): string[] {
  return line.split(/\s+/).filter((token) => token.length > 0);
}

export function isUtterance(line: string): boolean {
  return whitespaceTokens(line).length >= MIN_UTTERANCE_TOKENS;
}

export interface UtteranceSelection {
  utterances: string[];
  /** Lines dropped for having fewer than MIN_UTTERANCE_TOKENS tokens. */
  droppedShort: number;
}

export function selectUtterances(lines: readonly string[]): UtteranceSelection {
  const utterances = lines.filter(isUtterance);
  return { utterances, droppedShort: lines.length - utterances.length };
}

/** The lines BabyBERTa trains on. */
export function keepUtterances(lines: readonly string[]): string[] {
  return selectUtterances(lines).utterances;
}
