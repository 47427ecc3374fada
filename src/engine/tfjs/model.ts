// HF RobertaForMaskedLM's forward pass in tfjs, one function per HF sub-block (embeddings, self-attention,
// attention output, intermediate, output, LM head). Post-LN; dense kernels held [in, out].
import * as tf from '@tensorflow/tfjs';
import { headDim, maxSequenceLength, type ModelConfig } from '../../model/config.js';
import { HF_NAMES, layerNames } from '../../model/params.js';
import { DROPOUT_SITES } from '../../model/dropout-sites.js';
import type { TokenBatch } from '../../core/batches.js';
import type { Dropout } from './dropout.js';
import { dense, gatherRows, gelu, layerNorm, matMul } from './ops.js';
import { attentionWeights, type Scoring } from './scoring.js';
import { positionIds } from '../../model/positions.js';

/** A parameter by HF name, in the engine's layout (dense kernels [in, out]). */
export type ParamLookup = (name: string) => tf.Tensor;

export interface ModelInputs {
  batchSize: number;
  seqLen: number;
  ids: tf.Tensor1D; // [N = B*T] int32
  positions: tf.Tensor1D; // [N] int32
  keyMask: tf.Tensor4D; // [B, 1, 1, T] bool
}

/** Uploads a batch's ids, positions and key mask (the caller disposes them, e.g. inside tf.tidy). */
export function modelInputs(config: ModelConfig, batch: TokenBatch): ModelInputs {
  const { batchSize, seqLen } = batch;
  if (seqLen > maxSequenceLength(config)) {
    throw new Error(`batch length ${seqLen} exceeds the model's ${maxSequenceLength(config)} positions`);
  }
  return {
    batchSize,
    seqLen,
    ids: tf.tensor1d(batch.inputIds, 'int32'),
    positions: tf.tensor1d(positionIds(batch), 'int32'),
    keyMask: tf.tensor4d(batch.attentionMask, [batchSize, 1, 1, seqLen], 'bool'),
  };
}

/** Per-layer tensors a forward pass hands out when asked: attention weights [B, H, T, T], keys [B, T, hidden]. */
export interface Captured {
  attentions?: tf.Tensor[];
  keys?: tf.Tensor[];
}

/** Final hidden states [N, H]; pushes each layer's tensors onto the lists `captured` holds. */
export function encode(p: ParamLookup, config: ModelConfig, inputs: ModelInputs, dropout: Dropout, captured: Captured = {}): tf.Tensor2D {
  let x = embeddings(p, config, inputs, dropout);
  for (let i = 0; i < config.numLayers; i++) {
    const names = layerNames(i);
    const context = selfAttention(p, config, inputs, x, i, dropout, captured);
    const attended = addAndNorm(p, config, names.attentionOutput, names.attentionNorm, context, x, dropout, DROPOUT_SITES.attentionOutput(i));
    const inner = gelu(dense(attended, kernel(p, names.intermediate), bias(p, names.intermediate))) as tf.Tensor2D; // [N, F]
    x = addAndNorm(p, config, names.output, names.outputNorm, inner, attended, dropout, DROPOUT_SITES.ffnOutput(i));
  }
  return x;
}

/** Vocabulary logits [M, V] for hidden rows [M, H]: dense → GELU → LN → tied decoder + bias. */
export function lmHead(p: ParamLookup, config: ModelConfig, hidden: tf.Tensor2D): tf.Tensor2D {
  const h = gelu(dense(hidden, kernel(p, HF_NAMES.lmDense), bias(p, HF_NAMES.lmDense))) as tf.Tensor2D; // [M, H]
  const normed = layerNorm(h, vector(p, `${HF_NAMES.lmNorm}.weight`), vector(p, `${HF_NAMES.lmNorm}.bias`), config.layerNormEps);
  // Tied decoder: transposed explicitly so the matmul and its gradients stay untransposed (fast on wasm).
  const decoder = tf.transpose(p(HF_NAMES.wordEmbeddings)) as tf.Tensor2D; // [H, V]
  return tf.add(matMul(normed, decoder), p(HF_NAMES.decoderBias)); // [M, V]
}

