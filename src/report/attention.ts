// `babyssa attention`: saturation diagnostics of a checkpoint on probe sentences, and the deviant-value
// experiment. The deviant is made by scaling one vocabulary row of the word-embedding matrix in a copy of
// the weights and loading that copy into the same engine: every engine takes it, nothing engine-specific
// is touched, and every occurrence of that token is scaled. Note that RoBERTa normalises the embedding sum
// (word + position + type) with a LayerNorm, so the scaled row changes the token's direction more than its
// norm at layer 0; later layers see the effect through the residual stream.
import type { Engine } from '../engine/types.js';
import type { TokenBatch } from '../core/batches.js';
import type { HostTensor, NamedTensors } from '../core/tensors.js';
import { SPECIAL_IDS } from '../model/config.js';
import { HF_NAMES } from '../model/params.js';
import { attentionStats, keyNorms, type AttentionDiagnostics, type ConditionStats } from './attention-stats.js';
import type { VegaLiteSpec } from './plots.js';
import { variantName, type AttentionConfig } from '../model/attention.js';

export const ATTENTION_SCHEMA_VERSION = 1;
export const DEVIANT_METHOD = 'word-embedding row of the token scaled by the factor in a copy of the weights, reloaded into the same engine';
const BATCH = 16;

interface Collected {
  attentions: HostTensor[];
  mask: Uint8Array;
  keyNorms: Float32Array[];
  deviant: Uint8Array;
}

/** Concatenates per-batch results along B (all padded to the same T by the caller). */
function concat(parts: Collected[]): Collected {
  const join = <T extends Float32Array | Uint8Array>(arrays: T[], make: (n: number) => T): T => {
    const out = make(arrays.reduce((s, a) => s + a.length, 0));
    let offset = 0;
    for (const a of arrays) {
      out.set(a, offset);
      offset += a.length;
    }
    return out;
  };
  const layers = parts[0].attentions.length;
  const B = parts.reduce((s, p) => s + p.attentions[0].shape[0], 0);
  const [, H, T] = parts[0].attentions[0].shape;
  return {
    attentions: Array.from({ length: layers }, (_, l) => ({ shape: [B, H, T, T], data: join(parts.map((p) => p.attentions[l].data), (n) => new Float32Array(n)) })),
    keyNorms: Array.from({ length: layers }, (_, l) => join(parts.map((p) => p.keyNorms[l]), (n) => new Float32Array(n))),
    mask: join(parts.map((p) => p.mask), (n) => new Uint8Array(n)),
    deviant: join(parts.map((p) => p.deviant), (n) => new Uint8Array(n)),
  };
}

/** Pads to a common length T so batches concatenate; padding is masked and never counted. */
function padTo(sequences: number[][], T: number): TokenBatch {
  const B = sequences.length;
  const inputIds = new Int32Array(B * T).fill(SPECIAL_IDS.pad); // [B*T]
  const attentionMask = new Uint8Array(B * T); // [B*T]
  sequences.forEach((ids, b) => {
    ids.forEach((id, t) => {
      inputIds[b * T + t] = id;
      attentionMask[b * T + t] = 1;
    });
  });
  return { batchSize: B, seqLen: T, inputIds, attentionMask };
}

async function collect(engine: Engine, sequences: number[][], deviantId: number): Promise<Collected> {
  const T = Math.max(...sequences.map((s) => s.length));
  const parts: Collected[] = [];
  for (let start = 0; start < sequences.length; start += BATCH) {
    const batch = padTo(sequences.slice(start, start + BATCH), T);
    const { attentions, keys } = await engine.forward(batch, { attentions: true, keys: true });
    if (!attentions || !keys) throw new Error(`engine ${engine.kind}/${engine.backend} returned no attention weights or keys`);
    const deviant = new Uint8Array(batch.inputIds.length); // [B*T]
    batch.inputIds.forEach((id, i) => {
      deviant[i] = id === deviantId && batch.attentionMask[i] ? 1 : 0;
    });
    parts.push({ attentions, mask: batch.attentionMask, keyNorms: keys.map((k) => keyNorms(k, engine.config.numHeads)), deviant });
  }
  return concat(parts);
}

export function scaledEmbeddingRow(weights: NamedTensors, tokenId: number, factor: number): NamedTensors {
  const table = weights.get(HF_NAMES.wordEmbeddings)!;
  const hidden = table.shape[1];
  const data = table.data.slice();
  for (let i = 0; i < hidden; i++) data[tokenId * hidden + i] *= factor;
  return new Map([...weights, [HF_NAMES.wordEmbeddings, { shape: table.shape, data }]]);
}

