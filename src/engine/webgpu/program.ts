// A recorded sequence of compute dispatches: pipelines compiled once per engine, bind groups created once
// per buffer capacity, and per run only the uniforms (one write) and the dispatches themselves.
import { attentionBackwardColsWgsl, attentionBackwardRowsWgsl, attentionForwardWgsl, SSA_REDUCE_WGSL } from './kernels/attention.wgsl.js';
import { crossEntropyWgsl, LOSS_REDUCE_WGSL } from './kernels/loss.wgsl.js';
import { matmulSource, SPLIT_REDUCE_WGSL } from './kernels/matmul.wgsl.js';
import { COLUMN_SUM_WGSL, LAYERNORM_PARAM_GRAD_WGSL, layerNormBackwardWgsl, layerNormForwardWgsl } from './kernels/norm.wgsl.js';
import { ADAMW_WGSL, NORM_FINAL_WGSL, NORM_PARTIAL_WGSL } from './kernels/optimizer.wgsl.js';
import { EMBED_FWD_WGSL, EMBED_GRAD_WGSL, GATHER_ROWS_WGSL, SCATTER_ROWS_WGSL } from './kernels/rows.wgsl.js';

/**
 * Every kernel's WGSL; the attention kernels are generated for the model's head size, and the row reductions use
 * subgroup operations when `subgroups` (the device has the feature and the engine was not told to avoid it).
 */
function kernelSources(headDim: number, subgroups: boolean) {
  return {
    matmul: matmulSource(64),
    matmulSmall: matmulSource(32),
    splitReduce: SPLIT_REDUCE_WGSL,
    layerNormFwd: layerNormForwardWgsl(subgroups),
    layerNormBwd: layerNormBackwardWgsl(subgroups),
    layerNormParamGrad: LAYERNORM_PARAM_GRAD_WGSL,
    columnSum: COLUMN_SUM_WGSL,
    attentionFwd: attentionForwardWgsl(headDim, subgroups),
    attentionBwdRows: attentionBackwardRowsWgsl(headDim, subgroups),
    attentionBwdCols: attentionBackwardColsWgsl(headDim, subgroups),
    ssaReduce: SSA_REDUCE_WGSL,
    embedFwd: EMBED_FWD_WGSL,
    embedGrad: EMBED_GRAD_WGSL,
    gatherRows: GATHER_ROWS_WGSL,
    scatterRows: SCATTER_ROWS_WGSL,
    crossEntropy: crossEntropyWgsl(subgroups),
    lossReduce: LOSS_REDUCE_WGSL,
    normPartial: NORM_PARTIAL_WGSL,
    normFinal: NORM_FINAL_WGSL,
    adamw: ADAMW_WGSL,
  };
}
export type KernelName = keyof ReturnType<typeof kernelSources>;

/** Whether a device can run the subgroup variants (Dawn exposes the feature on the H200 and on lavapipe). */
export function hasSubgroups(device: GPUDevice): boolean {
  return device.features.has('subgroups');
}
export type Pipelines = Record<KernelName, GPUComputePipeline>;

export async function compilePipelines(device: GPUDevice, headDim: number, subgroups: boolean): Promise<Pipelines> {
  const sources = kernelSources(headDim, subgroups);
  const entries = await Promise.all(
    (Object.keys(sources) as KernelName[]).map(async (name) => {
      const code = (subgroups ? 'enable subgroups;\n' : '') + sources[name];
      const module = device.createShaderModule({ label: name, code });
      const pipeline = await device.createComputePipelineAsync({ label: name, layout: 'auto', compute: { module, entryPoint: 'main' } });
      return [name, pipeline] as const;
    }),
  );
  return Object.fromEntries(entries) as Pipelines;
}

/** A uniform field: a plain number is written as u32, `{ f }` as f32. */
export type UniformValue = number | { f: number };
export type Groups = [number, number, number];

/** What changes between runs of the same program: the batch shape and the step's scalars. */
export interface RunShape {
  batch: number;
  seq: number;
  rows: number;
  targets: number;
  wordSegments: number;
  positionSegments: number;
  /** Dropout on (a training step, or gradients asked for with a dropout key) or off. */
  train: boolean;
  /** The cross-entropy writes its gradient (anything that runs the backward pass). */
  gradients: boolean;
  seed: number;
  lr: number;
  stepSize: number;
  sqrtBc2: number;
}

interface OpSpec {
  kernel: KernelName;
  buffers: GPUBuffer[];
  uniforms: (s: RunShape) => UniformValue[];
  groups: (s: RunShape) => Groups;
  /** Kernels with the same bindings that may run instead, picked per run (e.g. matmul tile sizes). */
  choose?: { kernels: KernelName[]; pick: (s: RunShape) => KernelName };
}

const SLOT_BYTES = 256;

