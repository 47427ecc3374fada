// Reference-vs-fused comparison shared by the parity tests (tiny shapes on lavapipe) and
// bench/fused-parity.ts (babyberta shapes on a GPU): a random padded batch with targets, and the
// relative error of the loss and of every gradient.
import { FIRST_ORDINARY_ID, SPECIAL_IDS, type ModelConfig } from '../../model/config.js';
import type { RandomStream } from '../../core/random.js';
import type { Engine, GradientOptions } from '../types.js';
import type { TargetedBatch } from '../../core/batches.js';
import type { HostTensor, NamedTensors } from '../../core/tensors.js';

/**
 * B sequences of length T: <s> words </s> then padding (sequence b is shortened by b mod 3 tokens so
 * padding and the key mask are exercised); about 15% of the words are targets, at least one per sequence.
 */
export function randomTargetedBatch(config: ModelConfig, batchSize: number, seqLen: number, random: RandomStream): TargetedBatch {
  const rows = batchSize * seqLen;
  const inputIds = new Int32Array(rows).fill(SPECIAL_IDS.pad);
  const attentionMask = new Uint8Array(rows);
  const positions: number[] = [];
  const targetIds: number[] = [];
  for (let b = 0; b < batchSize; b++) {
    const length = Math.max(3, seqLen - (b % 3));
    const base = b * seqLen;
    for (let t = 0; t < length; t++) {
      attentionMask[base + t] = 1;
      const word = FIRST_ORDINARY_ID + random.int(config.vocabSize - FIRST_ORDINARY_ID);
      inputIds[base + t] = t === 0 ? SPECIAL_IDS.bos : t === length - 1 ? SPECIAL_IDS.eos : word;
    }
    let chosen = 0;
    for (let t = 1; t < length - 1; t++) {
      if (random.next() < 0.15 || (chosen === 0 && t === length - 2)) {
        positions.push(base + t);
        targetIds.push(inputIds[base + t]);
        inputIds[base + t] = SPECIAL_IDS.mask;
        chosen++;
      }
    }
  }
  return {
    batchSize, seqLen, inputIds, attentionMask, targetPositions: Int32Array.from(positions), targetIds: Int32Array.from(targetIds),
  };
}

/**
 * max |a − b| / max(max |b|, floor): relative to the tensor's scale, so near-zero entries do not dominate.
 * The floor keeps gradients that are zero in exact arithmetic (Softmax key biases: a constant shift of a
 * logit row) from comparing rounding noise with rounding noise.
 */
export function relativeError(actual: Float32Array, expected: Float32Array, floor = 0): number {
  if (actual.length !== expected.length) return Infinity;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  if (!Number.isFinite(diff)) return Infinity;
  scale = Math.max(scale, floor);
  return scale === 0 ? diff : diff / scale;
}

export interface ParityReport {
  loss: { reference: number; fused: number; relative: number };
  /** Relative error per gradient, by HF name. */
  gradients: Map<string, number>;
  /** Names present in only one engine's gradients. */
  mismatchedNames: string[];
  worstGradient: { name: string; relative: number };
}

/** Per-tensor relative errors of `actual` against `expected` (relativeError with a floor of 1e-3 of the largest entry of all). */
export interface TensorComparison {
  errors: Map<string, number>;
  /** Names present in only one of the two. */
  mismatchedNames: string[];
  worst: { name: string; relative: number };
}

export function compareTensors(actual: NamedTensors, expected: NamedTensors): TensorComparison {
  const errors = new Map<string, number>();
  let worst = { name: '', relative: 0 };
  const floor = 1e-3 * Math.max(...[...expected.values()].map((t) => maxAbs(t.data)));
  for (const [name, tensor] of expected) {
    const other: HostTensor | undefined = actual.get(name);
    if (!other) continue;
    const relative = relativeError(other.data, tensor.data, floor);
    errors.set(name, relative);
    if (!(relative <= worst.relative)) worst = { name, relative };
  }
  return { errors, mismatchedNames: [...symmetricDifference(expected, actual)], worst };
}

/** Loss and gradients of both engines on `batch` (with dropout under `options`' key, if given), compared. */
export async function compareGradients(
  reference: Engine, fused: Engine, batch: TargetedBatch, options: GradientOptions = {},
): Promise<ParityReport> {
  const expected = await reference.lossAndGradients(batch, options);
  const actual = await fused.lossAndGradients(batch, options);
  const { errors, mismatchedNames, worst } = compareTensors(actual.gradients, expected.gradients);
  return {
    loss: { reference: expected.loss, fused: actual.loss, relative: Math.abs(actual.loss - expected.loss) / Math.abs(expected.loss) },
    gradients: errors, mismatchedNames, worstGradient: worst,
  };
}

function maxAbs(data: Float32Array): number {
  let m = 0;
  for (const x of data) m = Math.max(m, Math.abs(x));
  return m;
}

function symmetricDifference(a: NamedTensors, b: NamedTensors): Set<string> {
  const out = new Set<string>();
  for (const k of a.keys()) if (!b.has(k)) out.add(k);
  for (const k of b.keys()) if (!a.has(k)) out.add(k);
  return out;
}
