// Every parameter of the model with its HF RobertaForMaskedLM name and HF shape: the contract with
// checkpoints, Python `transformers`, and both engines.
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

/** Names of the SSA scalars of layer i (present only for SSA models). */
export function ssaParamNames(layer: number): { n: string; b: string } {
  const prefix = `roberta.encoder.layer.${layer}.attention.self`;
  return { n: `${prefix}.ssa_n`, b: `${prefix}.ssa_b` };
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
 * tied to the word embeddings and so is not listed; `lm_head.decoder.bias` is the decoder's own bias.
 */
export function paramSpecs(config: ModelConfig): ParamSpec[] {
  const { hiddenSize: h, intermediateSize: f } = config;
  const specs: ParamSpec[] = [
    embedding('roberta.embeddings.word_embeddings.weight', config.vocabSize, h),
    embedding('roberta.embeddings.position_embeddings.weight', config.maxPositions, h),
    embedding('roberta.embeddings.token_type_embeddings.weight', config.typeVocabSize, h),
    ...layerNorm('roberta.embeddings.LayerNorm', h),
  ];
  for (let i = 0; i < config.numLayers; i++) {
    const layer = `roberta.encoder.layer.${i}`;
    specs.push(
      ...dense(`${layer}.attention.self.query`, h, h),
      ...dense(`${layer}.attention.self.key`, h, h),
      ...dense(`${layer}.attention.self.value`, h, h),
    );
    if (config.attention.scoring === 'ssa') {
      const scalars = ssaScalarsPerLayer(config);
      const names = ssaParamNames(i);
      const a = config.attention;
      specs.push(
        { name: names.n, shape: [scalars], dense: false, trainable: a.ssaNTrainable, decay: false, init: 'ssaN', floor: SSA_N_MIN },
        { name: names.b, shape: [scalars], dense: false, trainable: a.ssaBTrainable, decay: false, init: 'ssaB', floor: SSA_B_MIN },
      );
    }
    specs.push(
      ...dense(`${layer}.attention.output.dense`, h, h),
      ...layerNorm(`${layer}.attention.output.LayerNorm`, h),
      ...dense(`${layer}.intermediate.dense`, f, h),
      ...dense(`${layer}.output.dense`, h, f),
      ...layerNorm(`${layer}.output.LayerNorm`, h),
    );
  }
  specs.push(
    ...dense('lm_head.dense', h, h),
    ...layerNorm('lm_head.layer_norm', h),
    { name: 'lm_head.decoder.bias', shape: [config.vocabSize], dense: false, trainable: true, decay: false, init: 'zeros' },
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
