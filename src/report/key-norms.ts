// Key-vector norms per layer and head, which the Engine interface does not expose. We replay the encoder on
// the host in float64 from the HF weights, taking each layer's attention weights from the engine (so the
// replay needs no Softmax/SSA code of its own): embeddings → LN, then per layer context = A·V, output
// dense + residual + LN, GELU FFN + residual + LN. A test checks the replayed q·kᵀ reproduces a softmax
// engine's attention weights, which validates the replayed hidden states.
import type { TokenBatch } from '../core/batches.js';
import type { HostTensor, NamedTensors } from '../core/tensors.js';
import { headDim, SPECIAL_IDS, type ModelConfig } from '../model/config.js';

function weight(weights: NamedTensors, name: string): Float32Array {
  const tensor = weights.get(name);
  if (!tensor) throw new Error(`weights lack ${name}`);
  return tensor.data;
}

/** y = x Wᵀ + b for rows of x [N, in]; W is HF [out, in]. */
function dense(x: Float64Array, rows: number, inSize: number, w: Float32Array, b: Float32Array, outSize: number): Float64Array {
  const y = new Float64Array(rows * outSize); // [N, out]
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < outSize; o++) {
      let sum = b[o];
      const wo = o * inSize;
      const xr = r * inSize;
      for (let i = 0; i < inSize; i++) sum += x[xr + i] * w[wo + i];
      y[r * outSize + o] = sum;
    }
  }
  return y;
}

function layerNormInPlace(x: Float64Array, rows: number, size: number, gamma: Float32Array, beta: Float32Array, eps: number): void {
  for (let r = 0; r < rows; r++) {
    const base = r * size;
    let mean = 0;
    for (let i = 0; i < size; i++) mean += x[base + i];
    mean /= size;
    let variance = 0;
    for (let i = 0; i < size; i++) variance += (x[base + i] - mean) ** 2;
    const inv = 1 / Math.sqrt(variance / size + eps);
    for (let i = 0; i < size; i++) x[base + i] = (x[base + i] - mean) * inv * gamma[i] + beta[i];
  }
}

/** erf by Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7): ample for norms and rankings of keys. */
function erf(x: number): number {
  const sign = x < 0 ? -1 : 1;
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return sign * (1 - poly * Math.exp(-a * a));
}

/** The embedding layer's output [B*T, hidden] with RoBERTa position ids (cumsum of the mask, offset by pad + 1). */
function embed(weights: NamedTensors, config: ModelConfig, batch: TokenBatch): Float64Array {
  const { batchSize: B, seqLen: T } = batch;
  const h = config.hiddenSize;
  const word = weight(weights, 'roberta.embeddings.word_embeddings.weight');
  const position = weight(weights, 'roberta.embeddings.position_embeddings.weight');
  const tokenType = weight(weights, 'roberta.embeddings.token_type_embeddings.weight');
  const x = new Float64Array(B * T * h); // [B*T, hidden]
  for (let b = 0; b < B; b++) {
    let count = 0;
    for (let t = 0; t < T; t++) {
      const real = batch.attentionMask[b * T + t] === 1;
      if (real) count++;
      const positionId = real ? count + SPECIAL_IDS.pad : SPECIAL_IDS.pad;
      const id = batch.inputIds[b * T + t];
      for (let i = 0; i < h; i++) x[(b * T + t) * h + i] = word[id * h + i] + position[positionId * h + i] + tokenType[i];
    }
  }
  layerNormInPlace(x, B * T, h, weight(weights, 'roberta.embeddings.LayerNorm.weight'), weight(weights, 'roberta.embeddings.LayerNorm.bias'), config.layerNormEps);
  return x;
}

export interface ReplayedLayer {
  /** Query and key projections [B*T, hidden] (heads are contiguous slices of headDim). */
  queries: Float64Array;
  keys: Float64Array;
  /** ‖k‖ per head: [B, H, T]. */
  keyNorms: Float32Array;
}

/** Replays the encoder; `attentions[l]` are the engine's weights [B, H, T, T] for the same batch and weights. */
export function replayKeys(weights: NamedTensors, config: ModelConfig, batch: TokenBatch, attentions: HostTensor[]): ReplayedLayer[] {
  const { batchSize: B, seqLen: T } = batch;
  const h = config.hiddenSize;
  const H = config.numHeads;
  const d = headDim(config);
  const N = B * T;
  const eps = config.layerNormEps;
  let x = embed(weights, config, batch); // [N, hidden]
  const layers: ReplayedLayer[] = [];
  for (let l = 0; l < config.numLayers; l++) {
    const p = `roberta.encoder.layer.${l}`;
    const w = (name: string) => weight(weights, `${p}.${name}`);
    const queries = dense(x, N, h, w('attention.self.query.weight'), w('attention.self.query.bias'), h); // [N, hidden]
    const keys = dense(x, N, h, w('attention.self.key.weight'), w('attention.self.key.bias'), h); // [N, hidden]
    const keyNorms = new Float32Array(B * H * T); // [B, H, T]
    for (let b = 0; b < B; b++) {
      for (let head = 0; head < H; head++) {
        for (let t = 0; t < T; t++) {
          let squares = 0;
          for (let i = 0; i < d; i++) squares += keys[(b * T + t) * h + head * d + i] ** 2;
          keyNorms[(b * H + head) * T + t] = Math.sqrt(squares);
        }
      }
    }
    layers.push({ queries, keys, keyNorms });
    if (l === config.numLayers - 1) break; // later layers' inputs are not needed
    const values = dense(x, N, h, w('attention.self.value.weight'), w('attention.self.value.bias'), h); // [N, hidden]
    const a = attentions[l].data; // [B, H, T, T]
    const context = new Float64Array(N * h); // [N, hidden]
    for (let b = 0; b < B; b++) {
      for (let head = 0; head < H; head++) {
        for (let i = 0; i < T; i++) {
          const row = ((b * H + head) * T + i) * T;
          for (let j = 0; j < T; j++) {
            const weightIJ = a[row + j];
            if (weightIJ === 0) continue;
            for (let k = 0; k < d; k++) context[(b * T + i) * h + head * d + k] += weightIJ * values[(b * T + j) * h + head * d + k];
          }
        }
      }
    }
    const attended = dense(context, N, h, w('attention.output.dense.weight'), w('attention.output.dense.bias'), h);
    for (let i = 0; i < attended.length; i++) attended[i] += x[i];
    layerNormInPlace(attended, N, h, w('attention.output.LayerNorm.weight'), w('attention.output.LayerNorm.bias'), eps);
    const inner = dense(attended, N, h, w('intermediate.dense.weight'), w('intermediate.dense.bias'), config.intermediateSize); // [N, ffn]
    for (let i = 0; i < inner.length; i++) inner[i] = 0.5 * inner[i] * (1 + erf(inner[i] / Math.SQRT2));
    const out = dense(inner, N, config.intermediateSize, w('output.dense.weight'), w('output.dense.bias'), h);
    for (let i = 0; i < out.length; i++) out[i] += attended[i];
    layerNormInPlace(out, N, h, w('output.LayerNorm.weight'), w('output.LayerNorm.bias'), eps);
    x = out;
  }
  return layers;
}
