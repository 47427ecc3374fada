// The model's building blocks in plain tfjs, with hand-written gradients where tfjs's own are missing on a
// backend (gather) or slow (transposed matmuls on wasm: 10–35× slower than transposing explicitly first).
import * as tf from '@tensorflow/tfjs';

/** tf.customGrad passes the inputs, then the save function, as one rest list. */
type CustomGradArgs = Array<tf.Tensor | tf.GradSaveFunc>;

/** Swaps the last two axes (rank 2, 3 or 4). */
function transposeLast(x: tf.Tensor): tf.Tensor {
  const perm = x.shape.map((_, i) => i);
  perm[perm.length - 2] = perm.length - 1;
  perm[perm.length - 1] = perm.length - 2;
  return tf.transpose(x, perm);
}

/**
 * a·b (batched over leading axes) whose gradients dy·bᵀ and aᵀ·dy also run as untransposed matmuls
 * on explicitly transposed copies: wasm's transposed-operand matmuls are 10–35× slower (measured).
 */
export function matMul<R extends tf.Rank>(a: tf.Tensor<R>, b: tf.Tensor<R>): tf.Tensor<R> {
  const op = tf.customGrad((...args: CustomGradArgs) => {
    const [x, y, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    save([x, y]);
    return {
      value: tf.matMul(x, y),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ys] = saved;
        return [tf.matMul(dy, transposeLast(ys)), tf.matMul(transposeLast(xs), dy)];
      },
    };
  });
  return op(a, b) as tf.Tensor<R>;
}

/** x·W + b with W held [in, out]. */
export function dense(x: tf.Tensor2D, kernel: tf.Tensor2D, bias: tf.Tensor1D): tf.Tensor2D {
  return tf.add(matMul(x, kernel), bias); // [N, out]
}

/**
 * Rows `indices` of `table` (an embedding lookup). Its gradient scatters dy back with scatterND, which
 * sums duplicate indices: tf.gather's own gradient needs UnsortedSegmentSum, absent on wasm and very
 * slow on cpu. `indices` is int32 and constant for the step.
 */
export function gatherRows(table: tf.Tensor2D, indices: tf.Tensor1D): tf.Tensor2D {
  const op = tf.customGrad((...args: CustomGradArgs) => {
    const t = args[0] as tf.Tensor;
    return {
      value: tf.gather(t, indices), // [N, H]
      gradFunc: (dy: tf.Tensor) => tf.scatterND(tf.expandDims(indices, 1), dy, t.shape), // [V, H]
    };
  });
  return op(table) as tf.Tensor2D;
}

const INV_SQRT2 = Math.SQRT1_2;

/** GELU with the exact erf, as HF's "gelu" (not the tanh approximation). */
export function gelu(x: tf.Tensor): tf.Tensor {
  return tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, INV_SQRT2)), 1));
}

/** LayerNorm over the last axis with the biased variance, like torch.nn.LayerNorm. */
export function layerNorm(x: tf.Tensor2D, weight: tf.Tensor1D, bias: tf.Tensor1D, eps: number): tf.Tensor2D {
  const mean = tf.mean(x, -1, true); // [N, 1]
  const centred = tf.sub(x, mean); // [N, H]
  const variance = tf.mean(tf.square(centred), -1, true); // [N, 1]
  const normed = tf.mul(centred, tf.rsqrt(tf.add(variance, eps))); // [N, H]
  return tf.add(tf.mul(normed, weight), bias);
}

/**
 * Mean cross-entropy of `logits` [M, V] against `targetIds` [M], with the closed-form gradient
 * (softmax − onehot)/M: one fused step instead of autodiff through logSoftmax.
 */
export function meanCrossEntropy(logits: tf.Tensor2D, targetIds: tf.Tensor1D): tf.Scalar {
  const op = tf.customGrad((...args: CustomGradArgs) => {
    const [z, save] = args as [tf.Tensor, tf.GradSaveFunc];
    const [m, v] = z.shape;
    const logProbs = tf.logSoftmax(z); // [M, V]
    const oneHot = tf.oneHot(targetIds, v); // [M, V]
    save([logProbs, oneHot]);
    return {
      value: tf.div(tf.neg(tf.sum(tf.mul(logProbs, oneHot))), m),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [lp, hot] = saved;
        return tf.mul(tf.sub(tf.exp(lp), hot), tf.div(dy, m)); // [M, V]
      },
    };
  });
  return op(logits) as tf.Scalar;
}

/** log p(target) per row of `logits` [M, V]. */
export function targetLogProbs(logits: tf.Tensor2D, targetIds: tf.Tensor1D): tf.Tensor1D {
  const logProbs = tf.logSoftmax(logits); // [M, V]
  return tf.sum(tf.mul(logProbs, tf.oneHot(targetIds, logits.shape[1])), 1); // [M]
}
