// Attention-saturation statistics per layer and head, from attention weights [B, H, T, T] of real sentences:
// how peaked each query's distribution is (max weight, entropy), how much of it lands on the key with the
// largest norm, and how much on chosen (deviant) positions. Averages run over every real query position.
import type { HostTensor } from '../core/tensors.js';
import type { AttentionConfig } from '../model/attention.js';

export interface LayerStats {
  layer: number;
  /** Mean over queries of the largest weight in the row; 1.0 means hardmax everywhere. */
  max_weight: number;
  /** Mean over queries of −Σ a·ln a (nats). */
  entropy: number;
  /** Mean over queries of the weight on the key with the largest key-vector norm (per head). */
  largest_norm_key_share: number;
  /** Mean over queries of the total weight on the deviant token's positions; null without a deviant. */
  deviant_token_share: number | null;
}

export interface HeadStats extends LayerStats {
  head: number;
  /** The single largest weight seen in this head. */
  max_weight_max: number;
}

export interface ConditionStats {
  heads: HeadStats[];
  /** Means over the layer's heads. */
  layers: LayerStats[];
}

export interface AttentionDiagnostics {
  schema_version: number;
  model: { checkpoint: string; run: string; step: number; variant: string; seed: number | null; settings: AttentionConfig };
  suite: { path: string; paradigm: string | null };
  n_sentences: number;
  /** Every probe sentence, unchanged weights. */
  baseline: ConditionStats;
  deviant: {
    token: string;
    token_id: number;
    factor: number;
    method: string;
    /** Sentences that contain the token: stats with and without the scaled embedding row. */
    n_sentences: number;
    before: ConditionStats;
    after: ConditionStats;
  };
}

export interface AttentionInputs {
  /** Per layer, attention weights [B, H, T, T]. */
  attentions: HostTensor[];
  /** 1 for a real token, 0 for padding. */
  attentionMask: Uint8Array; // [B*T]
  /** Per layer, the norm of each position's key vector for each head: [B, H, T]. */
  keyNorms: Float32Array[];
  /** Positions holding the deviant token (b*T + t), if any. */
  deviantPositions?: Uint8Array; // [B*T]
}

/** ‖k‖ of each position's key vector per head, from a layer's keys as the engine returns them [B, T, hidden]: [B, H, T]. */
export function keyNorms(keys: HostTensor, heads: number): Float32Array {
  const [B, T, hidden] = keys.shape;
  const d = hidden / heads;
  const norms = new Float32Array(B * heads * T); // [B, H, T]
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < heads; h++) {
      for (let t = 0; t < T; t++) {
        let squares = 0;
        for (let i = 0; i < d; i++) squares += keys.data[(b * T + t) * hidden + h * d + i] ** 2;
        norms[(b * heads + h) * T + t] = Math.sqrt(squares);
      }
    }
  }
  return norms;
}

export function attentionStats(inputs: AttentionInputs): ConditionStats {
  const heads: HeadStats[] = [];
  const layers: LayerStats[] = [];
  inputs.attentions.forEach((tensor, layer) => {
    const [B, H, T] = tensor.shape;
    const mask = inputs.attentionMask;
    const norms = inputs.keyNorms[layer]; // [B, H, T]
    const deviant = inputs.deviantPositions;
    const layerHeads: HeadStats[] = [];
    for (let h = 0; h < H; h++) {
      let queries = 0;
      let maxSum = 0;
      let maxMax = 0;
      let entropySum = 0;
      let largestSum = 0;
      let deviantSum = 0;
      for (let b = 0; b < B; b++) {
        let largestKey = -1;
        for (let j = 0; j < T; j++) {
          if (mask[b * T + j] && (largestKey < 0 || norms[(b * H + h) * T + j] > norms[(b * H + h) * T + largestKey])) largestKey = j;
        }
        for (let i = 0; i < T; i++) {
          if (!mask[b * T + i]) continue;
          const row = ((b * H + h) * T + i) * T;
          let max = 0;
          let entropy = 0;
          let onDeviant = 0;
          for (let j = 0; j < T; j++) {
            if (!mask[b * T + j]) continue;
            const a = tensor.data[row + j];
            if (a > max) max = a;
            if (a > 0) entropy -= a * Math.log(a);
            if (deviant?.[b * T + j]) onDeviant += a;
          }
          queries++;
          maxSum += max;
          maxMax = Math.max(maxMax, max);
          entropySum += entropy;
          largestSum += tensor.data[row + largestKey];
          deviantSum += onDeviant;
        }
      }
      layerHeads.push({
        layer, head: h, max_weight: maxSum / queries, max_weight_max: maxMax, entropy: entropySum / queries,
        largest_norm_key_share: largestSum / queries, deviant_token_share: deviant ? deviantSum / queries : null,
      });
    }
    const meanOf = (pick: (s: HeadStats) => number) => layerHeads.reduce((s, x) => s + pick(x), 0) / layerHeads.length;
    layers.push({
      layer, max_weight: meanOf((s) => s.max_weight), entropy: meanOf((s) => s.entropy),
      largest_norm_key_share: meanOf((s) => s.largest_norm_key_share),
      deviant_token_share: deviant ? meanOf((s) => s.deviant_token_share!) : null,
    });
    heads.push(...layerHeads);
  });
  return { heads, layers };
}
