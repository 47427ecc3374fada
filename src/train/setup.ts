// Everything a run needs before its first step: the run folder (locked), tokenizer, encoded corpus, resumed state.
import { createHash } from 'node:crypto';
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
import { lockRunFolder, type RunLock } from './lock.js';

export interface RunStart {
  runDir: string;
  modelConfig: ModelConfig;
  tokenizer: Tokenizer;
  tokenizerPath: string;
  /** sha256 of the tokenizer file: members of a group must share one tokenizer. */
  tokenizerHash: string;
  sequences: Int32Array[];
  corpusStats: { lines: number; kept: number; droppedTooLong: number };
  /** Present when resuming. */
  resumed?: { step: number; dir: string; weights: NamedTensors; optimizer: OptimizerState; trainer: TrainerState };
  /** Held until the run ends: no other process trains into runDir meanwhile. */
  lock: RunLock;
}

/** Settings a resumed run must keep: they shape the model or its data stream. */
const SHAPING_KEYS = ['preset', ...ATTENTION_FIELDS, 'seed', 'masking'] as const;
/** Files a start writes before its first checkpoint: their presence means the folder holds a run. */
const RUN_FILES = ['config.resolved.json', 'metrics.jsonl', 'argv.txt'];

async function checkResumeMatches(runDir: string, config: TrainConfig): Promise<void> {
  const saved = JSON.parse(await readFile(join(runDir, 'config.resolved.json'), 'utf8')) as Record<string, unknown>;
  for (const key of SHAPING_KEYS) {
    if (saved[key] !== config[key]) {
      throw new UserError(`${runDir} was started with ${key}=${String(saved[key])}, not ${String(config[key])}; drop that flag to resume, or choose another --out`);
    }
  }
}

interface Encoded {
  tokenizer: Tokenizer;
  sequences: Int32Array[];
  corpusStats: RunStart['corpusStats'];
}

/** Shared by the members of a group: they train on one corpus with one tokenizer, encoded once. */
export type EncodingCache = Map<string, Promise<Encoded>>;

async function encodeCorpus(config: TrainConfig, tokenizerPath: string, model: ModelConfig): Promise<Encoded> {
  const tokenizer = await loadTokenizer(tokenizerPath);
  checkTokenizerFits(tokenizer, model, tokenizerPath);
  const lines = await readCorpusLines(config.corpus);
  const utterances = keepUtterances(lines);
  if (utterances.length === 0) throw new UserError(`${config.corpus} has no utterance of 3 or more tokens`);
  const encoded = encodeUtterances(utterances, tokenizer, config.maxLength);
  if (encoded.sequences.length === 0) throw new UserError(`every utterance in ${config.corpus} is longer than ${config.maxLength} tokens`);
  return { tokenizer, sequences: encoded.sequences, corpusStats: { lines: lines.length, kept: encoded.sequences.length, droppedTooLong: encoded.droppedTooLong } };
}

export interface PrepareOptions {
  /** One line on stderr (without the "babyssa: " prefix). */
  log: (line: string) => void;
  encodings?: EncodingCache;
}

/**
 * Opens the run folder for training: locks it, decides between a fresh start and a resume, loads the resumed
 * checkpoint, and encodes the corpus. Nothing is written (no folder made) before every input has been checked.
 * A folder whose earlier start stopped before its first checkpoint is started afresh, with a line saying so.
 */
export async function prepareRun(config: TrainConfig, options: PrepareOptions): Promise<RunStart> {
  const runDir = resolve(config.out || join('checkpoints', defaultRunName(config)));
  let lock = (await pathExists(runDir)) ? await lockRunFolder(runDir, options.log) : undefined;
  try {
    const steps = await listCheckpointSteps(runDir);
    const started = (await Promise.all(RUN_FILES.map((f) => pathExists(join(runDir, f))))).some(Boolean);
    let resumed: RunStart['resumed'];
    let tokenizerPath = config.tokenizer;
    if (config.resume && steps.length > 0) {
      await checkResumeMatches(runDir, config);
      const dir = join(runDir, stepDirName(steps[steps.length - 1]));
      const checkpoint = await loadCheckpoint(dir);
      const { trainer, optimizer } = await loadTrainerState(dir);
      resumed = { step: trainer.step, dir, weights: checkpoint.weights, optimizer, trainer };
      tokenizerPath = checkpoint.tokenizerPath;
    } else if (config.resume && !started) {
      throw new UserError(`--resume: no complete checkpoint in ${runDir}`);
    } else if (steps.length > 0) {
      throw new UserError(`${runDir} already holds a run; pass --resume to continue it, or choose another --out`);
    } else if (started) {
      options.log(`${runDir} holds a run that stopped before its first checkpoint; starting it afresh`);
    }
    if (resumed && resumed.step >= config.steps) {
      throw new UserError(`${runDir} is already at step ${resumed.step}; pass a larger --steps (the run's total) to train further`);
    }
    const modelConfig = modelConfigFor(config);
    const tokenizerHash = createHash('sha256').update(await readFile(tokenizerPath).catch(() => Buffer.alloc(0))).digest('hex');
    const key = JSON.stringify([config.corpus, config.maxLength, tokenizerHash, modelConfig.vocabSize]);
    const encodings = options.encodings ?? new Map();
    if (!encodings.has(key)) encodings.set(key, encodeCorpus(config, tokenizerPath, modelConfig));
    const { tokenizer, sequences, corpusStats } = await encodings.get(key)!;
    if (!lock) {
      await mkdir(runDir, { recursive: true });
      lock = await lockRunFolder(runDir, options.log);
    }
    return { runDir, modelConfig, tokenizer, tokenizerPath, tokenizerHash, sequences, corpusStats, resumed, lock };
  } catch (error) {
    await lock?.release();
    throw error;
  }
}
