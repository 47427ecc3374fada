// Everything a run needs before its first step: the run folder, tokenizer, encoded corpus, starting weights.
import { mkdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { UserError } from '../core/errors.js';
import { defaultRunName, modelConfigFor } from '../config/resolve.js';
import type { TrainConfig } from '../config/schema.js';
import { keepUtterances, readCorpusLines } from '../data/corpus.js';
import { encodeUtterances } from '../data/sequences.js';
import { listCheckpointSteps, loadCheckpoint, loadTrainerState, stepDirName, type TrainerState } from '../io/checkpoint.js';
import type { NamedTensors, OptimizerState } from '../core/tensors.js';
import { ATTENTION_FIELDS } from '../model/attention.js';
import type { ModelConfig } from '../model/config.js';
import { checkTokenizerFits, loadTokenizer } from '../tokenizer/load.js';
import type { Tokenizer } from '../tokenizer/types.js';
import { pathExists } from '../core/files.js';

export interface RunStart {
  runDir: string;
  modelConfig: ModelConfig;
  tokenizer: Tokenizer;
  tokenizerPath: string;
  sequences: Int32Array[];
  corpusStats: { lines: number; kept: number; droppedTooLong: number };
  /** Present when resuming. */
  resumed?: { step: number; dir: string; weights: NamedTensors; optimizer: OptimizerState; trainer: TrainerState };
}

/** Settings a resumed run must keep: they shape the model or its data stream. */
const SHAPING_KEYS = ['preset', ...ATTENTION_FIELDS, 'seed', 'masking'] as const;

async function checkResumeMatches(runDir: string, config: TrainConfig): Promise<void> {
  const saved = JSON.parse(await readFile(join(runDir, 'config.resolved.json'), 'utf8')) as Record<string, unknown>;
  for (const key of SHAPING_KEYS) {
    if (saved[key] !== config[key]) {
      throw new UserError(`${runDir} was started with ${key}=${String(saved[key])}, not ${String(config[key])}; drop that flag to resume, or choose another --out`);
    }
  }
}

export async function prepareRun(config: TrainConfig): Promise<RunStart> {
  const runDir = resolve(config.out || join('checkpoints', defaultRunName(config)));
  const steps = await listCheckpointSteps(runDir);
  let resumed: RunStart['resumed'];
  let tokenizerPath = config.tokenizer;
  if (config.resume) {
    if (steps.length === 0) throw new UserError(`--resume: no complete checkpoint in ${runDir}`);
    await checkResumeMatches(runDir, config);
    const dir = join(runDir, stepDirName(steps[steps.length - 1]));
    const checkpoint = await loadCheckpoint(dir);
    const { trainer, optimizer } = await loadTrainerState(dir);
    resumed = { step: trainer.step, dir, weights: checkpoint.weights, optimizer, trainer };
    tokenizerPath = checkpoint.tokenizerPath;
  } else if (steps.length > 0 || (await pathExists(join(runDir, 'config.resolved.json')))) {
    throw new UserError(`${runDir} already holds a run; pass --resume to continue it, or choose another --out`);
  }
  if (resumed && resumed.step >= config.steps) {
    throw new UserError(`${runDir} is already at step ${resumed.step}; pass a larger --steps (the run's total) to train further`);
  }
  const modelConfig = modelConfigFor(config);
  const tokenizer = await loadTokenizer(tokenizerPath);
  checkTokenizerFits(tokenizer, modelConfig, tokenizerPath);
  const lines = await readCorpusLines(config.corpus);
  const utterances = keepUtterances(lines);
  if (utterances.length === 0) throw new UserError(`${config.corpus} has no utterance of 3 or more tokens`);
  const encoded = encodeUtterances(utterances, tokenizer, config.maxLength);
  if (encoded.sequences.length === 0) throw new UserError(`every utterance in ${config.corpus} is longer than ${config.maxLength} tokens`);
  await mkdir(runDir, { recursive: true });
  return {
    runDir,
    modelConfig,
    tokenizer,
    tokenizerPath,
    sequences: encoded.sequences,
    corpusStats: { lines: lines.length, kept: encoded.sequences.length, droppedTooLong: encoded.droppedTooLong },
    resumed,
  };
}

