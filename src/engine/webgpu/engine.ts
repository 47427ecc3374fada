// The fused WebGPU engine: the Engine interface on hand-written WGSL kernels. A training step (forward,
// backward, clip, AdamW) is one command buffer with one submit; the only read-back is loss and gradient norm.
// Runs may overlap: each run encodes its read-backs into its own command buffer, so a caller can submit the
// next step before the previous one's loss is back, and the GPU never waits for JavaScript.
// Like the reference engine: dropout masks come from the shared counter-based generator (src/core/dropout.ts;
// DROPOUT_WGSL recomputes each mask in the forward and backward kernels from key, site, sequence and element),
// and AdamW projects SSA's trainable n and b onto n ≥ 1, b ≥ SSA_B_MIN (block flags, kernels/optimizer.wgsl.ts).
import { headDim, maxSequenceLength, type ModelConfig } from '../../model/config.js';
import type { Engine, ForwardOutput, GradientOptions, OptimizerSettings, StepOptions, StepResult } from '../types.js';
import type { TargetedBatch, TokenBatch } from '../../core/batches.js';
import type { NamedTensors, OptimizerState } from '../../core/tensors.js';
import { requestWebGpu } from '../webgpu-runtime.js';
import { Activations, ParameterBuffers, upload, type Capacity } from './activations.js';
import { batchSections, packBatch } from './batch.js';
import { ATTENTION_MAX_HEAD_DIM, ATTENTION_MAX_SEQ } from './kernels/attention.wgsl.js';
import { packLayout, packTensors, unpackTensors, type ParamLayout } from './layout.js';
import { recordBackward, recordOptimizer } from './plan-backward.js';
import { recordForward } from './plan-forward.js';
import { compilePipelines, hasSubgroups, Program, type Pipelines, type RunShape } from './program.js';
import { StagingPool, type ReadBack } from './staging.js';

export interface FusedEngineOptions {
  config: ModelConfig;
  optimizer: OptimizerSettings;
  weights: NamedTensors;
  /** Initial activation capacity; a larger batch later reallocates. */
  maxBatch?: number;
  maxSeq?: number;
  /** Row reductions through subgroup operations where the device has them (default); false keeps the plain path. */
  subgroups?: boolean;
}

type Mode = 'eval' | 'gradients' | 'train';

interface StepScalars {
  /** Dropout key; undefined runs without dropout. */
  seed?: number;
  lr: number;
  stepSize: number;
  sqrtBc2: number;
}
const NO_STEP: StepScalars = { lr: 0, stepSize: 0, sqrtBc2: 1 };

/** A submitted run: scalars ([0] loss, [1] gradient norm) and the extra read-backs, in request order. */
interface RunResults {
  scalars: Float32Array;
  reads: Float32Array[];
}

interface Built {
  act: Activations;
  program: Program;
  sections: ReturnType<typeof batchSections>;
  forwardEnd: number;
  backwardEnd: number;
}

export async function createFusedEngine(options: FusedEngineOptions): Promise<FusedEngine> {
  const gpu = await requestWebGpu();
  if (gpu === null) throw new Error('the fused engine needs WebGPU, and no WebGPU adapter was found');
  const { config } = options;
  if (headDim(config) > ATTENTION_MAX_HEAD_DIM) throw new Error(`fused engine: head size ${headDim(config)} exceeds ${ATTENTION_MAX_HEAD_DIM}`);
  const subgroups = options.subgroups !== false && hasSubgroups(gpu.device);
  const pipelines = await compilePipelines(gpu.device, headDim(config), subgroups);
  const engine = new FusedEngine(gpu.device, gpu.adapterName, pipelines, subgroups, options);
  await engine.loadWeights(options.weights);
  return engine;
}

export class FusedEngine implements Engine {
  readonly kind = 'fused';
  readonly backend = 'webgpu';
  readonly config: ModelConfig;
  /** Compute dispatches in the last run (a training step records forward, backward and optimizer). */
  lastDispatchCount = 0;
  private readonly layout: ParamLayout;
  private readonly state: ParameterBuffers;
  private built?: Built;
  /** Updates submitted so far: advanced at submit time, so overlapping steps get consecutive bias corrections. */
  private optimizerStep = 0;
  private readonly staging: StagingPool;

  constructor(
    private readonly device: GPUDevice, readonly adapterName: string, private readonly pipelines: Pipelines,
    /** Whether the pipelines' row reductions run through subgroup operations. */
    readonly usesSubgroups: boolean,
    private readonly options: FusedEngineOptions,
  ) {
    this.config = options.config;
    this.layout = packLayout(options.config);
    this.state = new ParameterBuffers(device, this.layout);
    this.staging = new StagingPool(device);
    if (options.maxBatch && options.maxSeq) {
      this.ensureCapacity(options.maxBatch, options.maxSeq, options.maxBatch * options.maxSeq);
    }
  }

