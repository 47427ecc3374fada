// The fused WebGPU engine against the tfjs reference engine (cpu backend) on the same weights and batch:
// logits, attention weights, target log-probs, loss and every gradient (Softmax and SSA variants), and
// AdamW + clip steps, each with dropout off and on (both engines draw the same masks from the step's key). Runs on any WebGPU adapter, lavapipe included; skipped where none exists.
import { describe, expect, it } from 'vitest';
import { dropoutKey } from '../src/core/dropout.js';
import { createEngine } from '../src/engine/index.js';
import type { Engine, OptimizerSettings } from '../src/engine/types.js';
import { createFusedEngine } from '../src/engine/webgpu/engine.js';
import { splitKCount } from '../src/engine/webgpu/kernels/matmul.wgsl.js';
import { COLUMN_CHUNK_ROWS } from '../src/engine/webgpu/kernels/norm.wgsl.js';
import { compareGradients, randomTargetedBatch, relativeError } from '../src/engine/webgpu/parity.js';
import { requestWebGpu } from '../src/engine/webgpu-runtime.js';
import { webGpuForTests } from './webgpu-env.js';
import type { ModelConfig } from '../src/model/config.js';
import type { AttentionConfig } from '../src/model/attention.js';
import { MODEL_PRESETS } from '../src/model/presets.js';
import { streamFromSeed } from '../src/core/random.js';
import { weightsFor } from './engine-fixtures.js';

const hasWebGpu = (await webGpuForTests()) !== null;
const TOLERANCE = 1e-4;

function tinyConfig(attention: Partial<AttentionConfig> = {}, dropout = 0): ModelConfig {
  return {
    ...MODEL_PRESETS.tiny, vocabSize: 97, hiddenSize: 32, intermediateSize: 64, numHeads: 4, numLayers: 2, maxPositions: 20,
    hiddenDropout: dropout, attentionDropout: dropout,
    attention: { ...MODEL_PRESETS.tiny.attention, ...attention },
  };
}

async function enginePair(config: ModelConfig, optimizer?: OptimizerSettings): Promise<[Engine, Engine]> {
  const weights = weightsFor(config);
  const reference = await createEngine({ config, engine: 'tfjs', backend: 'cpu', weights, optimizer });
  const fused = await createEngine({ config, engine: 'fused', weights, optimizer });
  return [reference, fused];
}

