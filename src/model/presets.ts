import { DEFAULT_ATTENTION } from './attention.js';
import type { ModelConfig } from './config.js';

export const PRESET_NAMES = ['babyberta', 'tiny'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

/** BabyBERTa (Huebner et al. 2021): 8,524,032 parameters counted like HF RobertaForMaskedLM. */
const babyberta: ModelConfig = {
  vocabSize: 8192,
  hiddenSize: 256,
  numLayers: 8,
  numHeads: 8,
  intermediateSize: 1024,
  maxPositions: 130,
  typeVocabSize: 2,
  layerNormEps: 1e-5,
  hiddenDropout: 0.1,
  attentionDropout: 0.1,
  initStd: 0.02,
  // the shape of a preset; pretrain sets the attention from its flags.
  attention: DEFAULT_ATTENTION,
};

/** Small enough to train on the embedded corpus in a couple of CPU minutes. */
const tiny: ModelConfig = {
  ...babyberta,
  vocabSize: 2048,
  hiddenSize: 64,
  numLayers: 2,
  numHeads: 4,
  intermediateSize: 256,
};

export const MODEL_PRESETS: Record<PresetName, ModelConfig> = { babyberta, tiny };
