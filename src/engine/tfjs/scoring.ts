// Attention scoring behind one signature: scaled logits x = q·kᵀ/√d and a key mask in, weights out.
// softmax: softmax(x). SSA (arXiv 2508.14685): w = (1 + b|x|)^(n·sgn x), a = w / Σw, computed in log space
// as softmax(t) with t = n·sgn(x)·log1p(b|x|). Masked keys are replaced by a huge negative t *after* the
// transform (never −inf through it), so they get weight exactly 0 and n, b keep finite gradients.
import * as tf from '@tensorflow/tfjs';

export type Scoring =
  | { kind: 'softmax' }
  /** n and b hold one value per layer ([1]) or one per head ([H]). */
  | { kind: 'ssa'; n: tf.Tensor1D; b: tf.Tensor1D };

/** exp(−1e9 − max) underflows to exactly 0 in float32 on every backend. */
const MASKED = -1e9;
/** Below this, log1p(u) = u − u²/2 + u³/3 to float32 precision, and backends without a true log1p lose it. */
const SERIES_BELOW = 1e-3;

/**
 * Attention weights [B, H, T, Tk] from scaled logits [B, H, T, Tk]; `keyMask` is a bool tensor
 * broadcastable to the logits (true = a real key), typically [B, 1, 1, Tk].
 */
export function attentionWeights(logits: tf.Tensor4D, keyMask: tf.Tensor, scoring: Scoring): tf.Tensor4D {
  const scores = scoring.kind === 'softmax' ? logits : ssaScores(logits, scoring.n, scoring.b);
  const masked = tf.where(keyMask, scores, tf.fill(scores.shape, MASKED)); // [B, H, T, Tk]
  return tf.softmax(masked); // [B, H, T, Tk]
}

/** SSA's log-space scores t = n·sgn(x)·log1p(b·|x|) [B, H, T, Tk], with n, b broadcast over heads. */
export function ssaScores(x: tf.Tensor4D, n: tf.Tensor1D, b: tf.Tensor1D): tf.Tensor4D {
  const perHead = (s: tf.Tensor1D) => tf.reshape(s, [1, s.shape[0], 1, 1]); // [1, H or 1, 1, 1]
  const u = tf.mul(perHead(b), tf.abs(x)); // [B, H, T, Tk]
  return tf.mul(tf.mul(perHead(n), tf.sign(x)), log1pSmallSafe(u)) as tf.Tensor4D;
}

/**
 * log1p(u) for u ≥ 0, exact to float32 also for tiny u (webgpu computes log1p as log(1 + u)). The gradient
 * 1/(1 + u) is written out: tfjs has none for the comparison that picks the branch.
 */
function log1pSmallSafe(u: tf.Tensor): tf.Tensor {
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [x, save] = args as [tf.Tensor, tf.GradSaveFunc];
    save([x]);
    const series = tf.mul(x, tf.add(tf.mul(x, tf.sub(tf.mul(x, 1 / 3), 0.5)), 1)); // x − x²/2 + x³/3
    return {
      value: tf.where(tf.less(x, SERIES_BELOW), series, tf.log1p(x)),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.div(dy, tf.add(saved[0], 1)),
    };
  });
  return op(u);
}
