// The fused attention kernels at shapes where their tiling matters: T = 70 spans two 64-row workgroups and
// several streamed key/query tiles, and head sizes 24 and 80 (not 32) give tiles of 42 and 12 rows with a
// ragged last tile. Fused engine vs the tfjs reference (cpu): attention weights, keys, logits, loss and every
// gradient, dn/db included. Skipped where no WebGPU adapter exists.
import { describe, expect, it } from 'vitest';
import { createEngine } from '../src/engine/index.js';
import { ATTENTION_ROWS } from '../src/engine/webgpu/kernels/attention.wgsl.js';
import { compareGradients, randomTargetedBatch, relativeError } from '../src/engine/webgpu/parity.js';
import { headDim, type ModelConfig } from '../src/model/config.js';
import type { AttentionConfig } from '../src/model/attention.js';
import { initWeights } from '../src/model/init.js';
import { MODEL_PRESETS } from '../src/model/presets.js';
import { streamFromSeed } from '../src/core/random.js';
import { webGpuForTests } from './webgpu-env.js';

const hasWebGpu = (await webGpuForTests()) !== null;
const TOLERANCE = 1e-4;
const SEQ = 70;

function config(hiddenSize: number, attention: Partial<AttentionConfig>): ModelConfig {
  return {
    ...MODEL_PRESETS.tiny, vocabSize: 61, hiddenSize, intermediateSize: 2 * hiddenSize, numHeads: 2, numLayers: 1,
    maxPositions: SEQ + 4, hiddenDropout: 0, attentionDropout: 0,
    attention: { ...MODEL_PRESETS.tiny.attention, ...attention },
  };
}

const cases: [string, number, Partial<AttentionConfig>][] = [
  ['softmax, head size 24', 48, { scoring: 'softmax' }],
  ['SSA trainable per head, head size 24', 48, {
    scoring: 'ssa', ssaN: 1.5, ssaB: 0.8, ssaNTrainable: true, ssaBTrainable: true, ssaGranularity: 'head',
  }],
  ['SSA trainable per layer, head size 80', 160, { scoring: 'ssa', ssaN: 2, ssaB: 1.2, ssaNTrainable: true, ssaBTrainable: true }],
];

describe.skipIf(!hasWebGpu)('fused attention kernels across row blocks and key tiles', () => {
  it.each(cases)('%s', async (_, hiddenSize, attention) => {
    const cfg = config(hiddenSize, attention);
    expect(SEQ).toBeGreaterThan(ATTENTION_ROWS);
    expect(headDim(cfg)).not.toBe(32);
    const weights = initWeights(cfg, streamFromSeed(3).next);
    // Larger query/key weights than the HF init, so that attention is far from uniform.
    for (const name of ['query', 'key']) {
      for (const part of ['weight', 'bias']) {
        const tensor = weights.get(`roberta.encoder.layer.0.attention.self.${name}.${part}`)!;
        const random = streamFromSeed(`${name}.${part}`);
        for (let i = 0; i < tensor.data.length; i++) tensor.data[i] = part === 'weight' ? tensor.data[i] * 8 : random.next() - 0.5;
      }
    }
    const reference = await createEngine({ config: cfg, engine: 'tfjs', backend: 'cpu', weights });
    const fused = await createEngine({ config: cfg, engine: 'fused', weights });
    // Sequences 1 and 2 are padded (one and two tokens short), so the last keys of those rows are masked.
    const batch = randomTargetedBatch(cfg, 3, SEQ, streamFromSeed(29));
    const expected = await reference.forward(batch, { attentions: true, keys: true });
    const actual = await fused.forward(batch, { attentions: true, keys: true });
    expect(relativeError(actual.logits.data, expected.logits.data)).toBeLessThan(TOLERANCE);
    expect(relativeError(actual.attentions![0].data, expected.attentions![0].data)).toBeLessThan(TOLERANCE);
    // The keys (attention diagnostics' key norms) agree too, in the same [B, T, hidden] layout.
    expect(actual.keys![0].shape).toEqual(expected.keys![0].shape);
    expect(relativeError(actual.keys![0].data, expected.keys![0].data)).toBeLessThan(TOLERANCE);
    // Every row of sequence 2 (query rows in both workgroups) gives its two padded keys exactly zero weight.
    const probs = actual.attentions![0].data;
    for (const i of [0, 63, 64, SEQ - 1]) {
      const row = ((2 * cfg.numHeads + 1) * SEQ + i) * SEQ;
      expect([probs[row + SEQ - 2], probs[row + SEQ - 1]]).toEqual([0, 0]);
    }
    const report = await compareGradients(reference, fused, batch);
    expect(report.mismatchedNames).toEqual([]);
    expect(report.loss.relative).toBeLessThan(TOLERANCE);
    expect(report.worstGradient.relative, report.worstGradient.name).toBeLessThan(TOLERANCE);
    if (attention.ssaNTrainable) expect(report.gradients.has('roberta.encoder.layer.0.attention.self.ssa_b')).toBe(true);
    fused.dispose();
    reference.dispose();
  });
});
