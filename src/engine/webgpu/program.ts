// A recorded sequence of compute dispatches: pipelines compiled once per engine, bind groups created once
// per buffer capacity, and per run only the uniforms (one write, skipped when the run's shape repeats) and the
// dispatches themselves. Every kernel binds the batch buffer (member table and batch sections) at binding 1.
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

/** Kernels that never read the member table (binding 1 is then left out: 'auto' layouts drop unused bindings). */
const WITHOUT_MEMBER_TABLE: ReadonlySet<KernelName> = new Set(['normFinal']);

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

/**
 * What changes between runs of the same program: how many slots run and the common batch shape they are padded
 * to. What differs between slots (member, dropout key, lr, target and segment counts) is in the member table.
 */
export interface RunShape {
  slots: number;
  batch: number;
  seq: number;
  /** batch · seq token rows per slot. */
  rows: number;
  /** Target rows per slot: the most any slot has. */
  targets: number;
  /** Most segments of any slot, per embedding table. */
  wordSegments: number;
  positionSegments: number;
  /** Dropout on (a training step, or gradients asked for with a dropout key) or off. */
  train: boolean;
  /** The cross-entropy writes its gradient (anything that runs the backward pass). */
  gradients: boolean;
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

/** Workgroups for `count` elements at 256 per group, folded into y beyond 65535 groups, for `slots` slots (z). */
export function flatGroups(count: number, slots: number): Groups {
  const n = Math.ceil(count / 256);
  return n <= 65535 ? [n, 1, slots] : [65535, Math.ceil(n / 65535), slots];
}

/** One workgroup per row, folded into y beyond 65535 rows, for `slots` slots (z). */
export function rowGroups(rows: number, slots: number): Groups {
  return rows <= 65535 ? [rows, 1, slots] : [65535, Math.ceil(rows / 65535), slots];
}

export class Program {
  private readonly specs: OpSpec[] = [];
  private bindGroups: Map<KernelName, GPUBindGroup>[] = [];
  private uniformBuffer?: GPUBuffer;
  private staging = new ArrayBuffer(0);
  /** The shape whose uniforms the buffer holds, for ops [0, writtenTo). */
  private written = { key: '', to: 0 };

  constructor(private readonly device: GPUDevice, private readonly pipelines: Pipelines, private readonly batchData: GPUBuffer) {}

  get length(): number {
    return this.specs.length;
  }

  /** Appends a dispatch; `buffers` are bound at 2, 3, … after the uniform (0) and the batch buffer (1, the member table). */
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
        layout: this.pipeline(kernel).getBindGroupLayout(0),
        entries: [
          { binding: 0, resource: { buffer: this.uniformBuffer!, offset: slot * SLOT_BYTES, size: SLOT_BYTES } },
          ...(WITHOUT_MEMBER_TABLE.has(kernel) ? [] : [{ binding: 1, resource: { buffer: this.batchData } }]),
          ...op.buffers.map((buffer, i) => ({ binding: i + 2, resource: { buffer } })),
        ],
      })] as const),
    ));
  }

  /** Writes the uniforms of ops [0, to) and records their dispatches into `pass`. */
  encode(pass: GPUComputePassEncoder, shape: RunShape, to: number): number {
    this.writeUniforms(shape, to);
    let dispatches = 0;
    for (let slot = 0; slot < to; slot++) {
      if (this.dispatch(pass, shape, slot)) dispatches++;
    }
    return dispatches;
  }

  /**
   * Profiling variant: one compute pass per dispatch with begin/end timestamps in `querySet` (2 per op).
   * Returns the kernel name of each timed op, in query order.
   */
  encodeTimed(encoder: GPUCommandEncoder, querySet: GPUQuerySet, shape: RunShape, to: number): string[] {
    this.writeUniforms(shape, to);
    const kernels: string[] = [];
    for (let slot = 0; slot < to; slot++) {
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
    pass.setPipeline(this.pipeline(kernel));
    pass.setBindGroup(0, this.bindGroups[slot].get(kernel)!);
    pass.dispatchWorkgroups(x, y, z);
    return true;
  }

  /**
   * Writes the uniforms of ops [0, to), unless they already hold this shape's (uniforms depend on the shape alone,
   * and the write is a queue operation ordered with the runs, so a skipped write leaves exactly what it would write).
   */
  private pipeline(kernel: KernelName): GPUComputePipeline {
    const pipeline = this.pipelines[kernel];
    if (!pipeline) throw new Error(`fused engine: kernel ${kernel} was not compiled`);
    return pipeline;
  }

  private writeUniforms(shape: RunShape, to: number): void {
    const key = JSON.stringify(shape);
    if (key === this.written.key && to <= this.written.to) return;
    const view = new DataView(this.staging);
    for (let slot = 0; slot < to; slot++) {
      let at = slot * SLOT_BYTES;
      for (const value of this.specs[slot].uniforms(shape)) {
        if (typeof value === 'number') view.setUint32(at, value >>> 0, true);
        else view.setFloat32(at, value.f, true);
        at += 4;
      }
    }
    this.device.queue.writeBuffer(this.uniformBuffer!, 0, this.staging, 0, to * SLOT_BYTES);
    this.written = { key, to };
  }

  destroy(): void {
    this.uniformBuffer?.destroy();
  }
}
