// The pretraining loop: batches from the masked stream, lr from the schedule, one engine step each, metrics,
// checkpoints, and clean stops (SIGINT, --max-minutes, NaN loss) that never leave a half-written checkpoint.
// One step stays in flight: step N+1 is submitted before step N's loss is awaited, so the engine never idles
// while JavaScript reads a loss. Batches are still drawn in step order, and the loop drains (submits
// nothing ahead) at every step it saves, probes or is told to stop after, so checkpoints see exactly their step.
import { appendFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { UserError } from '../core/errors.js';
import { dropoutKey } from '../core/dropout.js';
import type { TrainConfig } from '../config/schema.js';
import { createEngine } from '../engine/index.js';
import type { Engine, StepResult } from '../engine/types.js';
import { writeFileAtomic } from '../core/files.js';
import { saveCheckpoint, stepDirName } from '../io/checkpoint.js';
import { initWeights } from '../model/init.js';
import { countParameters } from '../model/params.js';
import { MaskedBatchStream } from './batches.js';
import { appendMetrics, MetricsWindow, truncateMetrics } from './metrics.js';
import { TrainingProgress } from './progress.js';
import { streamFromSeed, streamFromState } from '../core/random.js';
import { learningRate } from './schedule.js';
import { prepareRun, type RunStart } from './setup.js';

export interface PretrainResult {
  runDir: string;
  step: number;
  /** Mean loss of the first and last metrics intervals of this invocation. */
  firstLoss: number;
  lastMeanLoss: number;
  /** Loss of the very last step. */
  lastLoss: number;
  checkpointDir: string;
  stoppedBy: 'done' | 'interrupt' | 'time';
  engine: { kind: string; backend: string; adapter?: string };
}

/** A submitted training step whose result is not read yet. */
interface InFlightStep {
  number: number;
  lr: number;
  tokens: number;
  result: Promise<StepResult>;
}

/** Probing during training: called every `config.probeEvery` steps and after the last step. */
export type ProbeHook = (step: number, engine: Engine, start: RunStart) => Promise<void>;

export interface PretrainOptions {
  /** The command line, recorded in argv.txt. */
  argv: string[];
  probe?: ProbeHook;
  /** Stop as an interrupt would after this step (tests of resume use it). */
  interruptAfterStep?: number;
}

export async function pretrain(config: TrainConfig, options: PretrainOptions): Promise<PretrainResult> {
  const { argv, probe } = options;
  const start = await prepareRun(config);
  const { runDir, modelConfig, resumed } = start;
  const random = resumed ? streamFromState(resumed.trainer.rngState) : streamFromSeed(config.seed);
  const weights = resumed?.weights ?? initWeights(modelConfig, () => random.next());
  const optimizer = {
    beta1: config.beta1, beta2: config.beta2, eps: config.eps, weightDecay: config.weightDecay,
    biasCorrection: config.biasCorrection, clipNorm: config.clipNorm,
  };
  const engine = await createEngine({ config: modelConfig, engine: config.engine, backend: config.backend, optimizer, weights });
  if (resumed) await engine.loadOptimizerState(resumed.optimizer);

  const metricsPath = join(runDir, 'metrics.jsonl');
  if (resumed) {
    await truncateMetrics(metricsPath, resumed.step);
  } else {
    await writeFileAtomic(join(runDir, 'config.resolved.json'), JSON.stringify({ ...config, out: runDir }, null, 2) + '\n');
    await writeFile(metricsPath, '');
  }
  await appendFile(join(runDir, 'argv.txt'), argv.map((a) => (/\s/.test(a) ? JSON.stringify(a) : a)).join(' ') + '\n');

  const masking = { scheme: config.masking, probability: config.maskProbability, maxPatterns: config.maxMaskPatterns, vocabSize: modelConfig.vocabSize };
  const stream = new MaskedBatchStream(start.sequences, masking, config.seed, resumed?.trainer.dataCursor);
  let step = resumed?.step ?? 0;
  const elapsedBefore = resumed?.trainer.elapsedS ?? 0;
  let tokensSeen = resumed?.trainer.tokensSeen ?? 0;
  let lastSaved = resumed?.dir;
  const began = performance.now();
  const elapsed = () => elapsedBefore + (performance.now() - began) / 1000;

  const save = async (): Promise<string> => {
    const dir = await saveCheckpoint(runDir, {
      step, config: modelConfig, weights: await engine.readWeights(), optimizer: await engine.readOptimizerState(),
      trainer: {
        step, rngState: random.state(), dataCursor: stream.cursor, elapsedS: elapsed(), tokensSeen,
        device: { engine: engine.kind, backend: engine.backend, adapter: engine.adapterName ?? null },
      },
      tokenizerPath: start.tokenizerPath,
    });
    lastSaved = dir;
    return dir;
  };

  let interrupted = false;
  const onSigint = () => { interrupted = true; };
  process.on('SIGINT', onSigint);
  const progress = new TrainingProgress(config.steps, step, {
    params: countParameters(modelConfig), backend: engine.backend, adapter: engine.adapterName, runDir,
    sequences: start.corpusStats.kept, passLength: stream.passLength,
  });
  const window = new MetricsWindow();
  let firstLoss = NaN;
  let lastLoss = NaN;
  let lastMeanLoss = NaN;
  let stoppedBy: PretrainResult['stoppedBy'] = 'done';
  const timeUp = () => config.maxMinutes > 0 && (performance.now() - began) / 60_000 >= config.maxMinutes;
  const saveAt = (n: number) => config.saveEvery > 0 && n % config.saveEvery === 0 && n < config.steps;
  const probeAt = (n: number) => probe !== undefined && config.probeEvery > 0 && n % config.probeEvery === 0 && n < config.steps;
  /** Whether nothing may be submitted after step n until it is finished: the loop ends, saves, probes or stops there. */
  const drainsAfter = (n: number) => n >= config.steps || n === options.interruptAfterStep || saveAt(n) || probeAt(n) || interrupted || timeUp();

  let submitted = step;
  /** Draws step `submitted + 1`'s batch, computes its lr and dropout key (no draw: a function of seed and step), submits it. */
  const submit = (): InFlightStep => {
    const number = ++submitted;
    const batch = stream.next(config.batchSize, random);
    const lr = learningRate(number, config.lr, config.warmupSteps, config.steps);
    const dropoutSeed = dropoutKey(config.seed, number);
    const result = engine.trainStep(batch, { lr, dropoutSeed });
    // Its failure surfaces where it is awaited; until then (or if an earlier step stops the run) it is not unhandled.
    result.catch(() => undefined);
    return { number, lr, tokens: batch.attentionMask.reduce((sum, m) => sum + m, 0), result };
  };
  /** Reads a step's result and records it: NaN check, metrics, progress. */
  const finish = async (inFlight: InFlightStep): Promise<void> => {
    const result = await inFlight.result;
    if (!Number.isFinite(result.loss) || !Number.isFinite(result.gradNorm)) {
      throw new UserError(`loss became ${result.loss} at step ${inFlight.number}; training stopped. Last good checkpoint: ${lastSaved ?? 'none (none was saved yet)'}`);
    }
    step = inFlight.number;
    tokensSeen += inFlight.tokens;
    window.add(result.loss, result.gradNorm, inFlight.tokens);
    lastLoss = result.loss;
    progress.update(step, result.loss, inFlight.lr, tokensSeen);
    if (step % config.logEvery === 0 || step === config.steps) {
      const line = window.flush(step, inFlight.lr, elapsed());
      if (Number.isNaN(firstLoss)) firstLoss = line.loss;
      lastMeanLoss = line.loss;
      await appendMetrics(metricsPath, line);
    }
  };

  let next: InFlightStep | undefined;
  try {
    while (step < config.steps) {
      // After a drain nothing is queued: this step is submitted now.
      const current = next ?? submit();
      next = drainsAfter(current.number) ? undefined : submit();
      await finish(current);
      const outOfTime = timeUp();
      if (interrupted || step === options.interruptAfterStep || outOfTime) {
        stoppedBy = outOfTime ? 'time' : 'interrupt';
        // A stop that arrived while the next step was already queued takes effect after that step.
        if (next) await finish(next);
        next = undefined;
        break;
      }
      if (saveAt(step)) await save();
      if (probeAt(step)) await probe!(step, engine, start);
    }
    if (!window.empty) {
      const line = window.flush(step, learningRate(step, config.lr, config.warmupSteps, config.steps), elapsed());
      lastMeanLoss = line.loss;
      await appendMetrics(metricsPath, line);
    }
    const checkpointDir = lastSaved && basename(lastSaved) === stepDirName(step) ? lastSaved : await save();
    if (probe && stoppedBy === 'done') await probe(step, engine, start);
    progress.stop();
    return {
      runDir, step, firstLoss, lastMeanLoss, lastLoss, checkpointDir, stoppedBy,
      engine: { kind: engine.kind, backend: engine.backend, adapter: engine.adapterName },
    };
  } finally {
    // A step still queued when the run fails finishes before its buffers are freed.
    if (next) await next.result.catch(() => undefined);
    progress.stop();
    process.off('SIGINT', onSigint);
    engine.dispose();
  }
}
