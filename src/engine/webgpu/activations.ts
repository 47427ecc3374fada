// Device buffers: the members' packed parameter state (created once, K members one layout apart) and the
// activations and gradient scratch of a run's slots, allocated for a capacity (slots × batch × seq tokens, target
// rows) and reallocated only when a batch outgrows it. Within a buffer, slot s's activation starts at s times
// its compact size for the run's shape (rows × width), so a smaller run packs its slots tightly.
import type { ModelConfig } from '../../model/config.js';
import type { MemberLayout, ParamLayout } from './layout.js';
import { slotFloats, type SlotCapacity } from './sizes.js';

/** Writes a typed array at `byteOffset` of `buffer` (the typed-array overloads reject ArrayBufferLike views). */
export function upload(device: GPUDevice, buffer: GPUBuffer, data: Float32Array | Uint32Array, byteOffset = 0): void {
  device.queue.writeBuffer(buffer, byteOffset, data.buffer as ArrayBuffer, data.byteOffset, data.byteLength);
}

function storage(device: GPUDevice, label: string, floats: number): GPUBuffer {
  // Zero-sized bindings are invalid; every buffer holds at least one vec4.
  // GPUBufferUsage exists only once the WebGPU globals are installed, so it is read here, not at import.
  const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
  return device.createBuffer({ label, size: Math.max(16, Math.ceil(floats) * 4), usage });
}

/** Parameters, gradients, AdamW moments and per-block flags of every member, member i at i · layout.total. */
export class ParameterBuffers {
  readonly params: GPUBuffer;
  readonly grads: GPUBuffer;
  readonly m: GPUBuffer;
  readonly v: GPUBuffer;
  readonly blockFlags: GPUBuffer;

  constructor(device: GPUDevice, layout: ParamLayout, members: readonly MemberLayout[]) {
    const floats = members.length * layout.total;
    this.params = storage(device, 'params', floats);
    this.grads = storage(device, 'grads', floats);
    this.m = storage(device, 'adam-m', floats);
    this.v = storage(device, 'adam-v', floats);
    const blocks = layout.total / 64;
    this.blockFlags = storage(device, 'block-flags', members.length * blocks);
    members.forEach((member, i) => {
      upload(device, this.blockFlags, member.blockFlags, 4 * i * blocks);
    });
  }

  destroy(): void {
    for (const b of [this.params, this.grads, this.m, this.v, this.blockFlags]) b.destroy();
  }
}

export interface Capacity extends SlotCapacity {
  slots: number;
}

export interface LayerActivations {
  qkv: GPUBuffer; // [N, 3H]: q, k, v side by side
  probs: GPUBuffer; // [B, heads, T, T]
  context: GPUBuffer; // [N, H]
  attnPre: GPUBuffer; attnStats: GPUBuffer; attended: GPUBuffer; // [N, H], [N, 2], [N, H]
  innerPre: GPUBuffer; inner: GPUBuffer; // [N, F] before and after GELU
  outPre: GPUBuffer; outStats: GPUBuffer; // [N, H], [N, 2]
}

/** Every buffer below holds `capacity.slots` slots of the shape in its comment. */
export class Activations {
  /** The member table, then each slot's batch sections (u32). */
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
  readonly dContext: GPUBuffer; // [N, H]
  readonly dQkv: GPUBuffer; // [N, 3H]
  /** Every slot's [B, heads, T, T] scores gradient, then every slot's SSA partials (2 per sequence, head, row block). */
  readonly dScores: GPUBuffer;
  readonly dLmOut: GPUBuffer; readonly dLmGelu: GPUBuffer; readonly dLmPre: GPUBuffer; readonly dGathered: GPUBuffer; // [M, H]
  readonly dEmb: GPUBuffer; // [N, H]
  /** Partial sums of split-K matmuls, chunked column reductions and the gradient norm, finished by their second pass. */
  readonly partials: GPUBuffer;
  /** Per slot: loss, gradient norm, clip factor. */
  readonly scalars: GPUBuffer;
  /** Bound where a kernel's optional input or output is unused in that dispatch. */
  readonly unusedRead: GPUBuffer;
  readonly unusedWrite: GPUBuffer;
  private readonly all: GPUBuffer[] = [];

  constructor(device: GPUDevice, config: ModelConfig, readonly capacity: Capacity) {
    const f = slotFloats(config, capacity);
    const make = (label: string, perSlot: number) => {
      const buffer = storage(device, label, capacity.slots * perSlot);
      this.all.push(buffer);
      return buffer;
    };
    this.batchData = make('batch', f.batch);
    this.embPre = make('emb-pre', f.tokens);
    this.embStats = make('emb-stats', f.tokenStats);
    this.hidden = Array.from({ length: config.numLayers + 1 }, (_, l) => make(`hidden-${l}`, f.tokens));
    this.layers = Array.from({ length: config.numLayers }, (_, l) => ({
      qkv: make(`qkv-${l}`, f.qkv), probs: make(`probs-${l}`, f.scores), context: make(`context-${l}`, f.tokens),
      attnPre: make(`attn-pre-${l}`, f.tokens), attnStats: make(`attn-stats-${l}`, f.tokenStats), attended: make(`attended-${l}`, f.tokens),
      innerPre: make(`inner-pre-${l}`, f.inner), inner: make(`inner-${l}`, f.inner),
      outPre: make(`out-pre-${l}`, f.tokens), outStats: make(`out-stats-${l}`, f.tokenStats),
    }));
    this.gathered = make('gathered', f.targetRows);
    this.lmPre = make('lm-pre', f.targetRows);
    this.lmGelu = make('lm-gelu', f.targetRows);
    this.lmStats = make('lm-stats', f.targetStats);
    this.lmOut = make('lm-out', f.targetRows);
    this.logits = make('logits', f.logits);
    this.rowLoss = make('row-loss', f.rowLoss);
    this.dHidden = make('d-hidden', f.tokens);
    this.dPre = make('d-pre', f.tokens);
    this.dBranch = make('d-branch', f.tokens);
    this.dAttended = make('d-attended', f.tokens);
    this.dInner = make('d-inner', f.inner);
    this.dContext = make('d-context', f.tokens);
    this.dQkv = make('d-qkv', f.qkv);
    this.dScores = make('d-scores', f.scores + f.ssaPartials);
    this.dLmOut = make('d-lm-out', f.targetRows);
    this.dLmGelu = make('d-lm-gelu', f.targetRows);
    this.dLmPre = make('d-lm-pre', f.targetRows);
    this.dGathered = make('d-gathered', f.targetRows);
    this.dEmb = make('d-emb', f.tokens);
    this.partials = make('partials', f.partials);
    this.scalars = make('scalars', f.scalars);
    this.unusedRead = make('unused-read', 4);
    this.unusedWrite = make('unused-write', 4);
  }

  destroy(): void {
    for (const b of this.all) b.destroy();
  }
}
