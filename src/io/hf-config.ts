// Model config ⇄ HF RobertaConfig JSON (config.json), with our attention fields beside HF's own keys
// (HF keeps unknown keys, so the file loads in `transformers` unchanged).
import { UserError } from '../core/errors.js';
import type { ModelConfig } from '../model/config.js';
import { attentionFromHf, hfAttentionFields } from '../model/attention.js';
import { SPECIAL_IDS } from '../model/config.js';

export function hfConfigFromModel(config: ModelConfig): Record<string, unknown> {
  return {
    architectures: ['RobertaForMaskedLM'],
    model_type: 'roberta',
    vocab_size: config.vocabSize,
    hidden_size: config.hiddenSize,
    num_hidden_layers: config.numLayers,
    num_attention_heads: config.numHeads,
    intermediate_size: config.intermediateSize,
    hidden_act: 'gelu',
    hidden_dropout_prob: config.hiddenDropout,
    attention_probs_dropout_prob: config.attentionDropout,
    max_position_embeddings: config.maxPositions,
    type_vocab_size: config.typeVocabSize,
    initializer_range: config.initStd,
    layer_norm_eps: config.layerNormEps,
    pad_token_id: SPECIAL_IDS.pad,
    bos_token_id: SPECIAL_IDS.bos,
    eos_token_id: SPECIAL_IDS.eos,
    position_embedding_type: 'absolute',
    tie_word_embeddings: true,
    ...hfAttentionFields(config.attention),
  };
}

function field<T>(json: Record<string, unknown>, key: string, kind: 'number' | 'string' | 'boolean', source: string, fallback?: T): T {
  const value = json[key];
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== kind) throw new UserError(`${source}: config field "${key}" is missing or not a ${kind}`);
  return value as T;
}

export function modelConfigFromHf(json: Record<string, unknown>, source: string): ModelConfig {
  if (json.model_type !== undefined && json.model_type !== 'roberta') {
    throw new UserError(`${source}: model_type is "${String(json.model_type)}"; only roberta models are supported`);
  }
  const act = field<string>(json, 'hidden_act', 'string', source, 'gelu');
  if (act !== 'gelu') throw new UserError(`${source}: hidden_act "${act}" is not supported (only exact gelu)`);
  const attention = attentionFromHf(json, source);
  const config: ModelConfig = {
    vocabSize: field(json, 'vocab_size', 'number', source),
    hiddenSize: field(json, 'hidden_size', 'number', source),
    numLayers: field(json, 'num_hidden_layers', 'number', source),
    numHeads: field(json, 'num_attention_heads', 'number', source),
    intermediateSize: field(json, 'intermediate_size', 'number', source),
    maxPositions: field(json, 'max_position_embeddings', 'number', source),
    typeVocabSize: field(json, 'type_vocab_size', 'number', source, 2),
    layerNormEps: field(json, 'layer_norm_eps', 'number', source, 1e-12),
    hiddenDropout: field(json, 'hidden_dropout_prob', 'number', source, 0.1),
    attentionDropout: field(json, 'attention_probs_dropout_prob', 'number', source, 0.1),
    initStd: field(json, 'initializer_range', 'number', source, 0.02),
    attention,
  };
  if (config.hiddenSize % config.numHeads !== 0) {
    throw new UserError(`${source}: hidden_size ${config.hiddenSize} is not divisible by num_attention_heads ${config.numHeads}`);
  }
  const padId = json.pad_token_id;
  if (padId !== undefined && padId !== SPECIAL_IDS.pad) {
    throw new UserError(`${source}: pad_token_id is ${String(padId)}; babyssa models use ${SPECIAL_IDS.pad}`);
  }
  return config;
}
