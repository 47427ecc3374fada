// SSA scoring (src/engine/tfjs/scoring.ts): the paper's numbers, finite-difference gradients w.r.t. logits,
// n and b (one pair per layer and one per head), exact masking, and the softmax limit b = 1/m, n = m.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { attentionWeights, ssaScores, type Scoring } from '../src/engine/tfjs/scoring.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const B = 2;
const H = 3;
const T = 4;

/** Scaled logits [B, H, T, T] with magnitudes up to ~3, deterministic. */
function sampleLogits(): Float32Array {
  return Float32Array.from({ length: B * H * T * T }, (_, i) => 3 * Math.sin(1.7 * i + 0.3));
}

/** Sequence 0 has 4 real keys, sequence 1 only 3 (its last key is padding). */
const KEY_MASK = [1, 1, 1, 1, 1, 1, 1, 0];

function weightsOf(logits: number[] | Float32Array, n: number[], b: number[], mask = KEY_MASK): number[] {
  return tf.tidy(() => {
    const scoring: Scoring = { kind: 'ssa', n: tf.tensor1d(n), b: tf.tensor1d(b) };
    const keyMask = tf.tensor4d(mask, [B, 1, 1, T], 'bool');
    return Array.from(attentionWeights(tf.tensor4d(logits, [B, H, T, T]), keyMask, scoring).dataSync());
  });
}

/** A scalar of the weights that depends on every one of them: Σ c·a with fixed coefficients c. */
const COEFFS = Float32Array.from({ length: B * H * T * T }, (_, i) => Math.cos(0.9 * i));
function objective(weights: number[]): number {
  return weights.reduce((s, w, i) => s + w * COEFFS[i], 0);
}

/** Analytic gradients of the objective w.r.t. logits, n and b through tfjs autodiff. */
function analyticGradients(logits: Float32Array, n: number[], b: number[]): { dx: number[]; dn: number[]; db: number[] } {
  return tf.tidy(() => {
    const keyMask = tf.tensor4d(KEY_MASK, [B, 1, 1, T], 'bool');
    const f = (x: tf.Tensor, nn: tf.Tensor, bb: tf.Tensor) => {
      const scoring: Scoring = { kind: 'ssa', n: nn as tf.Tensor1D, b: bb as tf.Tensor1D };
      return tf.sum(tf.mul(attentionWeights(x as tf.Tensor4D, keyMask, scoring), tf.tensor4d(COEFFS, [B, H, T, T])));
    };
    const [dx, dn, db] = tf.grads(f)([tf.tensor4d(logits, [B, H, T, T]), tf.tensor1d(n), tf.tensor1d(b)]);
    return { dx: Array.from(dx.dataSync()), dn: Array.from(dn.dataSync()), db: Array.from(db.dataSync()) };
  });
}

/** Central difference of the objective along one coordinate of one of the three inputs. */
function numericDerivative(logits: Float32Array, n: number[], b: number[], which: 'x' | 'n' | 'b', index: number, h = 1e-2): number {
  const at = (delta: number) => {
    const x = Float32Array.from(logits);
    const nn = [...n];
    const bb = [...b];
    if (which === 'x') x[index] += delta;
    if (which === 'n') nn[index] += delta;
    if (which === 'b') bb[index] += delta;
    return objective(weightsOf(x, nn, bb));
  };
  return (at(h) - at(-h)) / (2 * h);
}

