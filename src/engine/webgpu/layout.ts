// Where each parameter lives in the packed buffers (parameters, gradients, AdamW m and v share one layout),
// and conversion between HF-named host tensors and the packed array. Dense kernels stay in HF's [out, in]
// layout: the matmul kernel reads either operand transposed, so nothing is transposed at the seam.
import type { ModelConfig } from '../../model/config.js';
import { numel, paramSpecs, type ParamSpec } from '../../model/params.js';
import { SSA_B_MIN, SSA_N_MIN } from '../../model/ssa-bounds.js';
import type { NamedTensors } from '../../core/tensors.js';

/** Parameters start on 64-float boundaries: AdamW reads its flags per 64-float block. */
export const PARAM_ALIGN = 64;
export const BLOCK_TRAINABLE = 1;
export const BLOCK_DECAY = 2;
/**
 * The lower bounds AdamW projects onto (ParamSpec.floor), by class: bits 2–3 of a block's flags hold
 * 1 + the index of its parameter's floor here, or 0 for none.
 */
export const BLOCK_FLOORS: readonly number[] = [SSA_N_MIN, SSA_B_MIN];
export const BLOCK_FLOOR_SHIFT = 2;

function floorClass(spec: ParamSpec): number {
  if (spec.floor === undefined) return 0;
  const index = BLOCK_FLOORS.indexOf(spec.floor);
  if (index < 0) throw new Error(`fused engine: no block class for the floor ${spec.floor} of ${spec.name}`);
  return (index + 1) << BLOCK_FLOOR_SHIFT;
}

export interface PackedParam {
  spec: ParamSpec;
  offset: number;
  size: number;
}

export interface ParamLayout {
  params: PackedParam[];
  byName: Map<string, PackedParam>;
  /** Floats in each packed buffer (a multiple of PARAM_ALIGN). */
  total: number;
  /** Per 64-float block: BLOCK_TRAINABLE | BLOCK_DECAY | floor class of the parameter in it (0 for padding). */
  blockFlags: Uint32Array;
}

export function packLayout(config: ModelConfig): ParamLayout {
  const params: PackedParam[] = [];
  let offset = 0;
  for (const spec of paramSpecs(config)) {
    const size = numel(spec.shape);
    params.push({ spec, offset, size });
    offset += Math.ceil(size / PARAM_ALIGN) * PARAM_ALIGN;
  }
  const blockFlags = new Uint32Array(offset / PARAM_ALIGN);
  for (const p of params) {
    const flags = (p.spec.trainable ? BLOCK_TRAINABLE : 0) | (p.spec.decay ? BLOCK_DECAY : 0) | floorClass(p.spec);
    blockFlags.fill(flags, p.offset / PARAM_ALIGN, (p.offset + p.size + PARAM_ALIGN - 1) / PARAM_ALIGN);
  }
  return { params, byName: new Map(params.map((p) => [p.spec.name, p])), total: offset, blockFlags };
}

export function offsetOf(layout: ParamLayout, name: string): number {
  const p = layout.byName.get(name);
  if (!p) throw new Error(`fused engine: no parameter ${name} in this model`);
  return p.offset;
}

/**
 * Packs tensors named `${param name}${suffix}` for the selected parameters; every one must be present
 * with its HF shape.
 */
export function packTensors(
  layout: ParamLayout, tensors: NamedTensors, select: (p: PackedParam) => boolean = () => true, suffix = '',
): Float32Array {
  const packed = new Float32Array(layout.total);
  for (const p of layout.params) {
    if (!select(p)) continue;
    const name = p.spec.name + suffix;
    const tensor = tensors.get(name);
    if (!tensor) throw new Error(`missing tensor ${name}`);
    if (tensor.shape.length !== p.spec.shape.length || tensor.shape.some((d, i) => d !== p.spec.shape[i])) {
      throw new Error(`tensor ${name} has shape [${tensor.shape}], expected [${p.spec.shape}]`);
    }
    if (tensor.data.length !== p.size) throw new Error(`tensor ${name} holds ${tensor.data.length} values, expected ${p.size}`);
    packed.set(tensor.data, p.offset);
  }
  return packed;
}

export function unpackTensors(
  layout: ParamLayout, packed: Float32Array, select: (p: PackedParam) => boolean = () => true, suffix = '',
): NamedTensors {
  const out: NamedTensors = new Map();
  for (const p of layout.params) {
    if (!select(p)) continue;
    out.set(p.spec.name + suffix, { shape: [...p.spec.shape], data: packed.slice(p.offset, p.offset + p.size) });
  }
  return out;
}
