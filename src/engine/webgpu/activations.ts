// Device buffers: the packed parameter state (created once) and the activations and gradient scratch,
// allocated for a capacity (batch × seq tokens, target rows) and reallocated only when a batch outgrows it.
import type { ModelConfig } from '../../model/config.js';
import type { BatchSections } from './batch.js';
import { SPLIT_K_MAX_PARTIALS } from './kernels/matmul.wgsl.js';
import { COLUMN_CHUNK_ROWS } from './kernels/norm.wgsl.js';
import { SCALARS_LENGTH } from './kernels/optimizer.wgsl.js';
import type { ParamLayout } from './layout.js';

/** Writes a typed array at the start of `buffer` (the typed-array overloads reject ArrayBufferLike views). */
export function upload(device: GPUDevice, buffer: GPUBuffer, data: Float32Array | Uint32Array): void {
  device.queue.writeBuffer(buffer, 0, data.buffer as ArrayBuffer, data.byteOffset, data.byteLength);
}

function storage(device: GPUDevice, label: string, floats: number): GPUBuffer {
  // Zero-sized bindings are invalid; every buffer holds at least one vec4.
  // GPUBufferUsage exists only once the WebGPU globals are installed, so it is read here, not at import.
  const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
  return device.createBuffer({ label, size: Math.max(16, Math.ceil(floats) * 4), usage });
}

/** Parameters, gradients, AdamW moments and their per-block flags, in the packed layout. */
export class ParameterBuffers {
  readonly params: GPUBuffer;
  readonly grads: GPUBuffer;
  readonly m: GPUBuffer;
  readonly v: GPUBuffer;
  readonly blockFlags: GPUBuffer;
  /** [0] loss, [1] gradient norm, [2] clip factor, then the norm's partial sums. */
  readonly scalars: GPUBuffer;

  constructor(device: GPUDevice, layout: ParamLayout) {
    this.params = storage(device, 'params', layout.total);
    this.grads = storage(device, 'grads', layout.total);
    this.m = storage(device, 'adam-m', layout.total);
    this.v = storage(device, 'adam-v', layout.total);
    this.blockFlags = storage(device, 'block-flags', layout.blockFlags.length);
    upload(device, this.blockFlags, layout.blockFlags);
    this.scalars = storage(device, 'scalars', SCALARS_LENGTH);
  }

  destroy(): void {
    for (const b of [this.params, this.grads, this.m, this.v, this.blockFlags, this.scalars]) b.destroy();
  }
}

export interface Capacity {
  batch: number;
  seq: number;
  targets: number;
}

export interface LayerActivations {
  q: GPUBuffer; k: GPUBuffer; v: GPUBuffer; // [N, H]
  probs: GPUBuffer; // [B, heads, T, T]
  context: GPUBuffer; // [N, H]
  attnPre: GPUBuffer; attnStats: GPUBuffer; attended: GPUBuffer; // [N, H], [N, 2], [N, H]
  innerPre: GPUBuffer; inner: GPUBuffer; // [N, F] before and after GELU
  outPre: GPUBuffer; outStats: GPUBuffer; // [N, H], [N, 2]
}

export class Activations {
  readonly batchData: GPUBuffer;
  readonly embPre: GPUBuffer; // [N, H]
  readonly embStats: GPUBuffer; // [N, 2]
  /** hidden[0] = embeddings output, hidden[l + 1] = layer l output; each [N, H]. */
  readonly hidden: GPUBuffer[];
  readonly layers: LayerActivations[];
  readonly gathered: GPUBuffer; readonly lmPre: GPUBuffer; readonly lmGelu: GPUBuffer; // [M, H]
  readonly lmStats: GPUBuffer; readonly lmOut: GPUBuffer; // [M, 2], [M, H]
  readonly logits: GPUBuffer; // [M, V]; holds dlogits after a backward pass
  readonly rowLoss: GPUBuffer; // [M]
  // Backward scratch, shared by all layers.
  readonly dHidden: GPUBuffer; readonly dPre: GPUBuffer; readonly dBranch: GPUBuffer; readonly dAttended: GPUBuffer; // [N, H]
  readonly dInner: GPUBuffer; // [N, F]
  readonly dContext: GPUBuffer; readonly dQ: GPUBuffer; readonly dK: GPUBuffer; readonly dV: GPUBuffer; // [N, H]
  readonly dScores: GPUBuffer; // [B, heads, T, T] then 2 SSA partials per (b, head, block of 64 query rows), room for one per row
  readonly dLmOut: GPUBuffer; readonly dLmGelu: GPUBuffer; readonly dLmPre: GPUBuffer; readonly dGathered: GPUBuffer; // [M, H]
  readonly dEmb: GPUBuffer; // [N, H]
  /** Partial sums of split-K matmuls and chunked column reductions, finished by splitReduce. */
  readonly partials: GPUBuffer;
  /** Bound where a kernel's optional input or output is unused in that dispatch. */
  readonly unusedRead: GPUBuffer;
  readonly unusedWrite: GPUBuffer;
  private readonly all: GPUBuffer[] = [];

