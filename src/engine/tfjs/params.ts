// The engine's parameters as tfjs variables, and the seam to HF layout: dense kernels are held [in, out]
// (so every matmul runs untransposed, 10–35× faster on wasm) and transposed to HF's [out, in] on the way out.
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../../core/errors.js';
import type { ModelConfig } from '../../model/config.js';
import { HF_EXTRAS, numel, paramSpecs, type ParamSpec } from '../../model/params.js';
import type { HostTensor, NamedTensors } from '../../core/tensors.js';

/** Names a checkpoint may carry beside the parameters: HF's aliases of tied or duplicated tensors. */
const KNOWN_ALIASES = new Set<string>([HF_EXTRAS.decoderBiasAlias, HF_EXTRAS.tiedDecoder, HF_EXTRAS.positionIds]);

export interface Param {
  spec: ParamSpec;
  variable: tf.Variable;
}

/** An HF-layout host tensor as a tensor in the engine's layout. */
export function toEngineLayout(spec: ParamSpec, host: HostTensor): tf.Tensor {
  const t = tf.tensor(host.data, host.shape, 'float32');
  if (!spec.dense) return t;
  const transposed = tf.transpose(t); // [in, out]
  t.dispose();
  return transposed;
}

/**
 * An engine-layout tensor back in HF layout on the host, always a fresh copy (the cpu backend's data()
 * hands out its own storage).
 */
export async function toHostLayout(spec: ParamSpec, t: tf.Tensor): Promise<HostTensor> {
  if (!spec.dense) return { shape: [...spec.shape], data: new Float32Array(await t.data()) };
  const transposed = tf.transpose(t); // [out, in]
  const data = (await transposed.data()) as Float32Array;
  transposed.dispose();
  return { shape: [...spec.shape], data };
}

/** Throws a one-line error unless `tensors` holds exactly `specs` (plus HF aliases) with their shapes. */
export function checkTensors(specs: ParamSpec[], tensors: NamedTensors, what = 'weights'): void {
  const expected = new Set(specs.map((s) => s.name));
  for (const spec of specs) {
    const name = spec.name;
    const t = tensors.get(name);
    if (!t) throw new UserError(`${what}: missing tensor ${name}`);
    if (t.shape.length !== spec.shape.length || t.shape.some((d, i) => d !== spec.shape[i])) {
      throw new UserError(`${what}: ${name} has shape [${t.shape}], the model needs [${spec.shape}]`);
    }
    if (t.data.length !== numel(spec.shape)) {
      throw new UserError(`${what}: ${name} holds ${t.data.length} values for shape [${spec.shape}]`);
    }
  }
  for (const name of tensors.keys()) {
    if (!expected.has(name) && !KNOWN_ALIASES.has(name)) throw new UserError(`${what}: unexpected tensor ${name} for this model`);
  }
}

export class TfjsParams {
  readonly specs: ParamSpec[];
  readonly all: Param[];
  readonly trainable: Param[];
  private readonly byName: Map<string, tf.Variable>;

  constructor(config: ModelConfig, weights: NamedTensors) {
    this.specs = paramSpecs(config);
    checkTensors(this.specs, weights);
    this.all = this.specs.map((spec) => {
      const initial = toEngineLayout(spec, weights.get(spec.name)!);
      const variable = tf.variable(initial, spec.trainable);
      initial.dispose();
      return { spec, variable };
    });
    this.trainable = this.all.filter((p) => p.spec.trainable);
    this.byName = new Map(this.all.map((p) => [p.spec.name, p.variable]));
  }

  /** A parameter in engine layout by HF name. */
  readonly lookup = (name: string): tf.Tensor => {
    const v = this.byName.get(name);
    if (!v) throw new Error(`no parameter named ${name}`);
    return v;
  };

  async read(): Promise<NamedTensors> {
    const out: NamedTensors = new Map();
    for (const { spec, variable } of this.all) out.set(spec.name, await toHostLayout(spec, variable));
    return out;
  }

  load(weights: NamedTensors): void {
    checkTensors(this.specs, weights);
    for (const { spec, variable } of this.all) {
      tf.tidy(() => variable.assign(toEngineLayout(spec, weights.get(spec.name)!)));
    }
  }

  dispose(): void {
    for (const { variable } of this.all) variable.dispose();
  }
}
