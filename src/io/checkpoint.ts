// Checkpoint folders: checkpoints/<run>/step-<N>/{model.safetensors, optimizer.safetensors, trainer_state.json,
// config.json, tokenizer.json}. A step folder is written under a temporary name and renamed when whole, so a
// folder named step-<N> is always complete; resume and probing take the highest such step.
import { readdir, readFile, rename, rm, mkdir, stat, copyFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { UserError } from '../core/errors.js';
import type { NamedTensors, OptimizerState } from '../core/tensors.js';
import type { PinnedGpu } from '../core/gpu-pin.js';
import type { ModelConfig } from '../model/config.js';
import { HF_EXTRAS, HF_NAMES, paramSpecs, ssaWeightsProblem } from '../model/params.js';
import { writeFileAtomic, pathExists } from '../core/files.js';
import { hfConfigFromModel, modelConfigFromHf } from './hf-config.js';
import { encodeSafetensors, readSafetensors } from './safetensors.js';
import { diskFullError, isDiskFull } from '../core/disk-full.js';

export { hfConfigFromModel, modelConfigFromHf };

export const CHECKPOINT_FILES = ['model.safetensors', 'optimizer.safetensors', 'trainer_state.json', 'config.json', 'tokenizer.json'] as const;

/** What the trainer needs to continue exactly where it stopped. */
export interface TrainerState {
  step: number;
  /** The run's random stream (its alea state, src/core/random.ts). */
  rngState: unknown;
  /** Position in the shuffled, pattern-expanded data. */
  dataCursor: { epoch: number; position: number };
  elapsedS: number;
  tokensSeen: number;
  /** Where this checkpoint was trained: engine, backend, WebGPU adapter, and the GPU it was pinned to (run metadata). */
  device?: { engine: string; backend: string; adapter: string | null; gpu?: PinnedGpu };
  /** The divergence watch (src/train/divergence.ts), so a resumed run flags what the uninterrupted one would. */
  divergence?: { above_since: number | null; diverged_at: number | null };
  /** The members trained in lockstep with this run at this step, as paths relative to this run's folder ('.' is
   * itself); absent for a run trained alone. A group resumes with the same members. */
  group?: string[];
}

export interface LoadedCheckpoint {
  dir: string;
  runDir: string;
  run: string;
  step: number;
  modelConfig: ModelConfig;
  weights: NamedTensors;
  tokenizerPath: string;
  hfConfig: Record<string, unknown>;
}

/** Tensors a checkpoint may carry beside the parameters: HF's alias of the decoder bias and the tied decoder. */
const TOLERATED_EXTRAS = new Set<string>([HF_EXTRAS.decoderBiasAlias, HF_EXTRAS.tiedDecoder, HF_EXTRAS.positionIds]);

export function stepDirName(step: number): string {
  return `step-${step}`;
}

/** Steps with a complete folder in a run folder, ascending. */
export async function listCheckpointSteps(runDir: string): Promise<number[]> {
  let names: string[];
  try {
    names = await readdir(runDir);
  } catch {
    return [];
  }
  const steps: number[] = [];
  for (const name of names) {
    const match = /^step-(\d+)$/.exec(name);
    if (!match) continue;
    const complete = await Promise.all(CHECKPOINT_FILES.map((f) => pathExists(join(runDir, name, f))));
    if (complete.every(Boolean)) steps.push(Number(match[1]));
  }
  return steps.sort((a, b) => a - b);
}

/** Resolves a step folder, a file in one (e.g. its model.safetensors), or a run folder to its latest complete step folder. */
export async function resolveCheckpointDir(path: string): Promise<string> {
  let dir = resolve(path);
  const info = await stat(dir).catch(() => null);
  if (info?.isFile()) {
    dir = dirname(dir);
    if (!(await pathExists(join(dir, 'model.safetensors')))) throw new UserError(`${path} is a file, not in a checkpoint folder; name a step-N or run folder`);
    return dir;
  }
  if (!info?.isDirectory()) throw new UserError(`checkpoint not found: ${path}`);
  if (await pathExists(join(dir, 'model.safetensors'))) return dir;
  const steps = await listCheckpointSteps(dir);
  if (steps.length === 0) throw new UserError(`no complete checkpoint (step-N folder with ${CHECKPOINT_FILES.join(', ')}) in ${path}`);
  return join(dir, stepDirName(steps[steps.length - 1]));
}

/**
 * Checks names and shapes against the model's parameter list, and SSA's n and b against its domain (n ≥ 1,
 * b > 0); returns the parameters in spec order. Every file's weights enter through here.
 */
export function validateWeights(weights: NamedTensors, config: ModelConfig, source: string): NamedTensors {
  const ordered: NamedTensors = new Map();
  for (const spec of paramSpecs(config)) {
    let tensor = weights.get(spec.name);
    if (!tensor && spec.name === HF_NAMES.decoderBias) tensor = weights.get(HF_EXTRAS.decoderBiasAlias);
    if (!tensor) throw new UserError(`${source}: missing tensor ${spec.name}`);
    if (tensor.shape.join(',') !== spec.shape.join(',')) {
      throw new UserError(`${source}: tensor ${spec.name} has shape [${tensor.shape}], expected [${spec.shape}]`);
    }
    ordered.set(spec.name, tensor);
  }
  for (const name of weights.keys()) {
    if (!ordered.has(name) && !TOLERATED_EXTRAS.has(name)) throw new UserError(`${source}: unexpected tensor ${name} for this model config`);
  }
  const problem = ssaWeightsProblem(config, ordered);
  if (problem) throw new UserError(`${source}: ${problem}`);
  return ordered;
}

async function readJson(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new UserError(`cannot read ${path}: no such file`);
  }
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new UserError(`${path} is not valid JSON`);
  }
}

