// The fused WebGPU engine: K models of one shape in lockstep (GroupEngine), on hand-written WGSL kernels. A run
// computes S slots (the members taking part) with the same ~300 dispatches a single model needs: every kernel
// covers all slots (workgroup z), reading its slot's member, batch, dropout key and step scalars from the member
// table. A training step (forward, backward, clip, AdamW) is one command buffer with one submit; the only
// read-back is each slot's loss and gradient norm. Runs may overlap: each run encodes its read-backs into its own
// command buffer, so a caller can submit the next step before the previous one's loss is back.
// Nothing is ever reduced across slots, and a slot's arithmetic does not depend on which or how many other
// slots run, so a member computes the same bits in any group (given the same padded shape).
// Like the reference engine: dropout masks come from the shared counter-based generator (src/core/dropout.ts;
// DROPOUT_WGSL recomputes each mask in the forward and backward kernels from key, site, sequence and element),
// and AdamW projects SSA's trainable n and b onto n ≥ 1, b ≥ SSA_B_MIN (block flags, kernels/optimizer.wgsl.ts).
import { maxSequenceLength, type ModelConfig } from '../../model/config.js';
import type { TargetedBatch } from '../../core/batches.js';
import type { NamedTensors, OptimizerState } from '../../core/tensors.js';
import type { GroupEngine, MemberStep, OptimizerSettings, StepResult } from '../types.js';
import { Activations, ParameterBuffers, upload, type Capacity } from './activations.js';
import { batchSections, BatchPacker, type SlotBatch, type SlotEntry } from './batch.js';
import { ATTENTION_MAX_SEQ } from './kernels/attention.wgsl.js';
import { SCALARS_PER_SLOT } from './kernels/optimizer.wgsl.js';
import { memberLayout, packLayout, packTensors, unpackTensors, type MemberLayout, type PackedParam, type ParamLayout } from './layout.js';
import { FusedEngine, type MemberHost } from './member.js';
import { memberFlags } from './members.js';
import { recordBackward, recordOptimizer } from './plan-backward.js';
import { recordForward } from './plan-forward.js';
import { Program, type Pipelines, type RunShape } from './program.js';
import { checkGroupFits } from './sizes.js';
import { StagingPool, type ReadBack } from './staging.js';

export interface FusedGroupOptions {
  /** One config per member; they may differ only in `attention`. */
  configs: ModelConfig[];
  optimizer: OptimizerSettings;
  /** Initial weights per member, in HF names and shapes of that member's config. */
  weights: NamedTensors[];
  /** Initial activation capacity; a larger batch later reallocates. */
  maxBatch?: number;
  maxSeq?: number;
}

/** How the pipelines were built (createFusedGroupEngine decides it from the device and the options). */
export interface KernelChoices {
  /** Row reductions through subgroup operations. */
  subgroups: boolean;
}

type Mode = 'eval' | 'gradients' | 'train';

/** One slot of a run: the member, its batch and its step scalars (dropout key undefined: dropout off). */
interface SlotRun {
  member: number;
  batch: SlotBatch;
  key?: number;
  lr: number;
  stepSize: number;
  sqrtBc2: number;
}

/** A submitted run: per slot [loss, gradient norm, clip factor, ·], and the extra read-backs in request order. */
interface RunResults {
  scalars: Float32Array;
  reads: Float32Array[];
}

interface Built {
  act: Activations;
  program: Program;
  packer: BatchPacker;
  forwardEnd: number;
  backwardEnd: number;
}

const trainable = (p: PackedParam) => p.spec.trainable;
const targeted = (batch: TargetedBatch): SlotBatch => ({ batch, targets: batch.targetPositions, targetIds: batch.targetIds });

export class FusedGroupEngine implements GroupEngine, MemberHost {
  readonly kind = 'fused';
  readonly backend = 'webgpu';
  readonly size: number;
  readonly configs: ModelConfig[];
  /** Compute dispatches in the last run (a training step records forward, backward and optimizer). */
  lastDispatchCount = 0;
  private readonly layout: ParamLayout;
  private readonly members: MemberLayout[];
  private readonly flags: number[];
  private readonly trainsSsa: boolean;
  private readonly state: ParameterBuffers;
  private built?: Built;
  /** Updates submitted so far per member: advanced at submit time, so overlapping steps get consecutive bias corrections. */
  private readonly optimizerSteps: number[];
  private readonly staging: StagingPool;
  private readonly views: FusedEngine[];

