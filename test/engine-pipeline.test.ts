// Overlapping engine calls: training steps issued back to back without awaiting, and probe batches scored
// several at a time, must give exactly what one-call-at-a-time use gives (losses, weights, optimizer state,
// scores), including when a later, larger batch makes the fused engine reallocate while earlier work is queued.
import { describe, expect, it } from 'vitest';
import { activateBackend } from '../src/engine/backend.js';
import { createEngine } from '../src/engine/index.js';
import type { Engine, OptimizerSettings, StepResult } from '../src/engine/types.js';
import type { TargetedBatch } from '../src/core/batches.js';
import type { NamedTensors } from '../src/core/tensors.js';
import { randomTargetedBatch, relativeError } from '../src/engine/webgpu/parity.js';
import type { ModelConfig } from '../src/model/config.js';
import { initWeights } from '../src/model/init.js';
import { MODEL_PRESETS } from '../src/model/presets.js';
import { engineScorer, scoreSentences, type EncodedSentence } from '../src/probe/score.js';
import { streamFromSeed } from '../src/core/random.js';
import { webGpuForTests } from './webgpu-env.js';

const hasWebGpu = (await webGpuForTests()) !== null;

const config: ModelConfig = {
  ...MODEL_PRESETS.tiny, vocabSize: 97, hiddenSize: 32, intermediateSize: 64, numHeads: 4, numLayers: 2, maxPositions: 20,
  hiddenDropout: 0.1, attentionDropout: 0.1,
  attention: { ...MODEL_PRESETS.tiny.attention, scoring: 'ssa', ssaN: 1.5, ssaB: 0.8, ssaNTrainable: true, ssaBTrainable: true },
};
const optimizer: OptimizerSettings = { beta1: 0.9, beta2: 0.999, eps: 1e-6, weightDecay: 0.01, biasCorrection: true, clipNorm: 0.5 };
const weights = initWeights(config, streamFromSeed(3).next);

/** Six steps whose batches grow twice (the fused engine reallocates its activations while steps are queued). */
function batches(): TargetedBatch[] {
  const random = streamFromSeed(21);
  return [[2, 6], [2, 6], [3, 9], [2, 5], [5, 14], [4, 8]].map(([b, t]) => randomTargetedBatch(config, b, t, random));
}

interface Outcome {
  results: StepResult[];
  logProbs: Float32Array;
  weights: NamedTensors;
  step: number;
  moments: NamedTensors;
}

/** Trains on every batch, then scores the last one; `overlapped` issues every call before awaiting any. */
async function trainAndScore(kind: 'tfjs' | 'fused', overlapped: boolean): Promise<Outcome> {
  const engine: Engine = await createEngine({ config, engine: kind, backend: kind === 'tfjs' ? 'cpu' : 'webgpu', weights, optimizer });
  const steps = batches().map((batch, i) => ({ batch, options: { lr: 1e-3 * (i + 1), dropoutSeed: 100 + i } }));
  let results: StepResult[];
  let logProbs: Float32Array;
  if (overlapped) {
    // Another backend active: the first call's re-activation takes many ticks, the later calls' checks see it pending.
    if (kind === 'tfjs') await activateBackend('wasm');
    const queued = steps.map(({ batch, options }) => engine.trainStep(batch, options));
    const scored = engine.targetLogProbs(steps[steps.length - 1].batch);
    const state = engine.readOptimizerState();
    [results, logProbs] = await Promise.all([Promise.all(queued), scored]);
    await state;
  } else {
    results = [];
    for (const { batch, options } of steps) results.push(await engine.trainStep(batch, options));
    logProbs = await engine.targetLogProbs(steps[steps.length - 1].batch);
  }
  const state = await engine.readOptimizerState();
  const outcome = { results, logProbs, weights: await engine.readWeights(), step: state.step, moments: state.tensors };
  engine.dispose();
  return outcome;
}

function expectIdentical(actual: Outcome, expected: Outcome): void {
  expect(actual.results).toEqual(expected.results);
  expect(actual.logProbs).toEqual(expected.logProbs);
  expect(actual.step).toBe(expected.step);
  for (const [name, tensor] of expected.weights) expect(relativeError(actual.weights.get(name)!.data, tensor.data), name).toBe(0);
  for (const [name, tensor] of expected.moments) expect(relativeError(actual.moments.get(name)!.data, tensor.data), name).toBe(0);
}

describe('overlapping engine calls', () => {
  it('tfjs: steps issued back to back equal awaited steps', async () => {
    const [overlapped, awaited] = [await trainAndScore('tfjs', true), await trainAndScore('tfjs', false)];
    expect(awaited.step).toBe(6);
    expectIdentical(overlapped, awaited);
  });

  it.skipIf(!hasWebGpu)('fused: steps issued back to back equal awaited steps, across reallocations', async () => {
    const [overlapped, awaited] = [await trainAndScore('fused', true), await trainAndScore('fused', false)];
    expect(awaited.step).toBe(6);
    expect(new Set(awaited.results.map((r) => r.loss)).size).toBe(6);
    expectIdentical(overlapped, awaited);
  });

  it.skipIf(!hasWebGpu)('fused: pipelined probe scoring equals one call at a time, with monotone progress', async () => {
    const engine = await createEngine({ config, engine: 'fused', weights, optimizer });
    const random = streamFromSeed(33);
    const sentences: EncodedSentence[] = Array.from({ length: 23 }, (_, i) => {
      const length = 4 + (i % 9);
      const ids = [3, ...Array.from({ length: length - 2 }, () => 5 + random.int(90)), 4];
      return { ids, tokens: ids.map((id) => `Ġt${id}`) };
    });
    // One call at a time: each engine call starts only once the previous one has resolved.
    let chain: Promise<unknown> = Promise.resolve();
    const serial = Object.create(engine) as Engine;
    serial.targetLogProbs = (batch) => {
      const next = chain.then(() => engine.targetLogProbs(batch));
      chain = next;
      return next;
    };
    // Counts how many calls are unresolved at once, to show the scorer really overlaps them.
    let open = 0;
    let mostOpen = 0;
    const counting = Object.create(engine) as Engine;
    counting.targetLogProbs = (batch) => {
      mostOpen = Math.max(mostOpen, ++open);
      return engine.targetLogProbs(batch).finally(() => open--);
    };
    for (const method of ['holistic', 'pll'] as const) {
      const progress: number[] = [];
      const options = { method, batchSize: 2, maxRows: 5, onProgress: (done: number) => progress.push(done) };
      const expected = await scoreSentences(engineScorer(serial), 1, sentences, { method, batchSize: 2, maxRows: 5 });
      const actual = await scoreSentences(engineScorer(counting), 1, sentences, options);
      expect(actual).toEqual(expected);
      expect(progress).toEqual([...progress].sort((a, b) => a - b));
      expect(progress[progress.length - 1]).toBe(sentences.length);
    }
    expect(mostOpen).toBeGreaterThan(1);
    engine.dispose();
  });
});
