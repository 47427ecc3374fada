// The engine seam: everything above it (data, masking, schedule, checkpoints, probes, reports) is
// shared; the tfjs reference engine and the fused WebGPU engine implement it and are tested against
// each other on the same weights and batch.
import type { TargetedBatch, TokenBatch } from '../core/batches.js';
import type { HostTensor, NamedTensors, OptimizerState } from '../core/tensors.js';
import type { ModelConfig } from '../model/config.js';

export interface OptimizerSettings {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** false reproduces BabyBERTa's AdamW without bias correction. */
  biasCorrection: boolean;
  /** Global-norm clip threshold; 0 disables clipping. */
  clipNorm: number;
}

export interface StepOptions {
  lr: number;
  /** This step's dropout key, `dropoutKey(runSeed, step)` (src/core/dropout.ts): every mask derives from it. */
  dropoutSeed: number;
}

export interface GradientOptions {
  /** Dropout key as in StepOptions; absent, dropout is off (parity tests pass one to check the masks too). */
  dropoutSeed?: number;
}

export interface StepResult {
  /** Mean cross-entropy over the batch's targets, before the update. */
  loss: number;
  /** Global L2 norm of the gradients before clipping. */
  gradNorm: number;
}

/** What a forward pass returns beside the logits (diagnostics and tests). */
export interface ForwardOptions {
  attentions?: boolean;
  keys?: boolean;
}

export interface ForwardOutput {
  logits: HostTensor; // [B, T, V]
  /** Per layer, attention weights [B, H, T, T]; present when asked for. */
  attentions?: HostTensor[];
  /** Per layer, the key projection x·Wkᵀ + b [B, T, hidden] (head h is columns h·d … h·d + d − 1); present when asked for. */
  keys?: HostTensor[];
}

/**
 * Calls may overlap: trainStep and targetLogProbs (and every other method) may be called again before the
 * previous call's promise resolves. The engine then behaves exactly as if each call had been awaited before
 * the next one was made, in call order (same results, same weights), so a trainer can keep a step in flight
 * while it reads the previous step's loss, and a scorer several batches.
 */
export interface Engine {
  /** 'tfjs' (reference, any tfjs backend) or 'fused' (WebGPU kernels). */
  readonly kind: 'tfjs' | 'fused';
  /** The device it runs on: 'cpu' | 'wasm' | 'webgpu' | 'tensorflow', plus the adapter for webgpu. */
  readonly backend: string;
  readonly adapterName?: string;
  readonly config: ModelConfig;

  /** One optimisation step: masked-LM loss on the targets (dropout on), clip, AdamW. */
  trainStep(batch: TargetedBatch, options: StepOptions): Promise<StepResult>;
  /** Loss and gradients without updating (dropout off unless given a key): parity and gradient tests. */
  lossAndGradients(batch: TargetedBatch, options?: GradientOptions): Promise<{ loss: number; gradients: NamedTensors }>;
  /** log p(target | input) at each target position (dropout off); scoring builds on this. */
  targetLogProbs(batch: TargetedBatch): Promise<Float32Array>;
  /** Full logits (and optionally attention weights and keys), dropout off: diagnostics and tests. */
  forward(batch: TokenBatch, options?: ForwardOptions): Promise<ForwardOutput>;

  readWeights(): Promise<NamedTensors>;
  /** Replaces every parameter; names and shapes must match `paramSpecs(config)`. */
  loadWeights(weights: NamedTensors): Promise<void>;
  readOptimizerState(): Promise<OptimizerState>;
  loadOptimizerState(state: OptimizerState): Promise<void>;
  dispose(): void;
}

/** One member's step in a group: its own batch (its seed's data order and masks), lr and dropout key. */
export interface MemberStep {
  batch: TargetedBatch;
  options: StepOptions;
}

/**
 * K models of one shape trained in lockstep (a variants × seeds grid in one process). Member i is an ordinary
 * run in every respect: its own weights, optimizer state, batches, dropout, loss, gradient norm and clip, and
 * its own attention settings (`configs[i]`; the configs differ at most in `attention`). A member trained in a
 * group computes what it would compute alone (up to the padding of its batch to the step's common length).
 * Calls may overlap, with the same guarantee as Engine's.
 */
export interface GroupEngine {
  readonly kind: 'tfjs' | 'fused';
  readonly backend: string;
  readonly adapterName?: string;
  /** K, fixed at creation. */
  readonly size: number;
  readonly configs: ModelConfig[];

  /**
   * One step for every member whose entry is not null; a null entry leaves that member untouched (a member
   * that stopped, e.g. on a NaN loss, while the others go on). Results come back in member order, null for skipped.
   */
  trainStep(steps: (MemberStep | null)[]): Promise<(StepResult | null)[]>;
  /** log p(target | input) of one batch under every member (probing: every member scores the same suite). */
  targetLogProbs(batch: TargetedBatch): Promise<Float32Array[]>;
  /**
   * Member i as an Engine (weights, optimizer state, forward, gradients, scoring, a lone trainStep); it shares
   * the group's device state, and disposing it is a no-op (dispose the group).
   */
  member(index: number): Engine;
  dispose(): void;
}
