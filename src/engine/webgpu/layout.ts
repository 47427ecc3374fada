// Where each parameter lives in the packed buffers (parameters, gradients, AdamW m and v share one layout),
// and conversion between HF-named host tensors and the packed array. One layout serves every member of a group:
// it is the union of the attention variants of the shape (SSA n and b with room for one per head in every layer),
// and each member packs its own parameters into it (a softmax member leaves n and b zero and untouched; a
// per-layer member uses the first slot). Members sit one `total` apart in the group's buffers.
// Dense kernels stay in HF's [out, in] layout: the matmul kernel reads either operand transposed, so nothing is
// transposed at the seam. A layer's query, key and value weights sit back to back as one [3H, H] kernel (and their
// biases as one [3H] vector), so the three projections run as one dense layer.
import type { ModelConfig } from '../../model/config.js';
import { numel, paramSpecs, type ParamSpec } from '../../model/params.js';
import { SSA_B_MIN, SSA_N_MIN } from '../../model/ssa-bounds.js';
import type { NamedTensors } from '../../core/tensors.js';

/** Parameter blocks start on 64-float boundaries: AdamW reads its flags per 64-float block. */
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
  /** Floats of one member (a multiple of PARAM_ALIGN): the member stride of every packed buffer. */
  total: number;
}

/** One member's parameters (its own names and shapes) at their places in the group's layout. */
export interface MemberLayout {
  params: PackedParam[];
  total: number;
  /** Per 64-float block: BLOCK_TRAINABLE | BLOCK_DECAY | floor class of this member's parameter there (0 elsewhere). */
  blockFlags: Uint32Array;
}

/** The shape with every attention parameter any variant has: SSA, trainable, one n and b per head. */
function unionConfig(config: ModelConfig): ModelConfig {
  return {
    ...config,
    attention: { ...config.attention, scoring: 'ssa', ssaNTrainable: true, ssaBTrainable: true, ssaGranularity: 'head' },
  };
}

const FUSED_QKV = /attention\.self\.(query|key|value)\.(weight|bias)$/;

/** The union's parameters in runs packed back to back: each layer's q, k, v weights, and their biases. */
function packedRuns(specs: ParamSpec[]): ParamSpec[][] {
  const runs: ParamSpec[][] = [];
  const open = new Map<string, ParamSpec[]>();
  for (const spec of specs) {
    const match = FUSED_QKV.exec(spec.name);
    if (!match) {
      runs.push([spec]);
      continue;
    }
    const key = spec.name.replace(FUSED_QKV, `qkv.${match[2]}`);
    const run = open.get(key);
    if (run) run.push(spec);
    else {
      open.set(key, [spec]);
      runs.push(open.get(key)!);
    }
  }
  return runs;
}

export function packLayout(config: ModelConfig): ParamLayout {
  const params: PackedParam[] = [];
  let offset = 0;
  for (const run of packedRuns(paramSpecs(unionConfig(config)))) {
    for (const spec of run) {
      const size = numel(spec.shape);
      params.push({ spec, offset, size });
      offset += size;
    }
    offset = Math.ceil(offset / PARAM_ALIGN) * PARAM_ALIGN;
  }
  return { params, byName: new Map(params.map((p) => [p.spec.name, p])), total: offset };
}

export function offsetOf(layout: ParamLayout, name: string): number {
  const p = layout.byName.get(name);
  if (!p) throw new Error(`fused engine: no parameter ${name} in this model`);
  return p.offset;
}

/** Member `config`'s parameters in the group layout (configs of one layout differ at most in attention). */
export function memberLayout(layout: ParamLayout, config: ModelConfig): MemberLayout {
  const blockFlags = new Uint32Array(layout.total / PARAM_ALIGN);
  const params = paramSpecs(config).map((spec): PackedParam => {
    const size = numel(spec.shape);
    const offset = offsetOf(layout, spec.name);
    const flags = (spec.trainable ? BLOCK_TRAINABLE : 0) | (spec.decay ? BLOCK_DECAY : 0) | floorClass(spec);
    // Neighbours sharing a block (q, k and v of one run) have the same flags.
    blockFlags.fill(flags, Math.floor(offset / PARAM_ALIGN), Math.ceil((offset + size) / PARAM_ALIGN));
    return { spec, offset, size };
  });
  return { params, total: layout.total, blockFlags };
}

/**
 * Packs tensors named `${param name}${suffix}` for the selected parameters of one member; every one must be
 * present with its HF shape. Places no parameter of the member has stay zero.
 */
export function packTensors(
  layout: MemberLayout, tensors: NamedTensors, select: (p: PackedParam) => boolean = () => true, suffix = '',
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
  layout: MemberLayout, packed: Float32Array, select: (p: PackedParam) => boolean = () => true, suffix = '',
): NamedTensors {
  const out: NamedTensors = new Map();
  for (const p of layout.params) {
    if (!select(p)) continue;
    out.set(p.spec.name + suffix, { shape: [...p.spec.shape], data: packed.slice(p.offset, p.offset + p.size) });
  }
  return out;
}