  constructor(
    private readonly device: GPUDevice, readonly adapterName: string, private readonly pipelines: Pipelines,
    readonly kernels: KernelChoices,
    private readonly options: FusedGroupOptions,
  ) {
    this.configs = options.configs;
    this.size = options.configs.length;
    this.layout = packLayout(options.configs[0]);
    this.members = options.configs.map((config) => memberLayout(this.layout, config));
    this.flags = options.configs.map(memberFlags);
    this.trainsSsa = options.configs.some(({ attention: a }) => a.scoring === 'ssa' && (a.ssaNTrainable || a.ssaBTrainable));
    this.state = new ParameterBuffers(device, this.layout, this.members);
    this.optimizerSteps = options.configs.map(() => 0);
    this.staging = new StagingPool(device);
    this.views = options.configs.map((_, i) => new FusedEngine(this, i));
    if (options.maxBatch && options.maxSeq) {
      this.ensureCapacity(options.maxBatch, options.maxSeq, options.maxBatch * options.maxSeq);
    }
  }

  /** Whether the pipelines' row reductions run through subgroup operations. */
  get usesSubgroups(): boolean {
    return this.kernels.subgroups;
  }

  member(index: number): FusedEngine {
    const view = this.views[index];
    if (!view) throw new Error(`group of ${this.size} has no member ${index}`);
    return view;
  }

  async trainStep(steps: (MemberStep | null)[]): Promise<(StepResult | null)[]> {
    const runs = this.stepRuns(steps, true);
    if (runs.length === 0) return steps.map(() => null);
    const submitted = this.submit('train', runs, false);
    for (const run of runs) this.optimizerSteps[run.member]++;
    const { scalars } = await submitted;
    const results: (StepResult | null)[] = steps.map(() => null);
    runs.forEach((run, s) => {
      results[run.member] = { loss: scalars[SCALARS_PER_SLOT * s], gradNorm: scalars[SCALARS_PER_SLOT * s + 1] };
    });
    return results;
  }

  async targetLogProbs(batch: TargetedBatch): Promise<Float32Array[]> {
    const runs = this.configs.map((_, member): SlotRun => ({ member, batch: targeted(batch), lr: 0, stepSize: 0, sqrtBc2: 1 }));
    const M = batch.targetPositions.length;
    const { reads: [rowLoss] } = await this.submit('eval', runs, true, (act) => [{ buffer: act.rowLoss, floats: this.size * M }]);
    return runs.map((_, s) => rowLoss.subarray(s * M, (s + 1) * M).map((x) => -x));
  }