describe('SSA scoring', () => {
  it.each([
    { n: 1.5, b: 0.8, top: 0.823 },
    { n: 2, b: 1, top: 0.943 },
  ])('reproduces the paper example row (n=$n, b=$b → $top on the large logit)', ({ n, b, top }) => {
    const row = [0.5, 0.4, 0.3, 0.2, 10];
    const weights = tf.tidy(() =>
      Array.from(attentionWeights(
        tf.tensor4d(row, [1, 1, 1, 5]), tf.ones([1, 1, 1, 5], 'bool'), { kind: 'ssa', n: tf.tensor1d([n]), b: tf.tensor1d([b]) },
      ).dataSync()));
    expect(weights[4]).toBeCloseTo(top, 3);
    const softmax = tf.tidy(() => attentionWeights(tf.tensor4d(row, [1, 1, 1, 5]), tf.ones([1, 1, 1, 5], 'bool'), { kind: 'softmax' }).dataSync()[4]);
    expect(softmax).toBeCloseTo(0.99974, 4);
  });

  it.each([
    { granularity: 'layer', n: [1.5], b: [0.8] },
    { granularity: 'head', n: [1.5, 2, 1.2], b: [0.8, 1.3, 0.5] },
  ])('has gradients w.r.t. logits, n and b that match finite differences ($granularity)', ({ n, b }) => {
    const logits = sampleLogits();
    const analytic = analyticGradients(logits, n, b);
    const close = (a: number, numeric: number) => expect(Math.abs(a - numeric)).toBeLessThan(2e-3 + 2e-2 * Math.abs(numeric));
    for (let i = 0; i < n.length; i++) {
      expect(Math.abs(analytic.dn[i])).toBeGreaterThan(1e-3);
      close(analytic.dn[i], numericDerivative(logits, n, b, 'n', i));
      close(analytic.db[i], numericDerivative(logits, n, b, 'b', i));
    }
    for (const i of [0, 5, 17, 40, 63, 71, 95]) close(analytic.dx[i], numericDerivative(logits, n, b, 'x', i));
  });

  it('gives masked keys exactly zero weight, whatever their logits, and finite n/b gradients', () => {
    const logits = sampleLogits();
    const changed = Float32Array.from(logits);
    // The masked key is column 3 of sequence 1: give it huge and extreme logits.
    for (let h = 0; h < H; h++) for (let q = 0; q < T; q++) changed[((1 * H + h) * T + q) * T + 3] = q % 2 ? 1e30 : -1e30;
    const original = weightsOf(logits, [2], [1]);
    const perturbed = weightsOf(changed, [2], [1]);
    expect(perturbed).toEqual(original);
    for (let h = 0; h < H; h++) for (let q = 0; q < T; q++) expect(original[((1 * H + h) * T + q) * T + 3]).toBe(0);
    const grads = analyticGradients(changed, [2], [1]);
    expect([...grads.dn, ...grads.db].every(Number.isFinite)).toBe(true);
    for (let h = 0; h < H; h++) for (let q = 0; q < T; q++) expect(grads.dx[((1 * H + h) * T + q) * T + 3]).toBe(0);
  });

  it('keeps full precision for tiny b·|x| (log1p, not log(1 + u))', () => {
    const x = [1e-6, -2e-6, 3e-7, 2.5e-4, -0.7];
    const scores = tf.tidy(() => Array.from(ssaScores(tf.tensor4d(x, [1, 1, 1, 5]), tf.tensor1d([2]), tf.tensor1d([1e-2])).dataSync()));
    x.forEach((xi, i) => {
      const exact = 2 * Math.sign(xi) * Math.log1p(1e-2 * Math.abs(xi));
      expect(Math.abs(scores[i] - exact)).toBeLessThanOrEqual(1e-6 * Math.abs(exact));
    });
  });

  it('approaches softmax as m grows with b = 1/m, n = m', () => {
    const logits = sampleLogits();
    const softmax = tf.tidy(() => Array.from(attentionWeights(
      tf.tensor4d(logits, [B, H, T, T]), tf.tensor4d(KEY_MASK, [B, 1, 1, T], 'bool'), { kind: 'softmax' },
    ).dataSync()));
    const errors = [1, 4, 16, 64, 256].map((m) => {
      const ssa = weightsOf(logits, [m], [1 / m]);
      return Math.max(...ssa.map((w, i) => Math.abs(w - softmax[i])));
    });
    for (let i = 1; i < errors.length; i++) expect(errors[i]).toBeLessThan(errors[i - 1]);
    expect(errors[errors.length - 1]).toBeLessThan(0.02);
  });
});