describe.skipIf(!hasWebGpu)('fused engine vs reference engine', () => {
  it('matches logits, attention weights and target log-probs', async () => {
    const config = tinyConfig({ scoring: 'ssa', ssaN: 2, ssaB: 1 });
    const [reference, fused] = await enginePair(config);
    const batch = randomTargetedBatch(config, 3, 9, streamFromSeed(5));
    const expected = await reference.forward(batch, { attentions: true });
    const actual = await fused.forward(batch, { attentions: true });
    expect(actual.logits.shape).toEqual([3, 9, 97]);
    expect(relativeError(actual.logits.data, expected.logits.data)).toBeLessThan(TOLERANCE);
    for (const [l, weights] of expected.attentions!.entries()) {
      expect(actual.attentions![l].shape).toEqual(weights.shape);
      expect(relativeError(actual.attentions![l].data, weights.data)).toBeLessThan(TOLERANCE);
    }
    // Masked keys get exactly zero weight: sequence 1 is one token short.
    const T = 9;
    for (let h = 0; h < 4; h++) expect(actual.attentions![0].data[((1 * 4 + h) * T + 0) * T + 8]).toBe(0);
    const logProbs = await fused.targetLogProbs(batch);
    expect(relativeError(logProbs, await reference.targetLogProbs(batch))).toBeLessThan(TOLERANCE);
    fused.dispose();
    reference.dispose();
  });

  const variants: [string, Partial<AttentionConfig>][] = [
    ['softmax', { scoring: 'softmax' }],
    ['SSA, fixed n = 2', { scoring: 'ssa', ssaN: 2, ssaB: 1 }],
    ['SSA, trainable n and b per layer', { scoring: 'ssa', ssaN: 1.5, ssaB: 0.8, ssaNTrainable: true, ssaBTrainable: true }],
    ['SSA, trainable n and b per head', {
      scoring: 'ssa', ssaN: 1.5, ssaB: 0.8, ssaNTrainable: true, ssaBTrainable: true, ssaGranularity: 'head',
    }],
  ];
  // Each variant with dropout off, and on (both engines drawing the masks from the same key).
  const gradientCases = variants.flatMap(([name, attention]) => [0, 0.1].map((dropout) => [name, dropout, attention] as const));
  it.each(gradientCases)('matches loss and every gradient: %s, dropout %s', async (_, dropout, attention) => {
    const config = tinyConfig(attention, dropout);
    const [reference, fused] = await enginePair(config);
    const options = dropout > 0 ? { dropoutSeed: dropoutKey(5, 17) } : {};
    const report = await compareGradients(reference, fused, randomTargetedBatch(config, 4, 8, streamFromSeed(7)), options);
    expect(report.mismatchedNames).toEqual([]);
    expect(report.loss.relative).toBeLessThan(TOLERANCE);
    expect(report.worstGradient.relative, report.worstGradient.name).toBeLessThan(TOLERANCE);
    if (attention.ssaNTrainable) expect(report.gradients.has('roberta.encoder.layer.1.attention.self.ssa_n')).toBe(true);
    fused.dispose();
    reference.dispose();
  });

  it('matches gradients where split-K and chunked column sums kick in (1,080 tokens, 1,100 words)', async () => {
    expect(splitKCount(32, 32, 60 * 18)).toBeGreaterThan(1);
    expect(Math.ceil((60 * 18) / COLUMN_CHUNK_ROWS)).toBeGreaterThan(1);
    // A vocabulary over 1,024 also splits dLM = dlogits·E (K = vocabulary).
    expect(splitKCount(100, 32, 1100)).toBeGreaterThan(1);
    const config = { ...tinyConfig({ scoring: 'ssa', ssaN: 1.5, ssaB: 0.8, ssaNTrainable: true, ssaBTrainable: true }), vocabSize: 1100 };
    const [reference, fused] = await enginePair(config);
    const report = await compareGradients(reference, fused, randomTargetedBatch(config, 60, 18, streamFromSeed(23)));
    expect(report.loss.relative).toBeLessThan(TOLERANCE);
    expect(report.worstGradient.relative, report.worstGradient.name).toBeLessThan(TOLERANCE);
    fused.dispose();
    reference.dispose();
  });

  it('matches attention and gradients past one block of 64 rows and one key tile (T = 70, head size 12, SSA per head)', async () => {
    const config = {
      ...tinyConfig({ scoring: 'ssa', ssaN: 1.5, ssaB: 0.8, ssaNTrainable: true, ssaBTrainable: true, ssaGranularity: 'head' }),
      hiddenSize: 36, numHeads: 3, maxPositions: 72,
    };
    const [reference, fused] = await enginePair(config);
    const batch = randomTargetedBatch(config, 2, 70, streamFromSeed(31));
    const expected = await reference.forward(batch, { attentions: true });
    const actual = await fused.forward(batch, { attentions: true });
    expect(relativeError(actual.attentions![1].data, expected.attentions![1].data)).toBeLessThan(TOLERANCE);
    const report = await compareGradients(reference, fused, batch);
    expect(report.loss.relative).toBeLessThan(TOLERANCE);
    expect(report.worstGradient.relative, report.worstGradient.name).toBeLessThan(TOLERANCE);
    fused.dispose();
    reference.dispose();
  });

  it('matches with and without subgroup reductions (LayerNorm, cross-entropy, SSA partials)', async () => {
    const config = tinyConfig({ scoring: 'ssa', ssaN: 1.5, ssaB: 0.8, ssaNTrainable: true, ssaBTrainable: true, ssaGranularity: 'head' });
    const weights = weightsFor(config);
    const optimizer = { beta1: 0.9, beta2: 0.999, eps: 1e-6, weightDecay: 0, biasCorrection: true, clipNorm: 1 };
    const reference = await createEngine({ config, engine: 'tfjs', backend: 'cpu', weights, optimizer });
    const device = (await requestWebGpu())!.device;
    const batch = randomTargetedBatch(config, 3, 17, streamFromSeed(41));
    for (const subgroups of [false, true]) {
      const fused = await createFusedEngine({ config, optimizer, weights, subgroups });
      expect(fused.usesSubgroups).toBe(subgroups && device.features.has('subgroups'));
      const report = await compareGradients(reference, fused, batch);
      expect(report.loss.relative).toBeLessThan(TOLERANCE);
      expect(report.worstGradient.relative, report.worstGradient.name).toBeLessThan(TOLERANCE);
      fused.dispose();
    }
    reference.dispose();
  });

  const ssaPerHead: Partial<AttentionConfig> = { scoring: 'ssa', ssaN: 1.5, ssaB: 0.8, ssaNTrainable: true, ssaBTrainable: true, ssaGranularity: 'head' };
  const stepCases: { name: string; attention: Partial<AttentionConfig>; dropout: number; biasCorrection: boolean; steps: number }[] = [
    { name: 'SSA per layer, bias correction', attention: variants[2][1], dropout: 0, biasCorrection: true, steps: 4 },
    { name: 'SSA per layer, no bias correction', attention: variants[2][1], dropout: 0, biasCorrection: false, steps: 4 },
    { name: 'softmax, dropout on', attention: { scoring: 'softmax' }, dropout: 0.1, biasCorrection: true, steps: 20 },
    { name: 'SSA trainable per head, dropout on', attention: ssaPerHead, dropout: 0.1, biasCorrection: true, steps: 20 },
  ];
  it.each(stepCases)('tracks the reference over $steps AdamW steps with clipping: $name', async ({ attention, dropout, biasCorrection, steps }) => {
    const config = tinyConfig(attention, dropout);
    const optimizer = { beta1: 0.9, beta2: 0.999, eps: 1e-6, weightDecay: 0.01, biasCorrection, clipNorm: 0.5 };
    const [reference, fused] = await enginePair(config, optimizer);
    const random = streamFromSeed(11);
    for (let step = 1; step <= steps; step++) {
      const batch = randomTargetedBatch(config, 3, 5 + (step % 4), random);
      const options = { lr: 1e-3, dropoutSeed: dropoutKey(0, step) };
      const expected = await reference.trainStep(batch, options);
      const actual = await fused.trainStep(batch, options);
      expect(Math.abs(actual.loss - expected.loss) / expected.loss).toBeLessThan(TOLERANCE);
      expect(Math.abs(actual.gradNorm - expected.gradNorm) / expected.gradNorm).toBeLessThan(TOLERANCE);
    }
    const expectedWeights = await reference.readWeights();
    for (const [name, tensor] of await fused.readWeights()) {
      expect(relativeError(tensor.data, expectedWeights.get(name)!.data), name).toBeLessThan(TOLERANCE);
    }
    const expectedState = await reference.readOptimizerState();
    const state = await fused.readOptimizerState();
    expect(state.step).toBe(steps);
    expect([...state.tensors.keys()].sort()).toEqual([...expectedState.tensors.keys()].sort());
    const m = 'roberta.encoder.layer.0.attention.self.query.weight.exp_avg';
    expect(relativeError(state.tensors.get(m)!.data, expectedState.tensors.get(m)!.data)).toBeLessThan(1e-3);
    fused.dispose();
    reference.dispose();
  });
});

