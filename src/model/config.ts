// The model's hyper-parameters: one shape for every engine, named like HF's RobertaConfig where HF has a name.
import type { AttentionConfig } from './attention.js';

export interface ModelConfig {
  vocabSize: number;
  hiddenSize: number;
  numLayers: number;
  numHeads: number;
  intermediateSize: number;
  /** Learned absolute positions; RoBERTa offsets ids by padTokenId + 1, so 130 slots hold 128 tokens. */
  maxPositions: number;
  typeVocabSize: number;
  layerNormEps: number;
  hiddenDropout: number;
  attentionDropout: number;
  initStd: number;
  attention: AttentionConfig;
}

export const SPECIAL_IDS = { mask: 0, pad: 1, unk: 2, bos: 3, eos: 4 } as const;
export const SPECIAL_TOKENS = ['<mask>', '<pad>', '<unk>', '<s>', '</s>'] as const;
/** Random replacement ids are drawn from here up (BabyBERTa never inserts specials). */
export const FIRST_ORDINARY_ID = 5;

/** The longest sequence (incl. <s> and </s>) a model with these positions can take. */
export function maxSequenceLength(config: ModelConfig): number {
  return config.maxPositions - (SPECIAL_IDS.pad + 1);
}

export function headDim(config: ModelConfig): number {
  return config.hiddenSize / config.numHeads;
}

/** Number of SSA scalars per layer: 1 shared by the heads, or one per head. */
export function ssaScalarsPerLayer(config: ModelConfig): number {
  return config.attention.ssaGranularity === 'head' ? config.numHeads : 1;
}
