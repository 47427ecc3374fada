// The tfjs reference engine on the cpu backend: parameters, init, weights round-trip, padding invariance,
// AdamW against a hand computation, determinism, leak-freedom and a falling loss.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { createEngine } from '../src/engine/index.js';
import { positionIds } from '../src/model/positions.js';
import type { OptimizerSettings } from '../src/engine/types.js';
import type { NamedTensors } from '../src/core/tensors.js';
import { initWeights } from '../src/model/init.js';
import { countParameters, numel, paramSpecs } from '../src/model/params.js';
import { MODEL_PRESETS } from '../src/model/presets.js';
import { streamFromSeed } from '../src/core/random.js';
import { maxRelativeDifference, randomBatch, SSA_HEADS, tinyConfig } from './engine-fixtures.js';

const NO_DROPOUT = { hiddenDropout: 0, attentionDropout: 0 };

describe('model parameters and init', () => {
  it('counts 8,524,032 parameters for babyberta', () => {
    expect(countParameters(MODEL_PRESETS.babyberta)).toBe(8_524_032);
  });

  it('initialises like HF: pad rows zero, LN ones, biases zero, normal(0, initStd), SSA scalars set', () => {
    const config = tinyConfig(SSA_HEADS, { vocabSize: 200, hiddenSize: 32 });
    const weights = initWeights(config, streamFromSeed(5).next);
    expect([...weights.keys()]).toEqual(paramSpecs(config).map((s) => s.name));
    const word = weights.get('roberta.embeddings.word_embeddings.weight')!;
    expect(Array.from(word.data.subarray(32, 64)).every((v) => v === 0)).toBe(true);
    expect(Array.from(weights.get('roberta.embeddings.position_embeddings.weight')!.data.subarray(32, 64)).every((v) => v === 0)).toBe(true);
    const values = Array.from(word.data.subarray(64));
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
    expect(Math.abs(mean)).toBeLessThan(0.002);
    expect(std).toBeGreaterThan(0.019);
    expect(std).toBeLessThan(0.021);
    expect(Array.from(weights.get('roberta.encoder.layer.1.output.LayerNorm.weight')!.data).every((v) => v === 1)).toBe(true);
    expect(Array.from(weights.get('lm_head.decoder.bias')!.data).every((v) => v === 0)).toBe(true);
    expect(Array.from(weights.get('roberta.encoder.layer.0.attention.self.ssa_n')!.data)).toEqual([1.5, 1.5]);
    expect(Array.from(weights.get('roberta.encoder.layer.0.attention.self.ssa_b')!.data)).toEqual([0.800000011920929, 0.800000011920929]);
  });

  it('numbers positions like RoBERTa: first real token 2, padding 1', () => {
    const batch = { batchSize: 2, seqLen: 4, inputIds: new Int32Array(8), attentionMask: Uint8Array.from([1, 1, 1, 1, 1, 1, 0, 0]) };
    expect(Array.from(positionIds(batch))).toEqual([2, 3, 4, 5, 2, 3, 1, 1]);
  });
});

