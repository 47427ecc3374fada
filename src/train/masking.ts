// Masked-LM targets. BabyBERTa (Huebner et al. 2021): every non-special token is chosen with p = .15, redrawn
// until at least one is chosen, and the copies of one utterance in a pass get distinct patterns; a chosen token
// becomes <mask> 90% of the time and a random ordinary id 10% of the time, never left unchanged (that 0% is what
// keeps holistic probing accurate). "hf" is BERT's 80/10/10.
import { FIRST_ORDINARY_ID, SPECIAL_IDS } from '../model/config.js';
import type { RandomStream } from '../core/random.js';

export type MaskingScheme = 'babyberta' | 'hf';

export interface MaskedSequence {
  inputIds: Int32Array;
  /** Positions (within the sequence) whose original token is predicted. */
  positions: number[];
  targets: number[];
}

const SHARES: Record<MaskingScheme, { mask: number; random: number }> = {
  babyberta: { mask: 0.9, random: 0.1 },
  hf: { mask: 0.8, random: 0.1 },
};

/** Number of mask patterns per utterance and pass: min(maxPatterns, C(n, 2)) for n maskable tokens. */
export function maskPatternCount(maskableTokens: number, maxPatterns: number, scheme: MaskingScheme): number {
  if (scheme === 'hf') return 1;
  const pairs = (maskableTokens * (maskableTokens - 1)) / 2;
  return Math.max(1, Math.min(maxPatterns, pairs));
}

/** Inner positions (never <s> at 0 nor </s> at length − 1), each chosen with `probability`, redrawn until one is. */
export function choosePositions(length: number, probability: number, random: RandomStream): number[] {
  if (length < 3) throw new Error(`cannot mask a sequence of ${length} tokens: it has no token between <s> and </s>`);
  const positions: number[] = [];
  while (positions.length === 0) {
    for (let t = 1; t < length - 1; t++) if (random.next() < probability) positions.push(t);
  }
  return positions;
}

/**
 * Draws per wanted pattern before a repeat is accepted. Every non-empty set of positions has a positive chance,
 * and min(10, C(n,2)) never exceeds the 2^n − 1 sets there are, so the draws end; the cap only bounds a mask
 * probability so near 0 or 1 that the rarer sets almost never come up.
 */
const DRAWS_PER_PATTERN = 100;

/**
 * The first `count` mask patterns of an utterance of `length` tokens, distinct (BabyBERTa: each copy of a
 * sentence is seen under its own pattern), drawn as choosePositions draws them and redrawn on a repeat.
 */
export function distinctPatterns(length: number, count: number, probability: number, random: RandomStream): number[][] {
  const patterns: number[][] = [];
  const seen = new Set<string>();
  for (let draws = 0; patterns.length < count; draws++) {
    const positions = choosePositions(length, probability, random);
    const key = positions.join(',');
    if (seen.has(key) && draws < count * DRAWS_PER_PATTERN) continue;
    seen.add(key);
    patterns.push(positions);
  }
  return patterns;
}

/** Masks the chosen `positions` of `ids` (which include <s> and </s>): each becomes <mask> or a random id. */
export function maskSequence(ids: ArrayLike<number>, positions: number[], scheme: MaskingScheme, vocabSize: number, random: RandomStream): MaskedSequence {
  const inputIds = Int32Array.from(ids);
  const shares = SHARES[scheme];
  const targets = positions.map((t) => ids[t]);
  for (const t of positions) {
    const roll = random.next();
    if (roll < shares.mask) inputIds[t] = SPECIAL_IDS.mask;
    else if (roll < shares.mask + shares.random) inputIds[t] = FIRST_ORDINARY_ID + random.int(vocabSize - FIRST_ORDINARY_ID);
  }
  return { inputIds, positions, targets };
}
