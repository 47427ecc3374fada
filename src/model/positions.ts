import type { TokenBatch } from '../core/batches.js';
import { SPECIAL_IDS } from './config.js';

/** RoBERTa position ids, cumsum(mask)·mask + pad: the first real token gets pad + 1 = 2, padding gets 1. */
export function positionIds(batch: TokenBatch): Int32Array {
  const { batchSize, seqLen, attentionMask } = batch;
  const positions = new Int32Array(batchSize * seqLen);
  for (let b = 0; b < batchSize; b++) {
    let seen = 0;
    for (let t = 0; t < seqLen; t++) {
      const i = b * seqLen + t;
      if (attentionMask[i]) seen++;
      positions[i] = attentionMask[i] ? seen + SPECIAL_IDS.pad : SPECIAL_IDS.pad;
    }
  }
  return positions;
}
