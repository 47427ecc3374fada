import { describe, expect, it } from 'vitest';
import { createEngine } from '../src/engine/index.js';
import type { TokenBatch } from '../src/core/batches.js';
import type { NamedTensors } from '../src/core/tensors.js';
import { SOFTMAX_ATTENTION, type ModelConfig } from '../src/model/config.js';
import { initWeights } from '../src/model/init.js';
import { attentionStats } from '../src/report/attention-stats.js';
import { attentionDiagnostics, heatmapSpec, mostFrequentToken } from '../src/report/attention.js';
import { replayKeys } from '../src/report/key-norms.js';
import { renderSvg } from '../src/report/plots.js';
import { streamFromSeed } from '../src/core/random.js';

const config: ModelConfig = {
  vocabSize: 20, hiddenSize: 8, numLayers: 2, numHeads: 2, intermediateSize: 16, maxPositions: 20, typeVocabSize: 1,
  layerNormEps: 1e-5, hiddenDropout: 0.1, attentionDropout: 0.1, initStd: 0.5, attention: SOFTMAX_ATTENTION,
};
const SEQUENCES = [[3, 7, 8, 9, 4], [3, 9, 10, 11, 12, 9, 4], [3, 13, 7, 4]];

function batchOf(sequences: number[][]): TokenBatch {
  const T = Math.max(...sequences.map((s) => s.length));
  const inputIds = new Int32Array(sequences.length * T).fill(1);
  const attentionMask = new Uint8Array(sequences.length * T);
  sequences.forEach((s, b) => s.forEach((id, t) => { inputIds[b * T + t] = id; attentionMask[b * T + t] = 1; }));
  return { batchSize: sequences.length, seqLen: T, inputIds, attentionMask };
}

const randomWeights = (): NamedTensors => initWeights(config, streamFromSeed(7).next);

/** Every query shares one constant query vector and keys are a huge multiple of the hidden state: one key dominates each row. */
function hardmaxWeights(): NamedTensors {
  const weights = randomWeights();
  const h = config.hiddenSize;
  for (let l = 0; l < config.numLayers; l++) {
    const p = `roberta.encoder.layer.${l}.attention.self`;
    weights.get(`${p}.query.weight`)!.data.fill(0);
    weights.get(`${p}.query.bias`)!.data.set(Array.from({ length: h }, (_, i) => (i % 3) - 1 + 0.3));
    const key = weights.get(`${p}.key.weight`)!.data;
    key.fill(0);
    for (let i = 0; i < h; i++) key[i * h + i] = 1e4;
  }
  return weights;
}

describe('attention diagnostics', () => {
  it('a model forced to hardmax has max weight 1.0 and entropy 0 in every head', async () => {
    const weights = hardmaxWeights();
    const engine = await createEngine({ config, weights, backend: 'cpu' });
    try {
      const batch = batchOf(SEQUENCES);
      const { attentions } = await engine.forward(batch, { attentions: true });
      const stats = attentionStats({ attentions: attentions!, attentionMask: batch.attentionMask, keyNorms: replayKeys(weights, config, batch, attentions!).map((r) => r.keyNorms) });
      expect(stats.heads).toHaveLength(config.numLayers * config.numHeads);
      for (const head of stats.heads) {
        expect(head.max_weight).toBeCloseTo(1, 5);
        expect(head.max_weight_max).toBeCloseTo(1, 5);
        expect(head.entropy).toBeCloseTo(0, 4);
      }
    } finally {
      engine.dispose();
    }
  });

  it('random weights are far from hardmax, and the statistics stay in range', async () => {
    const weights = randomWeights();
    const engine = await createEngine({ config, weights, backend: 'cpu' });
    try {
      const batch = batchOf(SEQUENCES);
      const { attentions } = await engine.forward(batch, { attentions: true });
      const stats = attentionStats({ attentions: attentions!, attentionMask: batch.attentionMask, keyNorms: replayKeys(weights, config, batch, attentions!).map((r) => r.keyNorms) });
      for (const head of stats.heads) {
        expect(head.max_weight).toBeLessThan(0.99);
        expect(head.max_weight).toBeGreaterThan(1 / 7);
        expect(head.entropy).toBeGreaterThan(0.05);
        expect(head.entropy).toBeLessThanOrEqual(Math.log(7) + 1e-9);
        expect(head.largest_norm_key_share).toBeGreaterThanOrEqual(0);
        expect(head.largest_norm_key_share).toBeLessThanOrEqual(head.max_weight + 1e-9);
      }
    } finally {
      engine.dispose();
    }
  });

  it('the host replay of queries and keys reproduces the engine\'s softmax attention in every layer', async () => {
    const weights = randomWeights();
    const engine = await createEngine({ config, weights, backend: 'cpu' });
    try {
      const batch = batchOf(SEQUENCES);
      const { attentions } = await engine.forward(batch, { attentions: true });
      const layers = replayKeys(weights, config, batch, attentions!);
      const { batchSize: B, seqLen: T } = batch;
      const H = config.numHeads;
      const d = config.hiddenSize / H;
      let worst = 0;
      layers.forEach((layer, l) => {
        for (let b = 0; b < B; b++) for (let h = 0; h < H; h++) for (let i = 0; i < T; i++) {
          if (!batch.attentionMask[b * T + i]) continue;
          const logits: number[] = [];
          for (let j = 0; j < T; j++) {
            let dot = 0;
            for (let k = 0; k < d; k++) dot += layer.queries[(b * T + i) * config.hiddenSize + h * d + k] * layer.keys[(b * T + j) * config.hiddenSize + h * d + k];
            logits.push(batch.attentionMask[b * T + j] ? dot / Math.sqrt(d) : -Infinity);
          }
          const max = Math.max(...logits);
          const exps = logits.map((x) => Math.exp(x - max));
          const total = exps.reduce((s, x) => s + x, 0);
          exps.forEach((e, j) => { worst = Math.max(worst, Math.abs(e / total - attentions![l].data[((b * H + h) * T + i) * T + j])); });
        }
      });
      expect(worst).toBeLessThan(1e-5);
    } finally {
      engine.dispose();
    }
  });

  it('the deviant experiment scales one embedding row, changes attention to that token, and restores the weights', async () => {
    const weights = randomWeights();
    const engine = await createEngine({ config, weights, backend: 'cpu' });
    try {
      const tokenId = mostFrequentToken(SEQUENCES);
      expect(tokenId).toBe(9);
      const run = (factor: number) => attentionDiagnostics({
        engine, weights, settings: config.attention, sequences: SEQUENCES, deviant: { tokenId, token: 'Ġx', factor },
        model: { checkpoint: 'none', run: 'test', step: 0, seed: 7 }, suite: { path: 'none', paradigm: null },
      });
      const same = await run(1);
      expect(same.deviant.n_sentences).toBe(2);
      expect(same.deviant.after).toEqual(same.deviant.before);
      const scaled = await run(30);
      const share = (s: typeof scaled.deviant.after) => s.layers.map((l) => l.deviant_token_share!);
      expect(share(scaled.deviant.after)).not.toEqual(share(scaled.deviant.before));
      const restored = await engine.readWeights();
      expect(restored.get('roberta.embeddings.word_embeddings.weight')!.data).toEqual(weights.get('roberta.embeddings.word_embeddings.weight')!.data);
      const svg = await renderSvg(heatmapSpec(scaled));
      expect(svg).toContain('share on deviant token');
      expect(svg).toContain('max weight');
    } finally {
      engine.dispose();
    }
  }, 30_000);
});
