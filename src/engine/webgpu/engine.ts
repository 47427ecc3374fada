// The fused WebGPU engine: the Engine interface on hand-written WGSL kernels. A training step (forward,
// backward, clip, AdamW) is one command buffer with one submit; the only read-back is loss and gradient norm.
import { headDim, maxSequenceLength, type ModelConfig } from '../../model/config.js';
import type {
  Engine, ForwardOutput, NamedTensors, OptimizerSettings, OptimizerState, StepOptions, StepResult, TargetedBatch, TokenBatch,
} from '../types.js';
import { requestWebGpu } from '../webgpu-runtime.js';
import { Activations, ParameterBuffers, upload, type Capacity } from './activations.js';
import { batchSections, packBatch } from './batch.js';
import { ATTENTION_MAX_HEAD_DIM, ATTENTION_MAX_SEQ } from './kernels/attention.wgsl.js';
import { packLayout, packTensors, unpackTensors, type ParamLayout } from './layout.js';
import { recordBackward, recordOptimizer } from './plan-backward.js';
import { recordForward } from './plan-forward.js';
import { compilePipelines, Program, type Pipelines, type RunShape } from './program.js';

export interface FusedEngineOptions {
  config: ModelConfig;
  optimizer: OptimizerSettings;
  weights: NamedTensors;
  /** Initial activation capacity; a larger batch later reallocates. */
  maxBatch?: number;
  maxSeq?: number;
}

type Mode = 'eval' | 'gradients' | 'train';

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
  const pipelines = await compilePipelines(gpu.device);
  const engine = new FusedEngine(gpu.device, gpu.adapterName, pipelines, options);
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
  private optimizerStep = 0;

  constructor(
    private readonly device: GPUDevice, readonly adapterName: string, private readonly pipelines: Pipelines,
    private readonly options: FusedEngineOptions,
  ) {
    this.config = options.config;
    this.layout = packLayout(options.config);
    this.state = new ParameterBuffers(device, this.layout);
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
    await this.run('train', batch, batch.targetPositions, batch.targetIds, { seed: options.dropoutSeed, lr: options.lr, stepSize: options.lr, sqrtBc2: 1 }, (encoder, shape) => {
      kernels = built.program.encodeTimed(encoder, querySet, shape, 0, built.program.length);
      encoder.resolveQuerySet(querySet, 0, 2 * kernels.length, resolved, 0);
    });
    const times = new BigUint64Array((await this.read(resolved, 0, 4 * kernels.length)).buffer);
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
    const scalars = await this.run('train', batch, batch.targetPositions, batch.targetIds, {
      seed: options.dropoutSeed, lr: options.lr, stepSize, sqrtBc2,
    });
    this.optimizerStep = t;
    return { loss: scalars[0], gradNorm: scalars[1] };
  }

  async lossAndGradients(batch: TargetedBatch): Promise<{ loss: number; gradients: NamedTensors }> {
    const scalars = await this.run('gradients', batch, batch.targetPositions, batch.targetIds);
    const grads = await this.read(this.state.grads, 0, this.layout.total);
    return { loss: scalars[0], gradients: unpackTensors(this.layout, grads, (p) => p.spec.trainable) };
  }

  async targetLogProbs(batch: TargetedBatch): Promise<Float32Array> {
    await this.run('eval', batch, batch.targetPositions, batch.targetIds);
    const rowLoss = await this.read(this.built!.act.rowLoss, 0, batch.targetPositions.length);
    return rowLoss.map((x) => -x);
  }

  async forward(batch: TokenBatch, options: { attentions?: boolean } = {}): Promise<ForwardOutput> {
    const { batchSize: B, seqLen: T } = batch;
    const rows = B * T;
    // The LM head runs on every position: all rows are "targets" (their ids are irrelevant here).
    const everyRow = Int32Array.from({ length: rows }, (_, i) => i);
    await this.run('eval', batch, everyRow, new Int32Array(rows));
    const act = this.built!.act;
    const logits = { shape: [B, T, this.config.vocabSize], data: await this.read(act.logits, 0, rows * this.config.vocabSize) };
    if (!options.attentions) return { logits };
    const H = this.config.numHeads;
    const attentions = await Promise.all(
      act.layers.map(async (layer) => ({ shape: [B, H, T, T], data: await this.read(layer.probs, 0, B * H * T * T) })),
    );
    return { logits, attentions };
  }

  async readWeights(): Promise<NamedTensors> {
    return unpackTensors(this.layout, await this.read(this.state.params, 0, this.layout.total));
  }

  async loadWeights(weights: NamedTensors): Promise<void> {
    upload(this.device, this.state.params, packTensors(this.layout, weights));
  }

  async readOptimizerState(): Promise<OptimizerState> {
    const trainable = (p: { spec: { trainable: boolean } }) => p.spec.trainable;
    const m = unpackTensors(this.layout, await this.read(this.state.m, 0, this.layout.total), trainable, '.exp_avg');
    const v = unpackTensors(this.layout, await this.read(this.state.v, 0, this.layout.total), trainable, '.exp_avg_sq');
    return { step: this.optimizerStep, tensors: new Map([...m, ...v]) };
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
  }

  /** Uploads the batch, encodes the ops of `mode` into one command buffer, submits, returns scalars. */
  private async run(
    mode: Mode, batch: TokenBatch, targets: Int32Array, targetIds: Int32Array,
    step: { seed: number; lr: number; stepSize: number; sqrtBc2: number } = { seed: 0, lr: 0, stepSize: 0, sqrtBc2: 1 },
    encodeTimed?: (encoder: GPUCommandEncoder, shape: RunShape) => void,
  ): Promise<Float32Array> {
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
      positionSegments: packed.positionSegments, train: mode === 'train', gradients: mode !== 'eval', ...step,
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
    const staging = this.device.createBuffer({ size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    encoder.copyBufferToBuffer(this.state.scalars, 0, staging, 0, 16);
    this.device.queue.submit([encoder.finish()]);
    await staging.mapAsync(GPUMapMode.READ);
    const scalars = new Float32Array(staging.getMappedRange().slice(0));
    staging.destroy();
    return scalars;
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

  private async read(buffer: GPUBuffer, offset: number, floats: number): Promise<Float32Array> {
    const bytes = floats * 4;
    const staging = this.device.createBuffer({ size: Math.max(16, bytes), usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    const encoder = this.device.createCommandEncoder();
    encoder.copyBufferToBuffer(buffer, offset * 4, staging, 0, bytes);
    this.device.queue.submit([encoder.finish()]);
    await staging.mapAsync(GPUMapMode.READ);
    const data = new Float32Array(staging.getMappedRange(0, bytes).slice(0));
    staging.destroy();
    return data;
  }
}
