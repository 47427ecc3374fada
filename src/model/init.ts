// Initial weights exactly as HF RobertaPreTrainedModel._init_weights sets them, drawn from the run's one
// random stream so that a seed fixes the model on every engine and backend.
import { SPECIAL_IDS, type ModelConfig } from './config.js';
import { HF_NAMES, numel, paramSpecs, type ParamSpec } from './params.js';
import type { NamedTensors } from '../core/tensors.js';

/** Embedding tables whose pad row HF zeroes (nn.Embedding padding_idx); token types have none. */
const PADDED_EMBEDDINGS = new Set<string>([HF_NAMES.wordEmbeddings, HF_NAMES.positionEmbeddings]);

/**
 * Every parameter of `paramSpecs(config)` in its HF shape and order: normal(0, initStd) for dense kernels
 * and embeddings (pad rows zero), zero biases, unit LayerNorm weights, SSA scalars at their configured values.
 * `uniform` draws from [0, 1); normals come from it by Box–Muller, two per pair of draws.
 */
export function initWeights(config: ModelConfig, uniform: () => number): NamedTensors {
  const normal = boxMuller(uniform);
  const weights: NamedTensors = new Map();
  for (const spec of paramSpecs(config)) {
    const data = new Float32Array(numel(spec.shape));
    fill(data, spec, config, normal);
    if (PADDED_EMBEDDINGS.has(spec.name)) {
      const width = spec.shape[1];
      data.fill(0, SPECIAL_IDS.pad * width, (SPECIAL_IDS.pad + 1) * width);
    }
    weights.set(spec.name, { shape: [...spec.shape], data });
  }
  return weights;
}

function fill(data: Float32Array, spec: ParamSpec, config: ModelConfig, normal: () => number): void {
  switch (spec.init) {
    case 'normal':
      for (let i = 0; i < data.length; i++) data[i] = normal() * config.initStd;
      return;
    case 'zeros':
      return;
    case 'ones':
      data.fill(1);
      return;
    case 'ssaN':
      data.fill(config.attention.ssaN);
      return;
    case 'ssaB':
      data.fill(config.attention.ssaB);
      return;
  }
}

/** Standard normals from a uniform stream; caches the second value of each Box–Muller pair. */
function boxMuller(uniform: () => number): () => number {
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const value = spare;
      spare = undefined;
      return value;
    }
    // 1 − u lies in (0, 1], so the logarithm is finite even when the stream returns exactly 0.
    const radius = Math.sqrt(-2 * Math.log(1 - uniform()));
    const angle = 2 * Math.PI * uniform();
    spare = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  };
}