/** The most frequent ordinary token across the sentences (ties: the lower id), for a deviant that occurs often. */
export function mostFrequentToken(sequences: number[][]): number {
  const counts = new Map<number, number>();
  for (const ids of sequences) for (const id of ids) if (id > SPECIAL_IDS.eos) counts.set(id, (counts.get(id) ?? 0) + 1);
  let best = -1;
  for (const [id, count] of counts) if (best < 0 || count > counts.get(best)! || (count === counts.get(best)! && id < best)) best = id;
  if (best < 0) throw new Error('no ordinary token in the sentences');
  return best;
}

export interface DiagnosticsInput {
  engine: Engine;
  weights: NamedTensors;
  settings: AttentionConfig;
  sequences: number[][];
  deviant: { tokenId: number; token: string; factor: number };
  model: { checkpoint: string; run: string; step: number; seed: number | null };
  suite: { path: string; paradigm: string | null };
}

export async function attentionDiagnostics(input: DiagnosticsInput): Promise<AttentionDiagnostics> {
  const { engine, weights, sequences, deviant } = input;
  const stats = (c: Collected, withDeviant: boolean): ConditionStats =>
    attentionStats({ attentions: c.attentions, attentionMask: c.mask, keyNorms: c.keyNorms, deviantPositions: withDeviant ? c.deviant : undefined });
  const all = await collect(engine, sequences, deviant.tokenId);
  const holding = sequences.filter((ids) => ids.includes(deviant.tokenId));
  const before = await collect(engine, holding, deviant.tokenId);
  const scaled = scaledEmbeddingRow(weights, deviant.tokenId, deviant.factor);
  await engine.loadWeights(scaled);
  try {
    const after = await collect(engine, holding, deviant.tokenId);
    return {
      schema_version: ATTENTION_SCHEMA_VERSION,
      model: { ...input.model, variant: variantName(input.settings), settings: input.settings },
      suite: input.suite,
      n_sentences: sequences.length,
      baseline: stats(all, false),
      deviant: {
        token: deviant.token, token_id: deviant.tokenId, factor: deviant.factor, method: DEVIANT_METHOD, n_sentences: holding.length,
        before: stats(before, true), after: stats(after, true),
      },
    };
  } finally {
    await engine.loadWeights(weights);
  }
}

/** Layer × head heatmaps: rows are conditions, columns metrics, each metric on its own colour scale. */
export function heatmapSpec(d: AttentionDiagnostics): VegaLiteSpec {
  const metrics = [
    ['max weight', 'max_weight'], ['entropy (nats)', 'entropy'], ['share on largest-norm key', 'largest_norm_key_share'], ['share on deviant token', 'deviant_token_share'],
  ] as const;
  const conditions = [['all sentences', d.baseline], [`with "${d.deviant.token}"`, d.deviant.before], [`"${d.deviant.token}" ×${d.deviant.factor}`, d.deviant.after]] as const;
  const values = conditions.flatMap(([condition, stats]) => stats.heads.flatMap((h) => metrics.flatMap(([metric, key]) => {
    const value = h[key];
    return value === null ? [] : [{ condition, metric, layer: h.layer, head: h.head, value }];
  })));
  const panel = (metric: string) => ({
    title: metric,
    transform: [{ filter: { field: 'metric', equal: metric } }],
    facet: { row: { field: 'condition', type: 'nominal', sort: conditions.map((c) => c[0]), title: null } },
    spec: {
      width: { step: 28 },
      height: { step: 22 },
      layer: [
        { mark: 'rect', encoding: { color: { field: 'value', type: 'quantitative', title: null, scale: { scheme: 'lightgreyteal' }, legend: { orient: 'bottom', gradientLength: 110 } } } },
        { mark: { type: 'text', fontSize: 9 }, encoding: { text: { field: 'value', type: 'quantitative', format: '.2f' }, color: { value: 'black' } } },
      ],
      encoding: { x: { field: 'head', type: 'ordinal' }, y: { field: 'layer', type: 'ordinal' } },
    },
  });
  return {
    title: { text: `Attention diagnostics per layer × head — ${d.model.variant}, ${d.model.run} step ${d.model.step}`, subtitle: `${d.n_sentences} probe sentences; deviant: "${d.deviant.token}" embedding row ×${d.deviant.factor} (${d.deviant.n_sentences} sentences hold it)` },
    data: { values },
    hconcat: metrics.filter(([, key]) => values.some((v) => v.metric === metrics.find((m) => m[1] === key)![0])).map(([metric]) => panel(metric)),
    resolve: { scale: { color: 'independent' } },
  };
}