  /**
   * A training step timed per dispatch (one pass each, GPU timestamps): milliseconds per kernel name, summed
   * over the step. It updates the weights like trainStep (without bias correction) but is slower (a pass per
   * dispatch), and Dawn may quantize timestamps: for finding where time goes.
   */
  async profileTrainStep(steps: (MemberStep | null)[]): Promise<Map<string, { ms: number; count: number }>> {
    if (!this.device.features.has('timestamp-query')) throw new Error('this adapter has no timestamp-query');
    const runs = this.stepRuns(steps, false);
    if (runs.length === 0) throw new Error('a profiled step needs at least one member');
    const built = this.ensureCapacity(
      Math.max(...runs.map((r) => r.batch.batch.batchSize)), Math.max(...runs.map((r) => r.batch.batch.seqLen)),
      Math.max(...runs.map((r) => r.batch.targets.length)),
    );
    const queries = 2 * built.program.length;
    const querySet = this.device.createQuerySet({ type: 'timestamp', count: queries });
    const resolved = this.device.createBuffer({ size: queries * 8, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
    let kernels: string[] = [];
    await this.submit('train', runs, false, () => [], (encoder, shape) => {
      kernels = built.program.encodeTimed(encoder, querySet, shape, built.program.length);
      encoder.resolveQuerySet(querySet, 0, 2 * kernels.length, resolved, 0);
    });
    const [timestamps] = await this.read([{ buffer: resolved, floats: 4 * kernels.length }]);
    const times = new BigUint64Array(timestamps.buffer);
    const totals = new Map<string, { ms: number; count: number }>();
    kernels.forEach((kernel, i) => {
      const entry = totals.get(kernel) ?? { ms: 0, count: 0 };
      entry.ms += Number(times[2 * i + 1] - times[2 * i]) / 1e6;
      entry.count++;
      totals.set(kernel, entry);
    });
    querySet.destroy();
    resolved.destroy();
    return totals;
  }

  dispose(): void {
    this.built?.act.destroy();
    this.built?.program.destroy();
    this.state.destroy();
    this.staging.destroy();
  }

  /**
   * Loss and gradients of every member with a batch (null: that member sits out), all in one run, dropout under
   * each member's key when keys are given (all or none): the group's own gradient pass, for parity tests.
   */
  async lossAndGradients(
    inputs: ({ batch: TargetedBatch; dropoutSeed?: number } | null)[],
  ): Promise<({ loss: number; gradients: NamedTensors } | null)[]> {
    const runs: SlotRun[] = [];
    inputs.forEach((input, member) => {
      if (input) runs.push({ member, batch: targeted(input.batch), key: input.dropoutSeed, lr: 0, stepSize: 0, sqrtBc2: 1 });
    });
    if (new Set(runs.map((run) => run.key === undefined)).size > 1) throw new Error('dropout keys for some members but not all');
    const P = this.layout.total;
    const { scalars, reads } = await this.submit('gradients', runs, false, () => runs.map((run) => ({
      buffer: this.state.grads, offset: run.member * P, floats: P,
    })));
    const results: ({ loss: number; gradients: NamedTensors } | null)[] = inputs.map(() => null);
    runs.forEach((run, s) => {
      results[run.member] = { loss: scalars[SCALARS_PER_SLOT * s], gradients: unpackTensors(this.members[run.member], reads[s], trainable) };
    });
    return results;
  }

  /** One slot's eval run of member `member` on `input`, reading back what `reads` asks of slot 0. */
  memberEval(member: number, input: SlotBatch, reads: (act: Activations, shape: RunShape) => ReadBack[]): Promise<Float32Array[]> {
    const run: SlotRun = { member, batch: input, lr: 0, stepSize: 0, sqrtBc2: 1 };
    return this.submit('eval', [run], false, reads).then((results) => results.reads);
  }

  async readWeights(member: number): Promise<NamedTensors> {
    const P = this.layout.total;
    const [params] = await this.read([{ buffer: this.state.params, offset: member * P, floats: P }]);
    return unpackTensors(this.members[member], params);
  }

  loadWeights(member: number, weights: NamedTensors): void {
    upload(this.device, this.state.params, packTensors(this.members[member], weights), 4 * member * this.layout.total);
  }

  async readOptimizerState(member: number): Promise<OptimizerState> {
    const P = this.layout.total;
    // The step count of the updates queued so far, which are exactly the ones this read sees.
    const step = this.optimizerSteps[member];
    const [mData, vData] = await this.read([
      { buffer: this.state.m, offset: member * P, floats: P }, { buffer: this.state.v, offset: member * P, floats: P },
    ]);
    const m = unpackTensors(this.members[member], mData, trainable, '.exp_avg');
    const v = unpackTensors(this.members[member], vData, trainable, '.exp_avg_sq');
    return { step, tensors: new Map([...m, ...v]) };
  }

  loadOptimizerState(member: number, state: OptimizerState): void {
    const at = 4 * member * this.layout.total;
    upload(this.device, this.state.m, packTensors(this.members[member], state.tensors, trainable, '.exp_avg'), at);
    upload(this.device, this.state.v, packTensors(this.members[member], state.tensors, trainable, '.exp_avg_sq'), at);
    this.optimizerSteps[member] = state.step;
  }

  /** The slots of a training step: each non-null member with its bias-corrected step size (if `biasCorrect`). */
  private stepRuns(steps: (MemberStep | null)[], biasCorrect: boolean): SlotRun[] {
    if (steps.length !== this.size) throw new Error(`a step of a group of ${this.size} needs ${this.size} entries, got ${steps.length}`);
    const { beta1, beta2, biasCorrection } = this.options.optimizer;
    const runs: SlotRun[] = [];
    steps.forEach((step, member) => {
      if (!step) return;
      const t = this.optimizerSteps[member] + 1;
      const corrected = biasCorrect && biasCorrection;
      const { lr, dropoutSeed } = step.options;
      runs.push({
        member, batch: targeted(step.batch), key: dropoutSeed, lr,
        stepSize: corrected ? lr / (1 - beta1 ** t) : lr, sqrtBc2: corrected ? Math.sqrt(1 - beta2 ** t) : 1,
      });
    });
    return runs;
  }

  /**
   * Packs and uploads the runs' batches (every slot on the first one's when `shared`), encodes the ops of `mode`
   * and copies of the scalars and of `reads` into one command buffer, and submits it, all before returning (it
   * throws synchronously on a bad batch); the promise resolves once the copies are mapped. The queue orders
   * overlapping runs, and every write of a run (batch, uniforms) is a queue operation issued after the previous
   * run's submit, so overlapping runs compute exactly what sequential ones would.
   */
  private submit(
    mode: Mode, runs: SlotRun[], shared: boolean, reads: (act: Activations, shape: RunShape) => ReadBack[] = () => [],
    encodeTimed?: (encoder: GPUCommandEncoder, shape: RunShape) => void,
  ): Promise<RunResults> {
    const batches = shared ? [runs[0].batch] : runs.map((run) => run.batch);
    const config = this.configs[0];
    const B = Math.max(...batches.map((b) => b.batch.batchSize));
    const T = Math.max(...batches.map((b) => b.batch.seqLen));
    const M = Math.max(...batches.map((b) => b.targets.length));
    if (T > maxSequenceLength(config) || T > ATTENTION_MAX_SEQ) {
      throw new Error(`batch length ${T} exceeds the model's ${maxSequenceLength(config)} positions`);
    }
    if (batches.some((b) => b.targets.length === 0)) throw new Error('the batch has no target positions');
    const built = this.ensureCapacity(B, T, M);
    const entries = runs.map((run): SlotEntry => ({
      member: run.member, flags: this.flags[run.member], key: run.key ?? 0, lr: run.lr, stepSize: run.stepSize, sqrtBc2: run.sqrtBc2,
    }));
    const packed = built.packer.pack(entries, batches, { batch: B, seq: T, targets: M });
    upload(this.device, built.act.batchData, packed.data);
    const shape: RunShape = {
      slots: runs.length, batch: B, seq: T, rows: B * T, targets: M, wordSegments: packed.wordSegments,
      positionSegments: packed.positionSegments, train: runs[0].key !== undefined, gradients: mode !== 'eval',
    };
    const end = mode === 'eval' ? built.forwardEnd : mode === 'gradients' ? built.backwardEnd : built.program.length;
    const encoder = this.device.createCommandEncoder();
    if (mode !== 'eval') {
      const bytes = 4 * this.layout.total;
      for (const run of runs) encoder.clearBuffer(this.state.grads, run.member * bytes, bytes);
    }
    if (encodeTimed) {
      encodeTimed(encoder, shape);
    } else {
      const pass = encoder.beginComputePass();
      this.lastDispatchCount = built.program.encode(pass, shape, end);
      pass.end();
    }
    // Activations reallocated by a later, larger run are destroyed while this run may still be queued: Dawn
    // keeps a destroyed buffer alive for work already submitted, and this run reads back only through its copies.
    const mapped = this.staging.encodeCopies(encoder, [
      { buffer: built.act.scalars, floats: SCALARS_PER_SLOT * runs.length }, ...reads(built.act, shape),
    ]);
    this.device.queue.submit([encoder.finish()]);
    return mapped().then(([scalars, ...rest]) => ({ scalars, reads: rest }));
  }

  private ensureCapacity(batch: number, seq: number, targets: number): Built {
    const cap = this.built?.act.capacity;
    if (this.built && cap && batch <= cap.batch && seq <= cap.seq && targets <= cap.targets) return this.built;
    const config = this.configs[0];
    const next: Capacity = {
      slots: this.size, batch: Math.max(batch, cap?.batch ?? 0), seq: Math.max(seq, cap?.seq ?? 0),
      targets: Math.max(targets, cap?.targets ?? 0),
    };
    checkGroupFits(this.device.limits, config, this.size, next);
    this.built?.act.destroy();
    this.built?.program.destroy();
    const sections = batchSections(next.batch * next.seq, next.targets);
    const act = new Activations(this.device, config, next);
    const program = new Program(this.device, this.pipelines, act.batchData);
    const ctx = { config, layout: this.layout, sections, state: this.state, act, program };
    recordForward(ctx);
    const forwardEnd = program.length;
    recordBackward(ctx, this.trainsSsa);
    const backwardEnd = program.length;
    recordOptimizer(ctx, this.options.optimizer);
    program.finalize();
    const packer = new BatchPacker(sections, this.size, config.vocabSize, config.maxPositions);
    this.built = { act, program, packer, forwardEnd, backwardEnd };
    return this.built;
  }

  /** Copies of `reads` taken after all work submitted so far (one submit), then mapped. */
  private read(reads: ReadBack[]): Promise<Float32Array[]> {
    const encoder = this.device.createCommandEncoder();
    const mapped = this.staging.encodeCopies(encoder, reads);
    this.device.queue.submit([encoder.finish()]);
    return mapped();
  }
}
