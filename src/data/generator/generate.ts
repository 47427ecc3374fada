// The embedded default corpus: child-directed-style utterances from our own grammar and word lists,
// deterministic for a seed, in AO-CHILDES format (one utterance per line, lower-case, punctuation as tokens).
import { streamFromSeed } from '../../core/random.js';
import { Phrases } from './phrases.js';
import { Utterances } from './utterances.js';

/** The corpus generator's own stream name, so a corpus seed never shares draws with a training run's seed. */
const CORPUS_STREAM = 'babyssa-corpus';

export interface GenerateOptions {
  /** Stop once at least this many whitespace tokens have been written. */
  tokens: number;
  seed: number;
}

export function generateUtterances(options: GenerateOptions): string[] {
  if (!Number.isInteger(options.tokens) || options.tokens <= 0) throw new RangeError(`tokens must be a positive integer, got ${options.tokens}`);
  const utterances = new Utterances(new Phrases(streamFromSeed(`${CORPUS_STREAM}/${options.seed}`)));
  const lines: string[] = [];
  let count = 0;
  while (count < options.tokens) {
    const tokens = utterances.next();
    lines.push(tokens.join(' '));
    count += tokens.length;
  }
  return lines;
}

/** The corpus file's text: one utterance per line, newline-terminated. */
export function generateCorpusText(options: GenerateOptions): string {
  return `${generateUtterances(options).join('\n')}\n`;
}
