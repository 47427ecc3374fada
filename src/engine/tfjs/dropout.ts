// Dropout masks of the reference engine, built on the host from the counter-based generator both engines
// share (src/core/dropout.ts) in the fused engine's coordinates: so the two engines drop the same elements.
// Tight loops over typed arrays: a BabyBERTa 16×32 step builds ~4M mask elements.
import * as tf from '@tensorflow/tfjs';
import { dropThreshold, isDropped, keptScale, sequenceHash } from '../../core/dropout.js';

/** Applies dropout at `rate` to `x` at dropout site `site` (DROPOUT_SITES); returns x itself when off. */
export type Dropout = (x: tf.Tensor, rate: number, site: number) => tf.Tensor;

export const noDropout: Dropout = (x) => x;

/**
 * Inverted dropout (like torch.nn.Dropout) under the step's key for a batch of length `seqLen` in a model
 * whose longest sequence is `maxSeq`. Takes [B·T, width] activations (rows b·T + t) and [B, heads, T, T]
 * attention weights.
 */
export function seededDropout(key: number, seqLen: number, maxSeq: number): Dropout {
  return (x, rate, site) => {
    if (rate <= 0) return x;
    let mask: Float32Array;
    if (x.rank === 4) {
      mask = attentionMask(key, site, x.shape as [number, number, number, number], maxSeq, rate);
    } else {
      const [rows, width] = x.shape as [number, number];
      mask = rowMask(key, site, rows, width, seqLen, rate);
    }
    return tf.mul(x, tf.tensor(mask, x.shape));
  };
}

/** Keep factors [rows, width] of a [B·T, width] activation: element t·width + c of sequence b for row b·T + t. */
export function rowMask(key: number, site: number, rows: number, width: number, seqLen: number, p: number): Float32Array {
  const mask = new Float32Array(rows * width);
  const threshold = dropThreshold(p);
  const scale = keptScale(p);
  for (let r = 0; r < rows; r++) {
    const hash = sequenceHash(key, site, Math.floor(r / seqLen));
    const first = (r % seqLen) * width;
    const base = r * width;
    for (let c = 0; c < width; c++) mask[base + c] = isDropped(hash, first + c, threshold) ? 0 : scale;
  }
  return mask;
}

/** Keep factors [B, heads, T, T] of attention weights: element (h·S + i)·S + j of sequence b, S = maxSeq. */
export function attentionMask(key: number, site: number, shape: [number, number, number, number], maxSeq: number, p: number): Float32Array {
  const [batch, heads, seqLen] = shape;
  const mask = new Float32Array(batch * heads * seqLen * seqLen);
  const threshold = dropThreshold(p);
  const scale = keptScale(p);
  let at = 0;
  for (let b = 0; b < batch; b++) {
    const hash = sequenceHash(key, site, b);
    for (let h = 0; h < heads; h++) {
      for (let i = 0; i < seqLen; i++) {
        const first = (h * maxSeq + i) * maxSeq;
        for (let j = 0; j < seqLen; j++) mask[at++] = isDropped(hash, first + j, threshold) ? 0 : scale;
      }
    }
  }
  return mask;
}