/** Workgroups for `count` elements at 256 per group, folded into y beyond 65535 groups. */
export function flatGroups(count: number, perGroup = 256): Groups {
  const n = Math.ceil(count / perGroup);
  return n <= 65535 ? [n, 1, 1] : [65535, Math.ceil(n / 65535), 1];
}

export class Program {
  private readonly specs: OpSpec[] = [];
  private bindGroups: Map<KernelName, GPUBindGroup>[] = [];
  private uniformBuffer?: GPUBuffer;
  private staging = new ArrayBuffer(0);

  constructor(private readonly device: GPUDevice, private readonly pipelines: Pipelines) {}

  get length(): number {
    return this.specs.length;
  }

  /** Appends a dispatch; `buffers` are bound at 1, 2, … after the uniform at binding 0. */
  add(kernel: KernelName, buffers: GPUBuffer[], uniforms: OpSpec['uniforms'], groups: OpSpec['groups'], choose?: OpSpec['choose']): void {
    this.specs.push({ kernel, buffers, uniforms, groups, choose });
  }

  /** Creates the uniform buffer and every bind group; call once after the last `add`. */
  finalize(): void {
    this.uniformBuffer = this.device.createBuffer({
      label: 'uniforms', size: Math.max(1, this.specs.length) * SLOT_BYTES, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
    });
    this.staging = new ArrayBuffer(this.specs.length * SLOT_BYTES);
    // Layouts are derived per pipeline ('auto'), so each alternative kernel gets its own bind group.
    this.bindGroups = this.specs.map((op, slot) => new Map(
      (op.choose?.kernels ?? [op.kernel]).map((kernel) => [kernel, this.device.createBindGroup({
        label: kernel,
        layout: this.pipelines[kernel].getBindGroupLayout(0),
        entries: [
          { binding: 0, resource: { buffer: this.uniformBuffer!, offset: slot * SLOT_BYTES, size: SLOT_BYTES } },
          ...op.buffers.map((buffer, i) => ({ binding: i + 1, resource: { buffer } })),
        ],
      })] as const),
    ));
  }

  /** Writes the uniforms of ops [from, to) and records their dispatches into `pass`. */
  encode(pass: GPUComputePassEncoder, shape: RunShape, from: number, to: number): number {
    this.writeUniforms(shape, from, to);
    let dispatches = 0;
    for (let slot = from; slot < to; slot++) {
      if (this.dispatch(pass, shape, slot)) dispatches++;
    }
    return dispatches;
  }

  /**
   * Profiling variant: one compute pass per dispatch with begin/end timestamps in `querySet` (2 per op).
   * Returns the kernel name of each timed op, in query order.
   */
  encodeTimed(encoder: GPUCommandEncoder, querySet: GPUQuerySet, shape: RunShape, from: number, to: number): string[] {
    this.writeUniforms(shape, from, to);
    const kernels: string[] = [];
    for (let slot = from; slot < to; slot++) {
      const q = 2 * kernels.length;
      const pass = encoder.beginComputePass({ timestampWrites: { querySet, beginningOfPassWriteIndex: q, endOfPassWriteIndex: q + 1 } });
      if (this.dispatch(pass, shape, slot)) kernels.push(this.describe(slot, shape));
      pass.end();
    }
    return kernels;
  }

  /** Kernel name; for matmuls also M×N×K and which operands are transposed (they differ most in cost). */
  private describe(slot: number, shape: RunShape): string {
    const { kernel, uniforms, choose } = this.specs[slot];
    const picked = choose?.pick(shape) ?? kernel;
    if (kernel !== 'matmul') return picked;
    const [m, n, k, transA, transB] = uniforms(shape) as number[];
    return `${picked} ${m}×${n}×${k}${transA ? ' Aᵀ' : ''}${transB ? ' Bᵀ' : ''}`;
  }

  private dispatch(pass: GPUComputePassEncoder, shape: RunShape, slot: number): boolean {
    const spec = this.specs[slot];
    const [x, y, z] = spec.groups(shape);
    if (x * y * z === 0) return false;
    const kernel = spec.choose?.pick(shape) ?? spec.kernel;
    pass.setPipeline(this.pipelines[kernel]);
    pass.setBindGroup(0, this.bindGroups[slot].get(kernel)!);
    pass.dispatchWorkgroups(x, y, z);
    return true;
  }

  private writeUniforms(shape: RunShape, from: number, to: number): void {
    const view = new DataView(this.staging);
    for (let slot = from; slot < to; slot++) {
      let at = slot * SLOT_BYTES;
      for (const value of this.specs[slot].uniforms(shape)) {
        if (typeof value === 'number') view.setUint32(at, value >>> 0, true);
        else view.setFloat32(at, value.f, true);
        at += 4;
      }
    }
    this.device.queue.writeBuffer(this.uniformBuffer!, from * SLOT_BYTES, this.staging, from * SLOT_BYTES, (to - from) * SLOT_BYTES);
  }

  destroy(): void {
    this.uniformBuffer?.destroy();
  }
}