describe.skipIf(!hasWebGpu)('fused engine on its own', () => {
  it('replays dropout from the step seed and changes it with the seed', async () => {
    const config = tinyConfig({}, 0.1);
    const weights = weightsFor(config);
    const batch = randomTargetedBatch(config, 3, 8, streamFromSeed(13));
    const run = async (seed: number) => {
      const engine = await createEngine({ config, engine: 'fused', weights });
      const { loss } = await engine.trainStep(batch, { lr: 1e-3, dropoutSeed: seed });
      const after = await engine.readWeights();
      engine.dispose();
      return { loss, after };
    };
    const [a, b, c] = [await run(42), await run(42), await run(43)];
    expect(b.loss).toBe(a.loss);
    expect(relativeError(b.after.get('lm_head.dense.weight')!.data, a.after.get('lm_head.dense.weight')!.data)).toBe(0);
    expect(c.loss).not.toBe(a.loss);
    const plain = await createEngine({ config, engine: 'fused', weights });
    const { loss: noDropout } = await plain.lossAndGradients(batch);
    expect(noDropout).not.toBe(a.loss);
    plain.dispose();
  });

  it('grows its buffers for a larger batch and still computes the same logits', async () => {
    const config = tinyConfig();
    const weights = weightsFor(config);
    const big = randomTargetedBatch(config, 5, 12, streamFromSeed(17));
    const grown = await createEngine({ config, engine: 'fused', weights });
    await grown.targetLogProbs(randomTargetedBatch(config, 2, 5, streamFromSeed(19)));
    const fresh = await createEngine({ config, engine: 'fused', weights });
    expect(relativeError((await grown.forward(big)).logits.data, (await fresh.forward(big)).logits.data)).toBe(0);
    expect(await grown.readWeights()).toEqual(weights);
    grown.dispose();
    fresh.dispose();
  });

  it('rejects weights with a wrong shape', async () => {
    const config = tinyConfig();
    const weights = weightsFor(config);
    const engine = await createEngine({ config, engine: 'fused', weights });
    weights.set('lm_head.dense.bias', { shape: [31], data: new Float32Array(31) });
    await expect(engine.loadWeights(weights)).rejects.toThrow(/lm_head.dense.bias has shape \[31\], expected \[32\]/);
    engine.dispose();
  });
});
