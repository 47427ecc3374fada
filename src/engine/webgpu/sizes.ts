// How large a group's device buffers are, as a pure function of the model shape, the capacity and K: every
// packed buffer holds K per-member (or per-slot) regions and must fit WebGPU's per-binding limit, so the largest
// K that fits a device is known before anything is allocated (`sweep --lockstep auto` asks maxGroupSize).
import { UserError } from '../../core/errors.js';
import type { ModelConfig } from '../../model/config.js';
import { batchSections } from './batch.js';
import { ATTENTION_ROWS } from './kernels/attention.wgsl.js';
import { SPLIT_K_MAX_PARTIALS, SPLIT_K_WORKGROUPS } from './kernels/matmul.wgsl.js';
import { INFO_WORDS } from './kernels/members.wgsl.js';
import { COLUMN_CHUNK_ROWS } from './kernels/norm.wgsl.js';
import { NORM_PARTIALS, SCALARS_PER_SLOT } from './kernels/optimizer.wgsl.js';
import { packLayout } from './layout.js';

/** The batch shape one slot's activations are allocated for: sequences, tokens each, target rows. */
export interface SlotCapacity {
  batch: number;
  seq: number;
  targets: number;
}

/** Floats per slot of each kind of activation buffer (a buffer holds `slots` of them). */
export function slotFloats(config: ModelConfig, cap: SlotCapacity) {
  const { hiddenSize: H, intermediateSize: F, numHeads, vocabSize: V } = config;
  const N = cap.batch * cap.seq;
  const M = cap.targets;
  const chunks = Math.ceil(Math.max(N, M) / COLUMN_CHUNK_ROWS);
  return {
    tokens: N * H, // [N, H]
    qkv: 3 * N * H, // [N, 3H]
    inner: N * F, // [N, F]
    tokenStats: 2 * N, // [N, 2]
    scores: cap.batch * numHeads * cap.seq * cap.seq, // [B, heads, T, T]
    ssaPartials: 2 * cap.batch * numHeads * Math.ceil(cap.seq / ATTENTION_ROWS),
    targetRows: M * H, // [M, H]
    targetStats: 2 * M, // [M, 2]
    logits: M * V, // [M, V]
    rowLoss: M,
    // Split-K partial sums, chunked column sums (widest: the vocabulary, the FFN, or the fused QKV bias), norm partials.
    partials: Math.max(SPLIT_K_MAX_PARTIALS, chunks * Math.max(3 * H, F, V), NORM_PARTIALS),
    batch: INFO_WORDS + batchSections(N, M).length,
    scalars: SCALARS_PER_SLOT,
  };
}

/** The device limits that bound a group (GPUSupportedLimits has them all). */
export interface GroupLimits {
  maxStorageBufferBindingSize: number;
  maxBufferSize: number;
  maxComputeWorkgroupsPerDimension: number;
}

/** A batch shape; `targets` (target rows per step) defaults to every token, the most a batch can have. */
export interface GroupShape {
  batch: number;
  seq: number;
  targets?: number;
}

/** Bytes one buffer may hold: every packed buffer is bound whole. */
const bufferBytes = (limits: GroupLimits) => Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);

/** The largest K whose buffers fit the device's limits at this batch shape (0 when not even one model fits). */
export function maxGroupSize(limits: GroupLimits, config: ModelConfig, shape: GroupShape): number {
  const floats = slotFloats(config, { batch: shape.batch, seq: shape.seq, targets: shape.targets ?? shape.batch * shape.seq });
  const { scores, ssaPartials, ...others } = floats;
  // dScores holds every slot's scores and then every slot's SSA partials; parameters take one member per region.
  const largest = Math.max(scores + ssaPartials, packLayout(config).total, ...Object.values(others));
  const byMemory = Math.floor(bufferBytes(limits) / (4 * largest));
  // Workgroup z counts slots × sequences (attention) and slots × K-chunks (split-K matmuls).
  const byGrid = Math.floor(limits.maxComputeWorkgroupsPerDimension / Math.max(shape.batch, SPLIT_K_WORKGROUPS));
  return Math.min(byMemory, byGrid);
}

/**
 * Throws a one-line UserError when K members do not fit at this shape (absent: their parameter buffers alone, before
 * any batch is known), saying the largest K that does.
 */
export function checkGroupFits(limits: GroupLimits, config: ModelConfig, size: number, shape?: GroupShape): void {
  const largest = shape ? maxGroupSize(limits, config, shape) : Math.floor(bufferBytes(limits) / (4 * packLayout(config).total));
  if (size <= largest) return;
  const where = shape ? `at batch ${shape.batch}×${shape.seq}` : '(their parameters alone)';
  const fits = largest === 0 ? 'not even one model fits' : `the largest that fits is ${largest}`;
  throw new UserError(`K = ${size} members do not fit this GPU's buffer limits ${where}; ${fits}`);
}
