// One run of a training group: everything that is its own (random stream, batch stream, metrics, divergence
// watch, checkpoints, stop record) and the files it writes — exactly the run folder a lone `pretrain` writes.
// A member that fails (NaN, a bug, a full disk) stops alone: its reason goes to stopped.json and the group goes on.
import { appendFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { dropoutKey } from '../core/dropout.js';
import { UserError } from '../core/errors.js';
import { pinnedGpu, type PinnedGpu } from '../core/gpu-pin.js';
import type { TrainConfig } from '../config/schema.js';
import type { NamedTensors } from '../core/tensors.js';
import type { Engine, MemberStep, StepResult } from '../engine/types.js';
import { writeFileAtomic } from '../core/files.js';
import { listCheckpointSteps, saveCheckpoint, stepDirName } from '../io/checkpoint.js';
import { initWeights } from '../model/init.js';
import { MaskedBatchStream } from './batches.js';
import { DivergenceWatch } from './divergence.js';
import { appendMetrics, MetricsWindow, truncateMetrics } from './metrics.js';
import { pruneCheckpoints } from './retention.js';
import { streamFromSeed, streamFromState, type RandomStream } from '../core/random.js';
import type { RunStart } from './setup.js';
import { clearStopRecord, writeStopRecord, type StopRecord } from './stop-record.js';

/** The GPU this process was pinned to (sweep --gpus, a Slurm task), on a GPU backend and only when pinned. */
function pinnedGpuRecord(engine: Engine): { gpu?: PinnedGpu } {
  const gpu = engine.backend === 'webgpu' || engine.backend === 'tensorflow' ? pinnedGpu() : null;
  return gpu ? { gpu } : {};
}

/** Whether every value of every tensor is finite: a checkpoint is good only then. */
function allFinite(tensors: NamedTensors): boolean {
  for (const tensor of tensors.values()) {
    const data = tensor.data;
    for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) return false;
  }
  return true;
}

export class MemberRun {
  readonly runDir: string;
  readonly name: string;
  readonly stream: MaskedBatchStream;
  step: number;
  tokensSeen: number;
  /** Newest good checkpoint: finite weights and optimizer state, and no non-finite loss from them; a stop names it. */
  lastSaved: string | undefined;
  firstLoss = NaN;
  lastLoss = NaN;
  lastMeanLoss = NaN;
  stop: StopRecord | null = null;
  /** What stopped the member, for a lone run to rethrow. */
  failure: Error | undefined;
  private readonly random: RandomStream;
  private readonly window = new MetricsWindow();
  private readonly divergence: DivergenceWatch;
  private readonly metricsPath: string;
  private readonly elapsedBefore: number;
  private lastLr = 0;
  /** When this invocation's training began (performance.now()), set by the loop once the engine is ready. */
  began = performance.now();

  constructor(
    readonly config: TrainConfig,
    readonly start: RunStart,
    private readonly log: (line: string) => void,
  ) {
    const { resumed, modelConfig } = start;
    this.runDir = start.runDir;
    this.name = basename(start.runDir);
    this.random = resumed ? streamFromState(resumed.trainer.rngState) : streamFromSeed(config.seed);
    const masking = { scheme: config.masking, probability: config.maskProbability, maxPatterns: config.maxMaskPatterns, vocabSize: modelConfig.vocabSize };
    this.stream = new MaskedBatchStream(start.sequences, masking, config.seed, resumed?.trainer.dataCursor);
    this.step = resumed?.step ?? 0;
    this.tokensSeen = resumed?.trainer.tokensSeen ?? 0;
    this.lastSaved = resumed?.dir;
    this.elapsedBefore = resumed?.trainer.elapsedS ?? 0;
    this.divergence = new DivergenceWatch(modelConfig.vocabSize, resumed?.trainer.divergence, this.step);
    this.metricsPath = join(this.runDir, 'metrics.jsonl');
  }

  /** The starting weights: the checkpoint's, or drawn from the run's stream (first, before any batch). */
  initialWeights(): NamedTensors {
    return this.start.resumed?.weights ?? initWeights(this.start.modelConfig, () => this.random.next());
  }

  get active(): boolean {
    return this.stop === null;
  }

  get divergedAt(): number | null {
    return this.divergence.divergedAt;
  }

  elapsed(): number {
    return this.elapsedBefore + (performance.now() - this.began) / 1000;
  }

  /** Writes what a start writes: the resolved config and empty metrics (fresh), or metrics cut back to the step (resumed). */
  async begin(argv: readonly string[]): Promise<void> {
    await clearStopRecord(this.runDir);
    if (this.start.resumed) {
      await truncateMetrics(this.metricsPath, this.step);
    } else {
      await writeFileAtomic(join(this.runDir, 'config.resolved.json'), JSON.stringify({ ...this.config, out: this.runDir }, null, 2) + '\n');
      await writeFile(this.metricsPath, '');
    }
    await appendFile(join(this.runDir, 'argv.txt'), argv.map((a) => (/\s/.test(a) ? JSON.stringify(a) : a)).join(' ') + '\n');
  }