describe('tfjs engine (cpu)', () => {
  it('holds weights matching paramSpecs and round-trips them through read/load', async () => {
    const config = tinyConfig(SSA_HEADS);
    const engine = await createEngine({ config, backend: 'cpu', seed: 1 });
    const read = await engine.readWeights();
    expect([...read].map(([name, t]) => [name, t.shape])).toEqual(paramSpecs(config).map((s) => [s.name, s.shape]));
    expect(maxRelativeDifference(read, initWeights(config, streamFromSeed(1).next))).toBe(0);
    const other = initWeights(config, streamFromSeed(2).next);
    await engine.loadWeights(other);
    expect(maxRelativeDifference(await engine.readWeights(), other)).toBe(0);
    const broken: NamedTensors = new Map(other);
    broken.set('lm_head.dense.weight', { shape: [3, 3], data: new Float32Array(9) });
    await expect(engine.loadWeights(broken)).rejects.toThrow('lm_head.dense.weight has shape [3,3]');
    engine.dispose();
  });

  it('gives every sequence the same logits whether or not the batch pads it', async () => {
    const config = tinyConfig(SSA_HEADS, { initStd: 0.3 });
    const engine = await createEngine({ config, backend: 'cpu', seed: 3 });
    const padded = randomBatch(config, [5, 9, 3]);
    const whole = await engine.forward(padded, { attentions: true });
    const v = config.vocabSize;
    for (const [row, length] of [5, 9, 3].entries()) {
      const alone = {
        batchSize: 1, seqLen: length,
        inputIds: padded.inputIds.slice(row * 9, row * 9 + length), attentionMask: padded.attentionMask.slice(row * 9, row * 9 + length),
      };
      const single = await engine.forward(alone);
      const expected = whole.logits.data.subarray(row * 9 * v, (row * 9 + length) * v);
      const worst = Math.max(...single.logits.data.map((x, i) => Math.abs(x - expected[i])));
      expect(worst).toBeLessThan(1e-5);
    }
    // Whatever token sits at a padded (masked) position, no real position's logits change at all.
    const scribbled = { ...padded, inputIds: padded.inputIds.map((id, i) => (padded.attentionMask[i] ? id : 7 + (i % 20))) };
    const again = await engine.forward(scribbled);
    for (let i = 0; i < padded.inputIds.length; i++) {
      if (!padded.attentionMask[i]) continue;
      expect(again.logits.data.subarray(i * v, (i + 1) * v)).toEqual(whole.logits.data.subarray(i * v, (i + 1) * v));
    }
    // Padded keys get exactly zero attention in every layer and head.
    for (const weights of whole.attentions!) {
      const [, h, t] = weights.shape;
      for (let head = 0; head < h; head++) for (let q = 0; q < t; q++) expect(weights.data[((2 * h + head) * t + q) * t + 4]).toBe(0);
    }
    engine.dispose();
  });

  it('applies clipping and AdamW exactly like PyTorch (decay, bias correction on and off)', async () => {
    for (const biasCorrection of [true, false]) {
      const config = tinyConfig(SSA_HEADS, NO_DROPOUT);
      const optimizer: OptimizerSettings = { beta1: 0.9, beta2: 0.99, eps: 1e-6, weightDecay: 0.1, biasCorrection, clipNorm: 0.5 };
      const engine = await createEngine({ config, backend: 'cpu', seed: 4, optimizer });
      const batch = randomBatch(config, [6, 4]);
      const lr = 0.01;
      await engine.trainStep(batch, { lr, dropoutSeed: 0 });
      const p1 = await engine.readWeights();
      const state1 = await engine.readOptimizerState();
      const { loss, gradients } = await engine.lossAndGradients(batch);
      const result = await engine.trainStep(batch, { lr, dropoutSeed: 1 });
      expect(result.loss).toBeCloseTo(loss, 5);
      const norm = Math.sqrt([...gradients.values()].reduce((s, g) => s + g.data.reduce((a, x) => a + x * x, 0), 0));
      expect(result.gradNorm).toBeCloseTo(norm, 4);
      const coef = Math.min(1, optimizer.clipNorm / (norm + 1e-6));
      const [bc1, bc2] = biasCorrection ? [1 - 0.9 ** 2, 1 - 0.99 ** 2] : [1, 1];
      const expected: NamedTensors = new Map();
      for (const spec of paramSpecs(config)) {
        const p = p1.get(spec.name)!.data;
        const g = gradients.get(spec.name)!.data;
        const m = state1.tensors.get(`${spec.name}.exp_avg`)!.data;
        const v = state1.tensors.get(`${spec.name}.exp_avg_sq`)!.data;
        const out = new Float32Array(p.length);
        for (let i = 0; i < p.length; i++) {
          const gi = g[i] * coef;
          const decayed = spec.decay ? p[i] * (1 - lr * optimizer.weightDecay) : p[i];
          const mi = 0.9 * m[i] + 0.1 * gi;
          const vi = 0.99 * v[i] + 0.01 * gi * gi;
          out[i] = decayed - (lr / bc1) * mi / (Math.sqrt(vi) / Math.sqrt(bc2) + optimizer.eps);
        }
        expected.set(spec.name, { shape: spec.shape, data: out });
      }
      expect(maxRelativeDifference(await engine.readWeights(), expected)).toBeLessThan(1e-5);
      expect((await engine.readOptimizerState()).step).toBe(2);
      engine.dispose();
    }
  });

  it('replays a step exactly from the same dropout seed and optimizer state', async () => {
    const config = tinyConfig(SSA_HEADS);
    const a = await createEngine({ config, backend: 'cpu', seed: 6 });
    const batch = randomBatch(config, [7, 5]);
    await a.trainStep(batch, { lr: 1e-3, dropoutSeed: 11 });
    const b = await createEngine({ config, backend: 'cpu', weights: await a.readWeights() });
    await b.loadOptimizerState(await a.readOptimizerState());
    const ra = await a.trainStep(batch, { lr: 1e-3, dropoutSeed: 12 });
    const rb = await b.trainStep(batch, { lr: 1e-3, dropoutSeed: 12 });
    expect(rb).toEqual(ra);
    expect(maxRelativeDifference(await b.readWeights(), await a.readWeights())).toBe(0);
    const rc = await b.trainStep(batch, { lr: 1e-3, dropoutSeed: 99 });
    const rd = await a.trainStep(batch, { lr: 1e-3, dropoutSeed: 13 });
    expect(rc.loss).not.toBe(rd.loss);
    a.dispose();
    b.dispose();
  });

  it('leaks no tensors across steps, scoring and reads, and frees everything on dispose', async () => {
    const config = tinyConfig(SSA_HEADS);
    const before = tf.memory().numTensors;
    const engine = await createEngine({ config, backend: 'cpu', seed: 7 });
    const batch = randomBatch(config, [6, 8]);
    await engine.trainStep(batch, { lr: 1e-3, dropoutSeed: 0 });
    const afterFirst = tf.memory().numTensors;
    for (let i = 1; i < 4; i++) await engine.trainStep(batch, { lr: 1e-3, dropoutSeed: i });
    await engine.lossAndGradients(batch);
    await engine.targetLogProbs(batch);
    await engine.forward(batch, { attentions: true });
    await engine.readWeights();
    await engine.readOptimizerState();
    expect(tf.memory().numTensors).toBe(afterFirst);
    engine.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it.each([{ attention: 'softmax', extra: {} }, { attention: 'ssa', extra: SSA_HEADS }])(
    'drives the loss down on a repeated batch ($attention) and target log-probs agree with the loss',
    async ({ extra }) => {
      const config = tinyConfig(extra);
      const engine = await createEngine({ config, backend: 'cpu', seed: 8 });
      const batch = randomBatch(config, [8, 6, 7, 5]);
      const first = (await engine.trainStep(batch, { lr: 1e-2, dropoutSeed: 0 })).loss;
      let last = first;
      for (let i = 1; i < 25; i++) last = (await engine.trainStep(batch, { lr: 1e-2, dropoutSeed: i })).loss;
      expect(last).toBeLessThan(0.5 * first);
      const logProbs = await engine.targetLogProbs(batch);
      expect(logProbs.length).toBe(batch.targetIds.length);
      const meanNll = -logProbs.reduce((a, b) => a + b, 0) / logProbs.length;
      expect(meanNll).toBeCloseTo((await engine.lossAndGradients(batch)).loss, 4);
      if (extra === SSA_HEADS) {
        const n = (await engine.readWeights()).get('roberta.encoder.layer.0.attention.self.ssa_n')!;
        expect(Array.from(n.data).some((x) => x !== 1.5)).toBe(true);
      }
      engine.dispose();
    },
  );

  it('keeps fixed SSA scalars fixed and reports gradients only for trainable parameters', async () => {
    const config = tinyConfig({ ...SSA_HEADS, ssaNTrainable: false, ssaBTrainable: false });
    const engine = await createEngine({ config, backend: 'cpu', seed: 9 });
    const batch = randomBatch(config, [6, 5]);
    const { gradients } = await engine.lossAndGradients(batch);
    expect(gradients.has('roberta.encoder.layer.0.attention.self.ssa_n')).toBe(false);
    expect(gradients.size).toBe(paramSpecs(config).filter((s) => s.trainable).length);
    for (let i = 0; i < 3; i++) await engine.trainStep(batch, { lr: 1e-2, dropoutSeed: i });
    const weights = await engine.readWeights();
    expect(Array.from(weights.get('roberta.encoder.layer.1.attention.self.ssa_b')!.data)).toEqual([0.800000011920929, 0.800000011920929]);
    expect(numel(weights.get('roberta.encoder.layer.1.attention.self.ssa_n')!.shape)).toBe(config.numHeads);
    engine.dispose();
  });
});