export async function loadCheckpoint(path: string): Promise<LoadedCheckpoint> {
  const dir = await resolveCheckpointDir(path);
  const configPath = join(dir, 'config.json');
  const hfConfig = await readJson(configPath);
  const modelConfig = modelConfigFromHf(hfConfig, configPath);
  const modelPath = join(dir, 'model.safetensors');
  const { tensors } = await readSafetensors(modelPath);
  const weights = validateWeights(tensors, modelConfig, modelPath);
  const tokenizerPath = join(dir, 'tokenizer.json');
  if (!(await pathExists(tokenizerPath))) throw new UserError(`${dir}: tokenizer.json is missing`);
  const match = /^step-(\d+)$/.exec(basename(dir));
  const runDir = match ? resolve(dir, '..') : dir;
  return { dir, runDir, run: basename(runDir), step: match ? Number(match[1]) : 0, modelConfig, weights, tokenizerPath, hfConfig };
}

export async function loadTrainerState(dir: string): Promise<{ trainer: TrainerState; optimizer: OptimizerState }> {
  const trainer = (await readJson(join(dir, 'trainer_state.json'))) as unknown as TrainerState & { optimizerStep: number };
  const { tensors } = await readSafetensors(join(dir, 'optimizer.safetensors'));
  return { trainer, optimizer: { step: trainer.optimizerStep, tensors } };
}

export interface CheckpointContents {
  step: number;
  config: ModelConfig;
  weights: NamedTensors;
  optimizer: OptimizerState;
  trainer: TrainerState;
  tokenizerPath: string;
}

/**
 * Writes step-<N>/ whole: into a temporary folder first, renamed into place at the end. A failed save (a full
 * disk above all) removes its temporary folder, so no attempt eats the space that is left, and leaves every
 * earlier step untouched.
 */
export async function saveCheckpoint(runDir: string, contents: CheckpointContents): Promise<string> {
  const name = stepDirName(contents.step);
  const final = join(runDir, name);
  const temp = join(runDir, `.${name}.${process.pid}.tmp`);
  const weights = new Map(contents.weights);
  const decoderBias = weights.get(HF_NAMES.decoderBias);
  if (decoderBias) weights.set(HF_EXTRAS.decoderBiasAlias, decoderBias);
  const trainer = { ...contents.trainer, optimizerStep: contents.optimizer.step };
  const files: [string, string | Uint8Array][] = [
    ['model.safetensors', encodeSafetensors(weights, { format: 'pt' })],
    ['optimizer.safetensors', encodeSafetensors(contents.optimizer.tensors, { format: 'pt' })],
    ['trainer_state.json', JSON.stringify(trainer, null, 2) + '\n'],
    ['config.json', JSON.stringify(hfConfigFromModel(contents.config), null, 2) + '\n'],
  ];
  const bytes = files.reduce((sum, [, data]) => sum + Buffer.byteLength(data), 0) + (await stat(contents.tokenizerPath)).size;
  await rm(temp, { recursive: true, force: true });
  try {
    await mkdir(temp, { recursive: true });
    for (const [file, data] of files) await writeFileAtomic(join(temp, file), data);
    await copyFile(contents.tokenizerPath, join(temp, 'tokenizer.json'));
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    if (isDiskFull(error)) throw diskFullError(error, runDir, bytes, `checkpoint ${name}`, 'resume with --resume (earlier checkpoints are intact)');
    throw error;
  }
  await rm(final, { recursive: true, force: true });
  await rename(temp, final);
  return final;
}