  /** Draws step `number`'s batch from the member's own stream; its dropout key is a function of seed and step (no draw). */
  draw(number: number, lr: number): { step: MemberStep; tokens: number } {
    const batch = this.stream.next(this.config.batchSize, this.random);
    const dropoutSeed = dropoutKey(this.config.seed, number);
    return { step: { batch, options: { lr, dropoutSeed } }, tokens: batch.attentionMask.reduce((sum, m) => sum + m, 0) };
  }

  /** Records a finished step: NaN check (which stops the member), divergence watch, metrics. */
  async record(number: number, lr: number, tokens: number, result: StepResult): Promise<void> {
    if (!Number.isFinite(result.loss) || !Number.isFinite(result.gradNorm)) {
      const what = Number.isFinite(result.loss) ? `the gradient norm became ${result.gradNorm}` : `loss became ${result.loss}`;
      const setAside = await this.setAsideCheckpoint(number - 1);
      await this.stopOn('non-finite', number, `${what} at step ${number}; training stopped${setAside}`);
      return;
    }
    this.step = number;
    this.tokensSeen += tokens;
    this.lastLoss = result.loss;
    this.lastLr = lr;
    this.window.add(result.loss, result.gradNorm, tokens);
    if (this.divergence.add(number, result.loss)) this.log(this.divergence.warning(this.name, number, result.loss));
    if (number % this.config.logEvery === 0 || number === this.config.steps) await this.flushMetrics();
  }

  /** Writes the metrics of the steps since the last line, if any. */
  async flushMetrics(lr = this.lastLr): Promise<void> {
    if (this.window.empty) return;
    const line = this.window.flush(this.step, lr, this.elapsed(), this.divergence.diverged);
    if (Number.isNaN(this.firstLoss)) this.firstLoss = line.loss;
    this.lastMeanLoss = line.loss;
    await appendMetrics(this.metricsPath, line);
  }

  /**
   * Saves step-<step>/ from the member's engine, unless its weights or optimizer state hold a NaN or Infinity
   * (then the member stops and the last good checkpoint stays the newest); then drops the checkpoints the
   * retention policy does not keep. `group`: the members trained with this one, for the trainer state.
   */
  async save(engine: Engine, group: string[] | undefined): Promise<void> {
    const weights = await engine.readWeights();
    const optimizer = await engine.readOptimizerState();
    if (!allFinite(weights) || !allFinite(optimizer.tensors)) {
      await this.stopOn('non-finite', this.step, `weights became non-finite by step ${this.step} (not saved); training stopped`);
      return;
    }
    this.lastSaved = await saveCheckpoint(this.runDir, {
      step: this.step, config: this.start.modelConfig, weights, optimizer,
      trainer: {
        step: this.step, rngState: this.random.state(), dataCursor: this.stream.cursor, elapsedS: this.elapsed(), tokensSeen: this.tokensSeen,
        device: { engine: engine.kind, backend: engine.backend, adapter: engine.adapterName ?? null, ...pinnedGpuRecord(engine) },
        divergence: this.divergence.snapshot(),
        ...(group ? { group } : {}),
      },
      // A resumed run's start.tokenizerPath lies in the checkpoint it resumed from, which retention may have
      // deleted since; the newest checkpoint always holds the same file.
      tokenizerPath: this.lastSaved ? join(this.lastSaved, 'tokenizer.json') : this.start.tokenizerPath,
    });
    await pruneCheckpoints(this.runDir, this.config.keepLast, this.config.keepSteps);
  }

  /**
   * A checkpoint at the step before a non-finite loss holds the very weights that gave it (finite, but ≈ 1e15
   * after one step at --lr 1e15): renamed to step-<N>.diverged, so neither --resume nor probing takes it and the
   * last good checkpoint is the newest one left. Returns the clause that says so, or ''.
   */
  private async setAsideCheckpoint(step: number): Promise<string> {
    const dir = join(this.runDir, stepDirName(step));
    if (this.lastSaved !== dir) return '';
    const aside = `${dir}.diverged`;
    await rm(aside, { recursive: true, force: true });
    await rename(dir, aside);
    const steps = await listCheckpointSteps(this.runDir);
    this.lastSaved = steps.length > 0 ? join(this.runDir, stepDirName(steps[steps.length - 1])) : undefined;
    return ` (its weights came from ${stepDirName(step)}, now set aside as ${basename(aside)})`;
  }

  /** Stops the member on an error of its own (a bug, or a user mistake such as a missing probe suite). */
  async fail(error: unknown, step: number): Promise<void> {
    const failure = error instanceof Error ? error : new Error(String(error));
    await this.stopOn('error', step, failure instanceof UserError ? failure.message : `internal error (a bug): ${failure.message}`, failure);
  }

  private async stopOn(reason: StopRecord['reason'], step: number, what: string, failure?: Error): Promise<void> {
    await this.flushMetrics().catch(() => undefined);
    const message = `${what}. Last good checkpoint: ${this.lastSaved ?? 'none'}`;
    this.stop = await writeStopRecord(this.runDir, { reason, step, message: reason === 'error' ? what : message, last_good_checkpoint: this.lastSaved ?? null });
    this.failure = failure ?? new UserError(message);
  }
}
