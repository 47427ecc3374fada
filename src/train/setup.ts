// Everything a run needs before its first step: the run folder, tokenizer, encoded corpus, starting weights.
import { mkdir, stat } from 'node:fs/promises';
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
import { appendResumeChanges, currentRunConfig, RESUME_CHANGES_FILE, type ConfigChange } from './resume-changes.js';

export interface RunStart {
  runDir: string;
  modelConfig: ModelConfig;
  tokenizer: Tokenizer;
  tokenizerPath: string;
  sequences: Int32Array[];
  corpusStats: { lines: number; kept: number; droppedTooLong: number };
  /** The suite `--probe-every` probes on, already checked against the tokenizer and model; absent when not probing. */
  probeSuite?: Suite;
  /** Present when resuming. */
  resumed?: { step: number; dir: string; weights: NamedTensors; optimizer: OptimizerState; trainer: TrainerState };
}

const sameValue = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * What a resume changes. Identity keys never change; training keys only with --allow-config-change, except
 * from a step-0 checkpoint (an imported model: nothing was trained under the recorded settings) and for
 * `steps`, the run's total, which a resume may extend. Every such change is returned for the record.
 */
async function resumeChanges(runDir: string, config: TrainConfig, step: number): Promise<ConfigChange[]> {
  const saved = await currentRunConfig(runDir);
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

export async function prepareRun(config: TrainConfig): Promise<RunStart> {
  const runDir = resolve(config.out || join('checkpoints', defaultRunName(config)));
  const info = await stat(runDir).catch(() => null);
  if (info && !info.isDirectory()) throw new UserError(`--out ${runDir} is a file, not a run folder; choose another --out`);
  const steps = await listCheckpointSteps(runDir);
  let resumed: RunStart['resumed'];
  let changes: ConfigChange[] = [];
  let tokenizerPath = config.tokenizer;
  if (config.resume) {
    if (steps.length === 0) throw new UserError(`--resume: no complete checkpoint in ${runDir}`);
    const dir = join(runDir, stepDirName(steps[steps.length - 1]));
    const { trainer, optimizer } = await loadTrainerState(dir);
    changes = await resumeChanges(runDir, config, trainer.step);
    const checkpoint = await loadCheckpoint(dir);
    resumed = { step: trainer.step, dir, weights: checkpoint.weights, optimizer, trainer };
    // The run's own tokenizer unless --tokenizer changed it knowingly.
    if (!changes.some((change) => change.key === 'tokenizer')) tokenizerPath = checkpoint.tokenizerPath;
  } else if (steps.length > 0 || (await pathExists(join(runDir, 'config.resolved.json')))) {
    throw new UserError(`${runDir} already holds a run; pass --resume to continue it, or choose another --out`);
  }
  if (resumed && resumed.step >= config.steps) {
    throw new UserError(`${runDir} is already at step ${resumed.step}; pass a larger --steps (the run's total) to train further`);
  }
  const modelConfig = modelConfigFor(config);
  const tokenizer = await loadTokenizer(tokenizerPath);
  checkTokenizerFits(tokenizer, modelConfig, tokenizerPath);
  const probeSuite = config.probeEvery > 0 ? await readProbeSuite(config, tokenizer, tokenizerPath, modelConfig) : undefined;
  const lines = await readCorpusLines(config.corpus);
  const utterances = keepUtterances(lines);
  if (utterances.length === 0) throw new UserError(`${config.corpus} has no utterance of 3 or more tokens`);
  const encoded = encodeUtterances(utterances, tokenizer, config.maxLength);
  if (encoded.sequences.length === 0) throw new UserError(`every utterance in ${config.corpus} is longer than ${config.maxLength} tokens`);
  await mkdir(runDir, { recursive: true });
  await appendResumeChanges(runDir, changes);
  return {
    runDir,
    modelConfig,
    tokenizer,
    tokenizerPath,
    sequences: encoded.sequences,
    corpusStats: { lines: lines.length, kept: encoded.sequences.length, droppedTooLong: encoded.droppedTooLong },
    probeSuite,
    resumed,
  };
}