  /**
   * A training step timed per dispatch (one pass each, GPU timestamps): milliseconds per kernel name,
   * summed over the step. It updates the weights like trainStep (without bias correction) but is slower
   * (a pass per dispatch), and Dawn may quantize timestamps: for finding where time goes.
   */
  async profileTrainStep(batch: TargetedBatch, options: StepOptions): Promise<Map<string, { ms: number; count: number }>> {
    if (!this.device.features.has('timestamp-query')) throw new Error('this adapter has no timestamp-query');
    const built = this.ensureCapacity(batch.batchSize, batch.seqLen, batch.targetPositions.length);
    const queries = 2 * built.program.length;
    const querySet = this.device.createQuerySet({ type: 'timestamp', count: queries });
    const resolved = this.device.createBuffer({ size: queries * 8, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
    let kernels: string[] = [];
    const step = { seed: options.dropoutSeed, lr: options.lr, stepSize: options.lr, sqrtBc2: 1 };
    await this.submit('train', batch, batch.targetPositions, batch.targetIds, step, () => [], (encoder, shape) => {
      kernels = built.program.encodeTimed(encoder, querySet, shape, 0, built.program.length);
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

  async trainStep(batch: TargetedBatch, options: StepOptions): Promise<StepResult> {
    const { beta1, beta2, biasCorrection } = this.options.optimizer;
    const t = this.optimizerStep + 1;
    const stepSize = biasCorrection ? options.lr / (1 - beta1 ** t) : options.lr;
    const sqrtBc2 = biasCorrection ? Math.sqrt(1 - beta2 ** t) : 1;
    const results = this.submit('train', batch, batch.targetPositions, batch.targetIds, {
      seed: options.dropoutSeed, lr: options.lr, stepSize, sqrtBc2,
    });
    this.optimizerStep = t;
    const { scalars } = await results;
    return { loss: scalars[0], gradNorm: scalars[1] };
  }

  async lossAndGradients(batch: TargetedBatch, options: GradientOptions = {}): Promise<{ loss: number; gradients: NamedTensors }> {
    const step = { ...NO_STEP, seed: options.dropoutSeed };
    const { scalars, reads: [grads] } = await this.submit('gradients', batch, batch.targetPositions, batch.targetIds, step,
      () => [{ buffer: this.state.grads, floats: this.layout.total }]);
    return { loss: scalars[0], gradients: unpackTensors(this.layout, grads, (p) => p.spec.trainable) };
  }

  async targetLogProbs(batch: TargetedBatch): Promise<Float32Array> {
    const { reads: [rowLoss] } = await this.submit('eval', batch, batch.targetPositions, batch.targetIds, NO_STEP,
      (act) => [{ buffer: act.rowLoss, floats: batch.targetPositions.length }]);
    return rowLoss.map((x) => -x);
  }

  async forward(batch: TokenBatch, options: { attentions?: boolean } = {}): Promise<ForwardOutput> {
    const { batchSize: B, seqLen: T } = batch;
    const rows = B * T;
    // The LM head runs on every position: all rows are "targets" (their ids are irrelevant here).
    const everyRow = Int32Array.from({ length: rows }, (_, i) => i);
    const H = this.config.numHeads;
    const { reads: [logitData, ...probs] } = await this.submit('eval', batch, everyRow, new Int32Array(rows), NO_STEP, (act) => [
      { buffer: act.logits, floats: rows * this.config.vocabSize },
      ...(options.attentions ? act.layers.map((layer) => ({ buffer: layer.probs, floats: B * H * T * T })) : []),
    ]);
    const logits = { shape: [B, T, this.config.vocabSize], data: logitData };
    if (!options.attentions) return { logits };
    return { logits, attentions: probs.map((data) => ({ shape: [B, H, T, T], data })) };
  }

  async readWeights(): Promise<NamedTensors> {
    const [params] = await this.read([{ buffer: this.state.params, floats: this.layout.total }]);
    return unpackTensors(this.layout, params);
  }

  async loadWeights(weights: NamedTensors): Promise<void> {
    upload(this.device, this.state.params, packTensors(this.layout, weights));
  }

  async readOptimizerState(): Promise<OptimizerState> {
    const trainable = (p: { spec: { trainable: boolean } }) => p.spec.trainable;
    // The step count of the updates queued so far, which are exactly the ones this read sees.
    const step = this.optimizerStep;
    const [mData, vData] = await this.read([{ buffer: this.state.m, floats: this.layout.total }, { buffer: this.state.v, floats: this.layout.total }]);
    const m = unpackTensors(this.layout, mData, trainable, '.exp_avg');
    const v = unpackTensors(this.layout, vData, trainable, '.exp_avg_sq');
    return { step, tensors: new Map([...m, ...v]) };
  }

  async loadOptimizerState(state: OptimizerState): Promise<void> {
    const trainable = (p: { spec: { trainable: boolean } }) => p.spec.trainable;
    upload(this.device, this.state.m, packTensors(this.layout, state.tensors, trainable, '.exp_avg'));
    upload(this.device, this.state.v, packTensors(this.layout, state.tensors, trainable, '.exp_avg_sq'));
    this.optimizerStep = state.step;
  }

  dispose(): void {
    this.built?.act.destroy();
    this.built?.program.destroy();
    this.state.destroy();
    this.staging.destroy();
  }

  /**
   * Uploads the batch, encodes the ops of `mode` and copies of the scalars and of `reads` into one command
   * buffer, and submits it, all before returning (it throws synchronously on a bad batch); the promise
   * resolves once the copies are mapped. The queue orders overlapping runs, and every write of a run (batch,
   * uniforms) is a queue operation issued after the previous run's submit, so overlapping runs compute
   * exactly what sequential ones would.
   */
  private submit(
    mode: Mode, batch: TokenBatch, targets: Int32Array, targetIds: Int32Array, step: StepScalars = NO_STEP,
    reads: (act: Activations) => ReadBack[] = () => [],
    encodeTimed?: (encoder: GPUCommandEncoder, shape: RunShape) => void,
  ): Promise<RunResults> {
    const { batchSize: B, seqLen: T } = batch;
    if (T > maxSequenceLength(this.config) || T > ATTENTION_MAX_SEQ) {
      throw new Error(`batch length ${T} exceeds the model's ${maxSequenceLength(this.config)} positions`);
    }
    if (targets.length === 0) throw new Error('the batch has no target positions');
    const built = this.ensureCapacity(B, T, targets.length);
    const packed = packBatch(built.sections, batch, targets, targetIds, this.config.vocabSize);
    upload(this.device, built.act.batchData, packed.data);
    const shape: RunShape = {
      batch: B, seq: T, rows: B * T, targets: targets.length, wordSegments: packed.wordSegments,
      positionSegments: packed.positionSegments, train: step.seed !== undefined, gradients: mode !== 'eval', ...step, seed: step.seed ?? 0,
    };
    const end = mode === 'eval' ? built.forwardEnd : mode === 'gradients' ? built.backwardEnd : built.program.length;
    const encoder = this.device.createCommandEncoder();
    if (mode !== 'eval') encoder.clearBuffer(this.state.grads);
    if (encodeTimed) {
      encodeTimed(encoder, shape);
    } else {
      const pass = encoder.beginComputePass();
      this.lastDispatchCount = built.program.encode(pass, shape, 0, end);
      pass.end();
    }
    // Activations reallocated by a later, larger run are destroyed while this run may still be queued: Dawn
    // keeps a destroyed buffer alive for work already submitted, and this run reads back only through its copies.
    const mapped = this.staging.encodeCopies(encoder, [{ buffer: this.state.scalars, floats: 4 }, ...reads(built.act)]);
    this.device.queue.submit([encoder.finish()]);
    return mapped().then(([scalars, ...rest]) => ({ scalars, reads: rest }));
  }

  private ensureCapacity(batch: number, seq: number, targets: number): Built {
    const cap = this.built?.act.capacity;
    if (this.built && cap && batch <= cap.batch && seq <= cap.seq && targets <= cap.targets) return this.built;
    const next: Capacity = {
      batch: Math.max(batch, cap?.batch ?? 0), seq: Math.max(seq, cap?.seq ?? 0), targets: Math.max(targets, cap?.targets ?? 0),
    };
    this.built?.act.destroy();
    this.built?.program.destroy();
    const sections = batchSections(next.batch * next.seq, next.targets);
    const act = new Activations(this.device, this.config, next, sections);
    const program = new Program(this.device, this.pipelines);
    const ctx = { config: this.config, layout: this.layout, sections, state: this.state, act, program };
    recordForward(ctx);
    const forwardEnd = program.length;
    recordBackward(ctx);
    const backwardEnd = program.length;
    recordOptimizer(ctx, this.options.optimizer);
    program.finalize();
    this.built = { act, program, sections, forwardEnd, backwardEnd };
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