  constructor(device: GPUDevice, config: ModelConfig, readonly capacity: Capacity, sections: BatchSections) {
    const { hiddenSize: H, intermediateSize: F, numHeads, vocabSize: V } = config;
    const N = capacity.batch * capacity.seq;
    const M = capacity.targets;
    const scores = capacity.batch * numHeads * capacity.seq * capacity.seq;
    const make = (label: string, floats: number) => {
      const buffer = storage(device, label, floats);
      this.all.push(buffer);
      return buffer;
    };
    this.batchData = make('batch', sections.length);
    this.embPre = make('emb-pre', N * H);
    this.embStats = make('emb-stats', 2 * N);
    this.hidden = Array.from({ length: config.numLayers + 1 }, (_, l) => make(`hidden-${l}`, N * H));
    this.layers = Array.from({ length: config.numLayers }, (_, l) => ({
      q: make(`q-${l}`, N * H), k: make(`k-${l}`, N * H), v: make(`v-${l}`, N * H),
      probs: make(`probs-${l}`, scores), context: make(`context-${l}`, N * H),
      attnPre: make(`attn-pre-${l}`, N * H), attnStats: make(`attn-stats-${l}`, 2 * N), attended: make(`attended-${l}`, N * H),
      innerPre: make(`inner-pre-${l}`, N * F), inner: make(`inner-${l}`, N * F),
      outPre: make(`out-pre-${l}`, N * H), outStats: make(`out-stats-${l}`, 2 * N),
    }));
    this.gathered = make('gathered', M * H);
    this.lmPre = make('lm-pre', M * H);
    this.lmGelu = make('lm-gelu', M * H);
    this.lmStats = make('lm-stats', 2 * M);
    this.lmOut = make('lm-out', M * H);
    this.logits = make('logits', M * V);
    this.rowLoss = make('row-loss', M);
    this.dHidden = make('d-hidden', N * H);
    this.dPre = make('d-pre', N * H);
    this.dBranch = make('d-branch', N * H);
    this.dAttended = make('d-attended', N * H);
    this.dInner = make('d-inner', N * F);
    this.dContext = make('d-context', N * H);
    this.dQ = make('d-q', N * H);
    this.dK = make('d-k', N * H);
    this.dV = make('d-v', N * H);
    this.dScores = make('d-scores', scores + 2 * capacity.batch * numHeads * capacity.seq);
    this.dLmOut = make('d-lm-out', M * H);
    this.dLmGelu = make('d-lm-gelu', M * H);
    this.dLmPre = make('d-lm-pre', M * H);
    this.dGathered = make('d-gathered', M * H);
    this.dEmb = make('d-emb', N * H);
    const chunks = Math.ceil(Math.max(N, M) / COLUMN_CHUNK_ROWS);
    this.partials = make('partials', Math.max(SPLIT_K_MAX_PARTIALS, chunks * Math.max(2 * H, F, V)));
    this.unusedRead = make('unused-read', 4);
    this.unusedWrite = make('unused-write', 4);
  }

  /** Offset of the SSA partial sums inside dScores. */
  partialOffset(config: ModelConfig): number {
    return this.capacity.batch * config.numHeads * this.capacity.seq * this.capacity.seq;
  }

  destroy(): void {
    for (const b of this.all) b.destroy();
  }
}
