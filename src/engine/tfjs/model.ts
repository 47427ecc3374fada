// HF RobertaForMaskedLM's forward pass in tfjs, one function per HF sub-block (embeddings, self-attention,
// attention output, intermediate, output, LM head). Post-LN; dense kernels held [in, out].
import * as tf from '@tensorflow/tfjs';
import { headDim, maxSequenceLength, type ModelConfig } from '../../model/config.js';
import { ssaParamNames } from '../../model/params.js';
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

/** Final hidden states [N, H]; pushes each layer's attention weights [B, H, T, T] onto `attentions` if given. */
export function encode(
  p: ParamLookup, config: ModelConfig, inputs: ModelInputs, dropout: Dropout, attentions?: tf.Tensor[],
): tf.Tensor2D {
  let x = embeddings(p, config, inputs, dropout);
  for (let i = 0; i < config.numLayers; i++) {
    const prefix = `roberta.encoder.layer.${i}`;
    const context = selfAttention(p, config, inputs, x, i, dropout, attentions);
    const attended = addAndNorm(p, config, `${prefix}.attention.output`, context, x, dropout, DROPOUT_SITES.attentionOutput(i));
    const inner = gelu(dense(attended, kernel(p, `${prefix}.intermediate.dense`), bias(p, `${prefix}.intermediate.dense`))) as tf.Tensor2D; // [N, F]
    x = addAndNorm(p, config, `${prefix}.output`, inner, attended, dropout, DROPOUT_SITES.ffnOutput(i));
  }
  return x;
}

/** Vocabulary logits [M, V] for hidden rows [M, H]: dense → GELU → LN → tied decoder + bias. */
export function lmHead(p: ParamLookup, config: ModelConfig, hidden: tf.Tensor2D): tf.Tensor2D {
  const h = gelu(dense(hidden, kernel(p, 'lm_head.dense'), bias(p, 'lm_head.dense'))) as tf.Tensor2D; // [M, H]
  const normed = layerNorm(h, vector(p, 'lm_head.layer_norm.weight'), vector(p, 'lm_head.layer_norm.bias'), config.layerNormEps);
  // Tied decoder: transposed explicitly so the matmul and its gradients stay untransposed (fast on wasm).
  const decoder = tf.transpose(p('roberta.embeddings.word_embeddings.weight')) as tf.Tensor2D; // [H, V]
  return tf.add(matMul(normed, decoder), p('lm_head.decoder.bias')); // [M, V]
}

function embeddings(p: ParamLookup, config: ModelConfig, inputs: ModelInputs, dropout: Dropout): tf.Tensor2D {
  const words = gatherRows(p('roberta.embeddings.word_embeddings.weight') as tf.Tensor2D, inputs.ids); // [N, H]
  const positions = gatherRows(p('roberta.embeddings.position_embeddings.weight') as tf.Tensor2D, inputs.positions); // [N, H]
  // Every token has type 0 (RoBERTa's default token_type_ids).
  const tokenType = tf.slice(p('roberta.embeddings.token_type_embeddings.weight'), [0, 0], [1, config.hiddenSize]); // [1, H]
  const summed = tf.add(tf.add(words, positions), tokenType) as tf.Tensor2D; // [N, H]
  const normed = layerNorm(
    summed, vector(p, 'roberta.embeddings.LayerNorm.weight'), vector(p, 'roberta.embeddings.LayerNorm.bias'), config.layerNormEps,
  );
  return dropout(normed, config.hiddenDropout, DROPOUT_SITES.embeddings) as tf.Tensor2D;
}

function selfAttention(
  p: ParamLookup, config: ModelConfig, inputs: ModelInputs, x: tf.Tensor2D, layer: number,
  dropout: Dropout, attentions?: tf.Tensor[],
): tf.Tensor2D {
  const { batchSize: b, seqLen: t } = inputs;
  const heads = config.numHeads;
  const d = headDim(config);
  const prefix = `roberta.encoder.layer.${layer}.attention.self`;
  const project = (name: string) =>
    tf.reshape(dense(x, kernel(p, `${prefix}.${name}`), bias(p, `${prefix}.${name}`)), [b, t, heads, d]); // [B, T, H, d]
  const q = tf.transpose(project('query'), [0, 2, 1, 3]); // [B, H, T, d]
  const kT = tf.transpose(project('key'), [0, 2, 3, 1]); // [B, H, d, T]
  const v = tf.transpose(project('value'), [0, 2, 1, 3]); // [B, H, T, d]
  const logits = tf.mul(matMul(q, kT), 1 / Math.sqrt(d)) as tf.Tensor4D; // [B, H, T, T]
  const weights = attentionWeights(logits, inputs.keyMask, scoring(p, config, layer)); // [B, H, T, T]
  attentions?.push(weights);
  const kept = dropout(weights, config.attentionDropout, DROPOUT_SITES.attentionProbs(layer)) as tf.Tensor4D; // [B, H, T, T]
  const context = matMul(kept, v); // [B, H, T, d]
  return tf.reshape(tf.transpose(context, [0, 2, 1, 3]), [b * t, heads * d]); // [N, H·d]
}

function scoring(p: ParamLookup, config: ModelConfig, layer: number): Scoring {
  if (config.attention.scoring === 'softmax') return { kind: 'softmax' };
  const names = ssaParamNames(layer);
  return { kind: 'ssa', n: p(names.n) as tf.Tensor1D, b: p(names.b) as tf.Tensor1D };
}

/** dense → dropout at `site` → residual → LayerNorm (HF's RobertaSelfOutput / RobertaOutput). */
function addAndNorm(
  p: ParamLookup, config: ModelConfig, prefix: string, input: tf.Tensor2D, residual: tf.Tensor2D, dropout: Dropout, site: number,
): tf.Tensor2D {
  const projected = dropout(dense(input, kernel(p, `${prefix}.dense`), bias(p, `${prefix}.dense`)), config.hiddenDropout, site); // [N, H]
  return layerNorm(
    tf.add(projected, residual) as tf.Tensor2D, vector(p, `${prefix}.LayerNorm.weight`), vector(p, `${prefix}.LayerNorm.bias`),
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
