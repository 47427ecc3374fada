// Whether a suite suits a model before anything is scored: the tokenizer a generated suite was made for (its
// suite.json records the tokenizer's sha256; Zorro and BLiMP files record none, so there is nothing to compare)
// and sentences that fit the model's positions. `probe` checks both first, a run that probes before step 1.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../core/errors.js';
import { shippedPath } from '../config/paths.js';
import type { SentenceTokenizer } from './run.js';
import type { Suite } from './types.js';

/** The shipped suites (probes/README.md), each generated for one shipped tokenizer. */
export const SHIPPED_SUITES = ['probes/default', 'probes/babyberta'] as const;

export function tokenizerSha256(tokenizerJson: string): string {
  return createHash('sha256').update(tokenizerJson).digest('hex');
}

/** Refuses a generated suite made for another tokenizer: its whole-word choices and the model's ids disagree. */
export function checkSuiteTokenizer(suite: Suite, tokenizerJson: string, tokenizerSource: string): void {
  const actual = tokenizerSha256(tokenizerJson);
  if (suite.tokenizerSha256 === null || suite.tokenizerSha256 === actual) return;
  throw new UserError(
    `suite ${suite.name} was generated for another tokenizer (sha256 ${suite.tokenizerSha256.slice(0, 12)}…) than ${tokenizerSource} ` +
      `(sha256 ${actual.slice(0, 12)}…); make one for it with \`babyssa probes generate --tokenizer ${tokenizerSource}\`, or pass --allow-tokenizer-mismatch`,
  );
}

/**
 * Refuses a sentence longer than the model's positions. Byte-level BPE gives at most one token per byte plus
 * the prefix space, so only sentences whose bytes could exceed the limit are encoded to find out.
 */
export function checkSuiteFits(suite: Suite, tokenizer: SentenceTokenizer, maxLength: number): void {
  for (const paradigm of suite.paradigms) {
    paradigm.pairs.forEach((pair, i) => {
      for (const text of [pair.good, pair.bad]) {
        if (Buffer.byteLength(text.toLowerCase()) + 3 <= maxLength) continue;
        const length = tokenizer.encode(text).ids.length;
        if (length > maxLength) throw new UserError(`${paradigm.source} pair ${i + 1}: "${text}" is ${length} tokens long; this model takes at most ${maxLength}`);
      }
    });
  }
}

/** The shipped suite generated for this tokenizer, or probes/default when none was. */
export async function defaultSuiteFor(tokenizerJson: string): Promise<string> {
  const wanted = tokenizerSha256(tokenizerJson);
  for (const suite of SHIPPED_SUITES) {
    const manifest = await readFile(join(shippedPath(suite), 'suite.json'), 'utf8').catch(() => '{}');
    if ((JSON.parse(manifest) as { tokenizer_sha256?: string }).tokenizer_sha256 === wanted) return shippedPath(suite);
  }
  return shippedPath(SHIPPED_SUITES[0]);
}