function embeddings(p: ParamLookup, config: ModelConfig, inputs: ModelInputs, dropout: Dropout): tf.Tensor2D {
  const words = gatherRows(p(HF_NAMES.wordEmbeddings) as tf.Tensor2D, inputs.ids); // [N, H]
  const positions = gatherRows(p(HF_NAMES.positionEmbeddings) as tf.Tensor2D, inputs.positions); // [N, H]
  // Every token has type 0 (RoBERTa's default token_type_ids).
  const tokenType = tf.slice(p(HF_NAMES.tokenTypeEmbeddings), [0, 0], [1, config.hiddenSize]); // [1, H]
  const summed = tf.add(tf.add(words, positions), tokenType) as tf.Tensor2D; // [N, H]
  const norm = HF_NAMES.embeddingsNorm;
  const normed = layerNorm(summed, vector(p, `${norm}.weight`), vector(p, `${norm}.bias`), config.layerNormEps);
  return dropout(normed, config.hiddenDropout, DROPOUT_SITES.embeddings) as tf.Tensor2D;
}

function selfAttention(
  p: ParamLookup, config: ModelConfig, inputs: ModelInputs, x: tf.Tensor2D, layer: number,
  dropout: Dropout, captured: Captured,
): tf.Tensor2D {
  const { batchSize: b, seqLen: t } = inputs;
  const heads = config.numHeads;
  const d = headDim(config);
  const names = layerNames(layer);
  const project = (name: string) => tf.reshape(dense(x, kernel(p, name), bias(p, name)), [b, t, heads, d]); // [B, T, H, d]
  const q = tf.transpose(project(names.query), [0, 2, 1, 3]); // [B, H, T, d]
  const keys = project(names.key); // [B, T, H, d]
  captured.keys?.push(tf.reshape(keys, [b, t, heads * d])); // [B, T, hidden]
  const kT = tf.transpose(keys, [0, 2, 3, 1]); // [B, H, d, T]
  const v = tf.transpose(project(names.value), [0, 2, 1, 3]); // [B, H, T, d]
  const logits = tf.mul(matMul(q, kT), 1 / Math.sqrt(d)) as tf.Tensor4D; // [B, H, T, T]
  const weights = attentionWeights(logits, inputs.keyMask, scoring(p, config, layer)); // [B, H, T, T]
  captured.attentions?.push(weights);
  const kept = dropout(weights, config.attentionDropout, DROPOUT_SITES.attentionProbs(layer)) as tf.Tensor4D; // [B, H, T, T]
  const context = matMul(kept, v); // [B, H, T, d]
  return tf.reshape(tf.transpose(context, [0, 2, 1, 3]), [b * t, heads * d]); // [N, H·d]
}

function scoring(p: ParamLookup, config: ModelConfig, layer: number): Scoring {
  if (config.attention.scoring === 'softmax') return { kind: 'softmax' };
  const names = layerNames(layer);
  return { kind: 'ssa', n: p(names.ssaN) as tf.Tensor1D, b: p(names.ssaB) as tf.Tensor1D };
}

/** dense → dropout at `site` → residual → LayerNorm (HF's RobertaSelfOutput / RobertaOutput). */
function addAndNorm(
  p: ParamLookup, config: ModelConfig, denseName: string, normName: string, input: tf.Tensor2D, residual: tf.Tensor2D, dropout: Dropout,
  site: number,
): tf.Tensor2D {
  const projected = dropout(dense(input, kernel(p, denseName), bias(p, denseName)), config.hiddenDropout, site); // [N, H]
  return layerNorm(
    tf.add(projected, residual) as tf.Tensor2D, vector(p, `${normName}.weight`), vector(p, `${normName}.bias`),
    config.layerNormEps,
  );
}

/** A dense layer's kernel [in, out]. */
function kernel(p: ParamLookup, layer: string): tf.Tensor2D {
  return p(`${layer}.weight`) as tf.Tensor2D;
}

function bias(p: ParamLookup, layer: string): tf.Tensor1D {
  return p(`${layer}.bias`) as tf.Tensor1D;
}

/** A 1-D parameter by its full name (LayerNorm weight or bias). */
function vector(p: ParamLookup, name: string): tf.Tensor1D {
  return p(name) as tf.Tensor1D;
}
