// Every parameter of the model with its HF RobertaForMaskedLM name and HF shape: the contract with
// checkpoints, Python `transformers`, and both engines. Every HF tensor name is built here.
import { ssaScalarsPerLayer, type ModelConfig } from './config.js';
import { SSA_B_MIN, SSA_N_MIN, ssaValueProblem } from './ssa-bounds.js';

export interface ParamSpec {
  /** HF tensor name, e.g. `roberta.encoder.layer.3.attention.self.query.weight`. */
  name: string;
  /** Shape as HF stores it: dense kernels are [out, in]. */
  shape: number[];
  /** Dense kernel: engines may hold it transposed ([in, out]) and transpose at the seam. */
  dense: boolean;
  trainable: boolean;
  /** AdamW weight decay applies (2-D weights only; never biases, LayerNorm or SSA scalars). */
  decay: boolean;
  init: 'normal' | 'zeros' | 'ones' | 'ssaN' | 'ssaB';
  /** Lower bound kept by a projection after every optimizer update, in both engines (SSA n and b); absent: none. */
  floor?: number;
}

function dense(prefix: string, out: number, inp: number): ParamSpec[] {
  return [
    { name: `${prefix}.weight`, shape: [out, inp], dense: true, trainable: true, decay: true, init: 'normal' },
    { name: `${prefix}.bias`, shape: [out], dense: false, trainable: true, decay: false, init: 'zeros' },
  ];
}

function layerNorm(prefix: string, size: number): ParamSpec[] {
  return [
    { name: `${prefix}.weight`, shape: [size], dense: false, trainable: true, decay: false, init: 'ones' },
    { name: `${prefix}.bias`, shape: [size], dense: false, trainable: true, decay: false, init: 'zeros' },
  ];
}

function embedding(name: string, rows: number, size: number): ParamSpec {
  return { name, shape: [rows, size], dense: false, trainable: true, decay: true, init: 'normal' };
}

/** HF names outside the layers: tensors, or modules (dense, LayerNorm) whose tensors add `.weight` and `.bias`. */
export const HF_NAMES = {
  wordEmbeddings: 'roberta.embeddings.word_embeddings.weight',
  positionEmbeddings: 'roberta.embeddings.position_embeddings.weight',
  tokenTypeEmbeddings: 'roberta.embeddings.token_type_embeddings.weight',
  embeddingsNorm: 'roberta.embeddings.LayerNorm',
  lmDense: 'lm_head.dense',
  lmNorm: 'lm_head.layer_norm',
  /** The decoder's own bias; its weight is tied to the word embeddings. */
  decoderBias: 'lm_head.decoder.bias',
} as const;

/** Tensors an HF checkpoint may hold beside the parameters. */
export const HF_EXTRAS = {
  /** transformers 5 ties `lm_head.decoder.bias` to this name; older versions read either. */
  decoderBiasAlias: 'lm_head.bias',
  /** The decoder weight, tied to the word embeddings (saved by some versions, equal to them). */
  tiedDecoder: 'lm_head.decoder.weight',
  /** A buffer of position indices, not a parameter. */
  positionIds: 'roberta.embeddings.position_ids',
  /** RobertaModel's pooler, which RobertaForMaskedLM never uses. */
  poolerPrefix: 'roberta.pooler.',
} as const;

/** HF module names of encoder layer i (SSA's n and b are tensors, present only for SSA models). */
export function layerNames(layer: number) {
  const prefix = `roberta.encoder.layer.${layer}`;
  return {
    query: `${prefix}.attention.self.query`,
    key: `${prefix}.attention.self.key`,
    value: `${prefix}.attention.self.value`,
    ssaN: `${prefix}.attention.self.ssa_n`,
    ssaB: `${prefix}.attention.self.ssa_b`,
    attentionOutput: `${prefix}.attention.output.dense`,
    attentionNorm: `${prefix}.attention.output.LayerNorm`,
    intermediate: `${prefix}.intermediate.dense`,
    output: `${prefix}.output.dense`,
    outputNorm: `${prefix}.output.LayerNorm`,
  };
}

/** Names of the SSA scalars of layer i (present only for SSA models). */
export function ssaParamNames(layer: number): { n: string; b: string } {
  const names = layerNames(layer);
  return { n: names.ssaN, b: names.ssaB };
}

/** The first SSA value among `weights` (by HF name) outside SSA's domain, as "<tensor>[i]: problem"; null if none. */
export function ssaWeightsProblem(config: ModelConfig, weights: ReadonlyMap<string, { data: Float32Array }>): string | null {
  if (config.attention.scoring !== 'ssa') return null;
  for (let layer = 0; layer < config.numLayers; layer++) {
    const names = ssaParamNames(layer);
    for (const [which, name] of [['n', names.n], ['b', names.b]] as const) {
      const data = weights.get(name)?.data ?? new Float32Array(0);
      for (let i = 0; i < data.length; i++) {
        const problem = ssaValueProblem(which, data[i]);
        if (problem) return `${name}[${i}]: ${problem}`;
      }
    }
  }
  return null;
}

/**
 * All parameters in a fixed order (engines pack them in this order). The LM head decoder weight is
 * tied to the word embeddings and so is not listed; HF_NAMES.decoderBias is the decoder's own bias.
 */
export function paramSpecs(config: ModelConfig): ParamSpec[] {
  const { hiddenSize: h, intermediateSize: f } = config;
  const specs: ParamSpec[] = [
    embedding(HF_NAMES.wordEmbeddings, config.vocabSize, h),
    embedding(HF_NAMES.positionEmbeddings, config.maxPositions, h),
    embedding(HF_NAMES.tokenTypeEmbeddings, config.typeVocabSize, h),
    ...layerNorm(HF_NAMES.embeddingsNorm, h),
  ];
  for (let i = 0; i < config.numLayers; i++) {
    const names = layerNames(i);
    specs.push(...dense(names.query, h, h), ...dense(names.key, h, h), ...dense(names.value, h, h));
    if (config.attention.scoring === 'ssa') {
      const scalars = ssaScalarsPerLayer(config);
      const a = config.attention;
      specs.push(
        { name: names.ssaN, shape: [scalars], dense: false, trainable: a.ssaNTrainable, decay: false, init: 'ssaN', floor: SSA_N_MIN },
        { name: names.ssaB, shape: [scalars], dense: false, trainable: a.ssaBTrainable, decay: false, init: 'ssaB', floor: SSA_B_MIN },
      );
    }
    specs.push(
      ...dense(names.attentionOutput, h, h),
      ...layerNorm(names.attentionNorm, h),
      ...dense(names.intermediate, f, h),
      ...dense(names.output, h, f),
      ...layerNorm(names.outputNorm, h),
    );
  }
  specs.push(
    ...dense(HF_NAMES.lmDense, h, h),
    ...layerNorm(HF_NAMES.lmNorm, h),
    { name: HF_NAMES.decoderBias, shape: [config.vocabSize], dense: false, trainable: true, decay: false, init: 'zeros' },
  );
  return specs;
}

export function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Parameter count as HF's `model.num_parameters()` reports it (tied decoder counted once). */
export function countParameters(config: ModelConfig): number {
  return paramSpecs(config).reduce((sum, s) => sum + numel(s.shape), 0);
}
