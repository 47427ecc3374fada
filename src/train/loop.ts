// The pretraining loop: batches from the masked stream, lr from the schedule, one engine step each, metrics,
// checkpoints, and clean stops (SIGINT, --max-minutes, NaN loss) that never leave a half-written checkpoint.
import { appendFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { UserError } from '../cli/errors.js';
import type { TrainConfig } from '../config/schema.js';
import { createEngine } from '../engine/index.js';
import type { Engine } from '../engine/types.js';
import { writeFileAtomic } from '../io/atomic.js';
import { saveCheckpoint, stepDirName } from '../io/checkpoint.js';
import { initWeights } from '../model/init.js';
import { countParameters } from '../model/params.js';
import { MaskedBatchStream } from './batches.js';
import { appendMetrics, MetricsWindow, truncateMetrics } from './metrics.js';
import { TrainingProgress } from './progress.js';
import { streamFromSeed, streamFromState } from './rng.js';
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
  try {
    while (step < config.steps) {
      const batch = stream.next(config.batchSize, random);
      const lr = learningRate(step + 1, config.lr, config.warmupSteps, config.steps);
      const dropoutSeed = random.int(2 ** 31);
      const result = await engine.trainStep(batch, { lr, dropoutSeed });
      if (!Number.isFinite(result.loss) || !Number.isFinite(result.gradNorm)) {
        throw new UserError(`loss became ${result.loss} at step ${step + 1}; training stopped. Last good checkpoint: ${lastSaved ?? 'none (none was saved yet)'}`);
      }
      step++;
      const tokens = batch.attentionMask.reduce((sum, m) => sum + m, 0);
      tokensSeen += tokens;
      window.add(result.loss, result.gradNorm, tokens);
      lastLoss = result.loss;
      progress.update(step, result.loss, lr, tokensSeen);
      if (step % config.logEvery === 0 || step === config.steps) {
        const line = window.flush(step, lr, elapsed());
        if (Number.isNaN(firstLoss)) firstLoss = line.loss;
        lastMeanLoss = line.loss;
        await appendMetrics(metricsPath, line);
      }
      const timeUp = config.maxMinutes > 0 && (performance.now() - began) / 60_000 >= config.maxMinutes;
      if (interrupted || step === options.interruptAfterStep || timeUp) {
        stoppedBy = timeUp ? 'time' : 'interrupt';
        break;
      }
      if (config.saveEvery > 0 && step % config.saveEvery === 0 && step < config.steps) await save();
      if (probe && config.probeEvery > 0 && step % config.probeEvery === 0 && step < config.steps) await probe(step, engine, start);
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
    progress.stop();
    process.off('SIGINT', onSigint);
    engine.dispose();
  }
}
