// Everything a run needs before its first step: the run folder (locked), tokenizer, encoded corpus, resumed state.
import { createHash } from 'node:crypto';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { UserError } from '../core/errors.js';
import { defaultRunName, modelConfigFor } from '../config/resolve.js';
import { IDENTITY_KEYS, TRAINING_KEYS } from '../config/run-keys.js';
import type { TrainConfig } from '../config/schema.js';
import { keepUtterances, readCorpusLines } from '../data/corpus.js';
import { encodeUtterances } from '../data/sequences.js';
import { listCheckpointSteps, loadCheckpoint, loadTrainerState, stepDirName, type TrainerState } from '../io/checkpoint.js';
import type { NamedTensors, OptimizerState } from '../core/tensors.js';
import { maxSequenceLength, type ModelConfig } from '../model/config.js';
import { checkSuiteFits, checkSuiteTokenizer } from '../probe/suite-fit.js';
import { readSuite } from '../probe/suite.js';
import type { Suite } from '../probe/types.js';
import { checkTokenizerFits, loadTokenizer } from '../tokenizer/load.js';
import type { Tokenizer } from '../tokenizer/types.js';
import { pathExists } from '../core/files.js';
import { lockRunFolder, type RunLock } from './lock.js';
import { appendResumeChanges, currentRunConfig, RESUME_CHANGES_FILE, type ConfigChange } from './resume-changes.js';

export interface RunStart {
  runDir: string;
  modelConfig: ModelConfig;
  tokenizer: Tokenizer;
  tokenizerPath: string;
  /** sha256 of the tokenizer file: members of a group must share one tokenizer. */
  tokenizerHash: string;
  sequences: Int32Array[];
  corpusStats: { lines: number; kept: number; droppedTooLong: number };
  /** The suite `--probe-every` probes on, already checked against the tokenizer and model; absent when not probing. */
  probeSuite?: Suite;
  /** Present when resuming. */
  resumed?: { step: number; dir: string; weights: NamedTensors; optimizer: OptimizerState; trainer: TrainerState };
  /** Held until the run ends: no other process trains into runDir meanwhile. */
  lock: RunLock;
}

/** Files a start writes before its first checkpoint: their presence means the folder holds a run. */
const RUN_FILES = ['config.resolved.json', 'metrics.jsonl', 'argv.txt'];

const sameValue = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * What a resume changes. Identity keys never change; training keys only with --allow-config-change, except
 * from a step-0 checkpoint (an imported model: nothing was trained under the recorded settings) and for
 * `steps`, the run's total, which a resume may extend. Every such change is returned for the record.
 */
function resumeChanges(runDir: string, config: TrainConfig, step: number): ConfigChange[] {
  const saved = currentRunConfig(runDir);
  if (!saved) throw new UserError(`${runDir} has checkpoints but no config.resolved.json; it cannot be resumed as a run`);
  for (const key of IDENTITY_KEYS) {
    if (!sameValue(saved[key], config[key])) {
      throw new UserError(`${runDir} was started with ${key}=${String(saved[key])}, not ${String(config[key])}; drop that flag to resume, or choose another --out`);
    }
  }
  // A key the run's record lacks (written by an older babyssa) was trained with that version's default: not compared.
  const changes = TRAINING_KEYS.filter((key) => key in saved && !sameValue(saved[key], config[key])).map((key) => ({ step, key, from: saved[key], to: config[key] }));
  const refused = changes.find((change) => change.key !== 'steps' && step > 0 && !config.allowConfigChange);
  if (refused) {
    throw new UserError(
      `${runDir} was trained with ${refused.key}=${String(refused.from)}, not ${String(refused.to)}; drop that flag to resume as it was, ` +
        `or pass --allow-config-change to change it knowingly (recorded in ${RESUME_CHANGES_FILE})`,
    );
  }
  return changes;
}

/** The suite a probing run will use, read and checked against its tokenizer and model now rather than at the first probe. */
async function readProbeSuite(config: TrainConfig, tokenizer: Tokenizer, tokenizerPath: string, modelConfig: ModelConfig): Promise<Suite> {
  const suite = await readSuite(config.probeSuite);
  checkSuiteTokenizer(suite, tokenizer.json, tokenizerPath);
  checkSuiteFits(suite, tokenizer, maxSequenceLength(modelConfig));
  return suite;
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
  if ((await stat(runDir).catch(() => null))?.isFile()) throw new UserError(`--out ${runDir} is a file, not a run folder; choose another --out`);
  let lock = (await pathExists(runDir)) ? await lockRunFolder(runDir, options.log) : undefined;
  try {
    const steps = await listCheckpointSteps(runDir);
    const started = (await Promise.all(RUN_FILES.map((f) => pathExists(join(runDir, f))))).some(Boolean);
    let resumed: RunStart['resumed'];
    let changes: ConfigChange[] = [];
    let tokenizerPath = config.tokenizer;
    if (config.resume && steps.length > 0) {
      const dir = join(runDir, stepDirName(steps[steps.length - 1]));
      const { trainer, optimizer } = await loadTrainerState(dir);
      changes = resumeChanges(runDir, config, trainer.step);
      const checkpoint = await loadCheckpoint(dir);
      resumed = { step: trainer.step, dir, weights: checkpoint.weights, optimizer, trainer };
      // The run's own tokenizer unless --tokenizer changed it knowingly.
      if (!changes.some((change) => change.key === 'tokenizer')) tokenizerPath = checkpoint.tokenizerPath;
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
    const probeSuite = config.probeEvery > 0 ? await readProbeSuite(config, tokenizer, tokenizerPath, modelConfig) : undefined;
    if (!lock) {
      await mkdir(runDir, { recursive: true });
      lock = await lockRunFolder(runDir, options.log);
    }
    await appendResumeChanges(runDir, changes);
    return { runDir, modelConfig, tokenizer, tokenizerPath, tokenizerHash, sequences, corpusStats, probeSuite, resumed, lock };
  } catch (error) {
    await lock?.release();
    throw error;
  }
}
