// Global-norm clipping and AdamW exactly as PyTorch's torch.nn.utils.clip_grad_norm_ and torch.optim.AdamW
// (decoupled weight decay first, then the moment updates), with BabyBERTa's no-bias-correction variant; then the
// projection of parameters with a floor (SSA n ≥ 1, b ≥ SSA_B_MIN: src/model/ssa-bounds.ts) onto it.
import * as tf from '@tensorflow/tfjs';
import type { OptimizerSettings } from '../types.js';
import type { OptimizerState, NamedTensors } from '../../core/tensors.js';
import { checkTensors, toEngineLayout, toHostLayout, type Param } from './params.js';

/** PyTorch adds this to the norm before dividing, so a zero gradient never divides by zero. */
const CLIP_EPS = 1e-6;

/**
 * √(Σ‖g‖²) over all gradients, as a scalar tensor. The per-tensor sums are concatenated rather than
 * passed to tf.addN: WebGPU's addN binds one storage buffer per input and devices allow as few as 8.
 */
export function globalNorm(gradients: tf.Tensor[]): tf.Scalar {
  const squares = gradients.map((g) => tf.reshape(tf.sum(tf.square(g)), [1])); // [1] each
  return tf.sqrt(tf.sum(tf.concat(squares))) as tf.Scalar;
}

/** min(1, clipNorm / (norm + 1e-6)); 1 when clipping is off. */
export function clipCoefficient(norm: tf.Scalar, clipNorm: number): tf.Scalar {
  if (clipNorm <= 0) return tf.scalar(1);
  return tf.minimum(tf.div(clipNorm, tf.add(norm, CLIP_EPS)), 1) as tf.Scalar;
}

function zeroVariable(like: tf.Tensor): tf.Variable {
  const zeros = tf.zerosLike(like);
  const variable = tf.variable(zeros, false);
  zeros.dispose();
  return variable;
}

interface Moments {
  param: Param;
  expAvg: tf.Variable;
  expAvgSq: tf.Variable;
}

export class AdamW {
  /** Updates applied so far (PyTorch's `state['step']`). */
  step = 0;
  private readonly moments: Moments[];

  constructor(params: Param[], private readonly settings: OptimizerSettings) {
    this.moments = params.map((param) => ({
      param,
      expAvg: zeroVariable(param.variable),
      expAvgSq: zeroVariable(param.variable),
    }));
  }

  /** One update; `gradients[i]` belongs to the i-th parameter and is scaled by `clipCoef` first. */
  apply(gradients: tf.Tensor[], lr: number, clipCoef: tf.Scalar): void {
    const { beta1, beta2, eps, weightDecay, biasCorrection } = this.settings;
    this.step++;
    const bc1 = biasCorrection ? 1 - beta1 ** this.step : 1;
    const bc2 = biasCorrection ? 1 - beta2 ** this.step : 1;
    const stepSize = lr / bc1;
    const sqrtBc2 = Math.sqrt(bc2);
    tf.tidy(() => {
      this.moments.forEach(({ param, expAvg, expAvgSq }, i) => {
        const g = tf.mul(gradients[i], clipCoef);
        const decay = param.spec.decay && weightDecay > 0;
        const p = decay ? tf.mul(param.variable, 1 - lr * weightDecay) : param.variable;
        const m = tf.add(tf.mul(expAvg, beta1), tf.mul(g, 1 - beta1));
        const v = tf.add(tf.mul(expAvgSq, beta2), tf.mul(tf.square(g), 1 - beta2));
        const denom = tf.add(tf.div(tf.sqrt(v), sqrtBc2), eps);
        const updated = tf.sub(p, tf.mul(tf.div(m, denom), stepSize));
        param.variable.assign(param.spec.floor === undefined ? updated : tf.maximum(updated, param.spec.floor));
        expAvg.assign(m);
        expAvgSq.assign(v);
      });
    });
  }

  async read(): Promise<OptimizerState> {
    const tensors: NamedTensors = new Map();
    for (const { param, expAvg, expAvgSq } of this.moments) {
      tensors.set(`${param.spec.name}.exp_avg`, await toHostLayout(param.spec, expAvg));
      tensors.set(`${param.spec.name}.exp_avg_sq`, await toHostLayout(param.spec, expAvgSq));
    }
    return { step: this.step, tensors };
  }

  load(state: OptimizerState): void {
    const specs = this.moments.map((m) => m.param.spec);
    const expected = [...specs.map((s) => ({ ...s, name: `${s.name}.exp_avg` })), ...specs.map((s) => ({ ...s, name: `${s.name}.exp_avg_sq` }))];
    checkTensors(expected, state.tensors, 'optimizer state');
    for (const { param, expAvg, expAvgSq } of this.moments) {
      tf.tidy(() => {
        expAvg.assign(toEngineLayout(param.spec, state.tensors.get(`${param.spec.name}.exp_avg`)!));
        expAvgSq.assign(toEngineLayout(param.spec, state.tensors.get(`${param.spec.name}.exp_avg_sq`)!));
      });
    }
    this.step = state.step;
  }

  dispose(): void {
    for (const { expAvg, expAvgSq } of this.moments) {
      expAvg.dispose();
      expAvgSq.dispose();
    }
  }
}
