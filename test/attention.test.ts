import { describe, expect, it } from 'vitest';
import { createEngine } from '../src/engine/index.js';
import type { TokenBatch } from '../src/core/batches.js';
import type { NamedTensors } from '../src/core/tensors.js';
import type { ModelConfig } from '../src/model/config.js';
import { DEFAULT_ATTENTION } from '../src/model/attention.js';
import { initWeights } from '../src/model/init.js';
import { positionIds } from '../src/model/positions.js';
import { attentionStats, keyNorms } from '../src/report/attention-stats.js';
import { attentionDiagnostics, heatmapSpec, mostFrequentToken } from '../src/report/attention.js';
import { renderSvg } from '../src/report/plots.js';
import { streamFromSeed } from '../src/core/random.js';

const config: ModelConfig = {
  vocabSize: 20, hiddenSize: 8, numLayers: 2, numHeads: 2, intermediateSize: 16, maxPositions: 20, typeVocabSize: 1,
  layerNormEps: 1e-5, hiddenDropout: 0.1, attentionDropout: 0.1, initStd: 0.5, attention: DEFAULT_ATTENTION,
};
const SEQUENCES = [[3, 7, 8, 9, 4], [3, 9, 10, 11, 12, 9, 4], [3, 13, 7, 4]];

function batchOf(sequences: number[][]): TokenBatch {
  const T = Math.max(...sequences.map((s) => s.length));
  const inputIds = new Int32Array(sequences.length * T).fill(1);
  const attentionMask = new Uint8Array(sequences.length * T);
  sequences.forEach((s, b) => {
    s.forEach((id, t) => {
      inputIds[b * T + t] = id;
      attentionMask[b * T + t] = 1;
    });
  });
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
      const { attentions, keys } = await engine.forward(batch, { attentions: true, keys: true });
      const norms = keys!.map((k) => keyNorms(k, config.numHeads));
      const stats = attentionStats({ attentions: attentions!, attentionMask: batch.attentionMask, keyNorms: norms });
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
      const { attentions, keys } = await engine.forward(batch, { attentions: true, keys: true });
      const norms = keys!.map((k) => keyNorms(k, config.numHeads));
      const stats = attentionStats({ attentions: attentions!, attentionMask: batch.attentionMask, keyNorms: norms });
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

  it('the keys an engine returns are the key projection of each layer\'s input (layer 0: the embeddings after LayerNorm)', async () => {
    const weights = randomWeights();
    const engine = await createEngine({ config, weights, backend: 'cpu' });
    try {
      const batch = batchOf(SEQUENCES);
      const { keys } = await engine.forward(batch, { keys: true });
      expect(keys!.map((k) => k.shape)).toEqual([[3, 7, 8], [3, 7, 8]]);
      const h = config.hiddenSize;
      const w = (name: string) => weights.get(name)!.data;
      const positions = positionIds(batch);
      let worst = 0;
      for (let row = 0; row < batch.batchSize * batch.seqLen; row++) {
        const x = Array.from({ length: h }, (_, i) =>
          w('roberta.embeddings.word_embeddings.weight')[batch.inputIds[row] * h + i] +
          w('roberta.embeddings.position_embeddings.weight')[positions[row] * h + i] + w('roberta.embeddings.token_type_embeddings.weight')[i]);
        const mean = x.reduce((a, v) => a + v, 0) / h;
        const sd = Math.sqrt(x.reduce((a, v) => a + (v - mean) ** 2, 0) / h + config.layerNormEps);
        const normed = x.map((v, i) => ((v - mean) / sd) * w('roberta.embeddings.LayerNorm.weight')[i] + w('roberta.embeddings.LayerNorm.bias')[i]);
        for (let o = 0; o < h; o++) {
          let key = w('roberta.encoder.layer.0.attention.self.key.bias')[o];
          for (let i = 0; i < h; i++) key += normed[i] * w('roberta.encoder.layer.0.attention.self.key.weight')[o * h + i];
          worst = Math.max(worst, Math.abs(key - keys![0].data[row * h + o]));
        }
      }
      expect(worst).toBeLessThan(1e-5);
      const norms = keyNorms(keys![0], config.numHeads); // [B, H, T]
      const d = h / config.numHeads;
      const direct = Math.hypot(...keys![0].data.slice(d, 2 * d)); // batch 0, position 0, head 1
      expect(norms[1 * batch.seqLen]).toBeCloseTo(direct, 5);
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
