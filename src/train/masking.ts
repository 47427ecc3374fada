// Masked-LM targets. BabyBERTa (Huebner et al. 2021): every non-special token is chosen with p = .15, redrawn
// until at least one is chosen; a chosen token becomes <mask> 90% of the time and a random ordinary id 10% of
// the time, never left unchanged (that 0% is what keeps holistic probing accurate). "hf" is BERT's 80/10/10.
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

/** `ids` includes <s> and </s>, which are never chosen. */
export function maskSequence(ids: ArrayLike<number>, probability: number, scheme: MaskingScheme, vocabSize: number, random: RandomStream): MaskedSequence {
  if (ids.length < 3) throw new Error(`cannot mask a sequence of ${ids.length} tokens: it has no token between <s> and </s>`);
  const inputIds = Int32Array.from(ids);
  const positions: number[] = [];
  while (positions.length === 0) {
    for (let t = 1; t < ids.length - 1; t++) if (random.next() < probability) positions.push(t);
  }
  const shares = SHARES[scheme];
  const targets = positions.map((t) => ids[t]);
  for (const t of positions) {
    const roll = random.next();
    if (roll < shares.mask) inputIds[t] = SPECIAL_IDS.mask;
    else if (roll < shares.mask + shares.random) inputIds[t] = FIRST_ORDINARY_ID + random.int(vocabSize - FIRST_ORDINARY_ID);
  }
  return { inputIds, positions, targets };
}
