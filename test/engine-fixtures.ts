// Tiny models and batches shared by the engine tests: small enough for finite differences on 2 CPU cores.
import { FIRST_ORDINARY_ID, SPECIAL_IDS, type ModelConfig } from '../src/model/config.js';
import { DEFAULT_ATTENTION } from '../src/model/attention.js';
import type { AttentionConfig } from '../src/model/attention.js';
import { initWeights } from '../src/model/init.js';
import { streamFromSeed } from '../src/core/random.js';
import type { TargetedBatch } from '../src/core/batches.js';
import type { NamedTensors } from '../src/core/tensors.js';

export function tinyConfig(attention: Partial<AttentionConfig> = {}, overrides: Partial<ModelConfig> = {}): ModelConfig {
  return {
    vocabSize: 40, hiddenSize: 16, numLayers: 2, numHeads: 2, intermediateSize: 32, maxPositions: 20, typeVocabSize: 2,
    layerNormEps: 1e-5, hiddenDropout: 0.1, attentionDropout: 0.1, initStd: 0.02,
    attention: { ...DEFAULT_ATTENTION, ...attention },
    ...overrides,
  };
}

/** HF init plus random LayerNorm and bias values, so that no gradient is trivially zero. */
export function weightsFor(config: ModelConfig, seed = 1): NamedTensors {
  const weights = initWeights(config, streamFromSeed(seed).next);
  const random = streamFromSeed(seed + 100);
  for (const [name, tensor] of weights) {
    if (!/bias|LayerNorm|layer_norm/.test(name)) continue;
    for (let i = 0; i < tensor.data.length; i++) tensor.data[i] += (random.next() - 0.5) * 0.2;
  }
  return weights;
}

export const SSA_HEADS: Partial<AttentionConfig> = {
  scoring: 'ssa', ssaN: 1.5, ssaB: 0.8, ssaNTrainable: true, ssaBTrainable: true, ssaGranularity: 'head',
};

/**
 * Sequences `<s> w… </s>` of the given real lengths, padded to the longest, with about a third of the
 * inner tokens replaced by <mask> as targets (at least one per sequence).
 */
export function randomBatch(config: ModelConfig, lengths: number[], seed = 1): TargetedBatch {
  const random = streamFromSeed(seed);
  const seqLen = Math.max(...lengths);
  const inputIds = new Int32Array(lengths.length * seqLen).fill(SPECIAL_IDS.pad);
  const attentionMask = new Uint8Array(lengths.length * seqLen);
  const positions: number[] = [];
  const targets: number[] = [];
  lengths.forEach((length, b) => {
    for (let t = 0; t < length; t++) {
      const i = b * seqLen + t;
      attentionMask[i] = 1;
      inputIds[i] = t === 0 ? SPECIAL_IDS.bos : t === length - 1 ? SPECIAL_IDS.eos : FIRST_ORDINARY_ID + random.int(config.vocabSize - FIRST_ORDINARY_ID);
      const inner = t > 0 && t < length - 1;
      if (inner && (random.next() < 0.35 || t === 1)) {
        positions.push(i);
        targets.push(inputIds[i]);
        inputIds[i] = SPECIAL_IDS.mask;
      }
    }
  });
  return {
    batchSize: lengths.length, seqLen, inputIds, attentionMask,
    targetPositions: Int32Array.from(positions), targetIds: Int32Array.from(targets),
  };
}

/**
 * Largest |a − b| over all tensors, each relative to that tensor's largest |b|, but never to less than a
 * thousandth of the largest |b| of all: some gradients are zero in exact arithmetic (softmax is
 * shift-invariant, so the key bias gets none) and hold only round-off, which differs between backends.
 */
export function maxRelativeDifference(a: NamedTensors, b: NamedTensors): number {
  const largest = (t: { data: Float32Array }) => t.data.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  const floor = 1e-3 * Math.max(...[...b.values()].map(largest));
  let worst = 0;
  for (const [name, x] of a) {
    const y = b.get(name);
    if (!y) throw new Error(`missing ${name}`);
    const scale = Math.max(floor, largest(y), 1e-30);
    for (let i = 0; i < x.data.length; i++) worst = Math.max(worst, Math.abs(x.data[i] - y.data[i]) / scale);
  }
  return worst;
}
