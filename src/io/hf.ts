// Python `transformers` interop. Export: a checkpoint becomes a folder that
// `RobertaForMaskedLM.from_pretrained(dir)` loads (config.json, model.safetensors, tokenizer files, README.md,
// and for SSA models the PyTorch attention that reproduces our logits). Import: such a folder (e.g. a
// PyTorch-trained BabyBERTa) becomes `<run>/step-0/`, which `probe` reads and `pretrain --resume` continues.
import { copyFile, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { UserError } from '../core/errors.js';
import { PACKAGE_ROOT } from '../config/paths.js';
import { resolveTrainConfig } from '../config/resolve.js';
import type { TrainConfig } from '../config/schema.js';
import type { NamedTensors } from '../core/tensors.js';
import { attentionFields, attentionFlags, attentionFromFields } from '../model/attention.js';
import { SPECIAL_TOKENS, type ModelConfig } from '../model/config.js';
import { HF_EXTRAS, HF_NAMES, numel, paramSpecs } from '../model/params.js';
import { MODEL_PRESETS, PRESET_NAMES, type PresetName } from '../model/presets.js';
import { loadTokenizer, checkTokenizerFits } from '../tokenizer/load.js';
import { streamFromSeed } from '../core/random.js';
import { writeFileAtomic, pathExists } from '../core/files.js';
import { listCheckpointSteps, loadCheckpoint, saveCheckpoint, validateWeights } from './checkpoint.js';
import { hfConfigFromModel, modelConfigFromHf } from './hf-config.js';
import { encodeSafetensors, readSafetensors } from './safetensors.js';
import { exportReadme } from './hf-readme.js';
import { checkOutputFolder } from './output-path.js';

/** What a step folder needs for export; optimizer and trainer state are training-only. */
const EXPORT_NEEDS = ['model.safetensors', 'config.json', 'tokenizer.json'] as const;
/** The SSA attention for PyTorch, shipped beside SSA exports. */
export const SSA_ATTENTION_PY = join(PACKAGE_ROOT, 'bench', 'peer', 'ssa_attention.py');

/** A step folder with files missing is refused here, before loading, with every missing file named. */
async function requireExportable(path: string): Promise<void> {
  const dir = resolve(path);
  if (!(await pathExists(join(dir, 'model.safetensors')))) return; // a run folder: loadCheckpoint picks its latest whole step
  const missing: string[] = [];
  for (const name of EXPORT_NEEDS) if (!(await pathExists(join(dir, name)))) missing.push(name);
  if (missing.length > 0) throw new UserError(`${path} is not a complete checkpoint: ${missing.join(', ')} missing`);
}

/** Parameters plus `lm_head.bias`: transformers 5 ties `lm_head.decoder.bias` to `lm_head.bias`, older versions read either. */
function hfTensors(weights: NamedTensors): NamedTensors {
  const out = new Map(weights);
  const decoderBias = weights.get(HF_NAMES.decoderBias);
  if (decoderBias) out.set(HF_EXTRAS.decoderBiasAlias, decoderBias);
  return out;
}

/** transformers' tokenizer settings for our tokenizer.json, so `AutoTokenizer.from_pretrained(dir)` works. */
function tokenizerConfig(maxLength: number): Record<string, unknown> {
  const [mask, pad, unk, bos, eos] = SPECIAL_TOKENS;
  return {
    tokenizer_class: 'PreTrainedTokenizerFast',
    bos_token: bos, eos_token: eos, unk_token: unk, pad_token: pad, mask_token: mask,
    model_max_length: maxLength,
    add_prefix_space: true,
  };
}

export interface ExportResult {
  outDir: string;
  checkpointDir: string;
  config: ModelConfig;
  files: string[];
}

export async function exportHf(checkpointPath: string, outPath: string, options: { overwrite?: boolean } = {}): Promise<ExportResult> {
  await requireExportable(checkpointPath);
  const checkpoint = await loadCheckpoint(checkpointPath);
  const outDir = resolve(outPath);
  if (outDir === checkpoint.dir) throw new UserError(`--out must differ from the checkpoint folder ${checkpointPath}`);
  await checkOutputFolder(outPath, options.overwrite ?? false);
  await mkdir(outDir, { recursive: true });
  const config = checkpoint.modelConfig;
  const hfConfig = { ...hfConfigFromModel(config), dtype: 'float32' };
  const files = ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json', 'README.md'];
  await writeFileAtomic(join(outDir, 'config.json'), JSON.stringify(hfConfig, null, 2) + '\n');
  const meta = { format: 'pt', babyssa_run: checkpoint.run, babyssa_step: String(checkpoint.step) };
  await writeFileAtomic(join(outDir, 'model.safetensors'), encodeSafetensors(hfTensors(checkpoint.weights), meta));
  await copyFile(checkpoint.tokenizerPath, join(outDir, 'tokenizer.json'));
  const maxLength = config.maxPositions - 2;
  await writeFileAtomic(join(outDir, 'tokenizer_config.json'), JSON.stringify(tokenizerConfig(maxLength), null, 2) + '\n');
  if (config.attention.scoring === 'ssa') {
    await copyFile(SSA_ATTENTION_PY, join(outDir, 'ssa_attention.py'));
    files.push('ssa_attention.py');
  }
  await writeFileAtomic(join(outDir, 'README.md'), exportReadme({ config, run: checkpoint.run, step: checkpoint.step }));
  return { outDir, checkpointDir: checkpoint.dir, config, files };
}

/** HF-saved tensors we can drop: buffers, a pooler RobertaForMaskedLM never uses, the tied decoder (checked equal). */
function dropHfExtras(tensors: NamedTensors, source: string): NamedTensors {
  const kept: NamedTensors = new Map();
  for (const [name, tensor] of tensors) {
    if (name === HF_EXTRAS.positionIds || name.startsWith(HF_EXTRAS.poolerPrefix)) continue;
    if (name === HF_EXTRAS.tiedDecoder) {
      const words = tensors.get(HF_NAMES.wordEmbeddings);
      const tied = words && words.data.length === tensor.data.length && words.data.every((v, i) => v === tensor.data[i]);
      if (!tied) throw new UserError(`${source}: ${name} differs from the word embeddings; babyssa models tie them`);
      continue;
    }
    kept.set(name, tensor);
  }
  return kept;
}

/** The preset whose shape and regularisation the imported model has exactly, so `pretrain --resume` can rebuild it. */
export function matchingPreset(config: ModelConfig): { preset?: PresetName; differences: string[] } {
  const keys = ['vocabSize', 'hiddenSize', 'numLayers', 'numHeads', 'intermediateSize', 'maxPositions', 'typeVocabSize',
    'layerNormEps', 'hiddenDropout', 'attentionDropout', 'initStd'] as const;
  let closest: string[] = [];
  for (const name of PRESET_NAMES) {
    const preset = MODEL_PRESETS[name];
    const differences = keys.filter((k) => preset[k] !== config[k]).map((k) => `${k} ${config[k]} (${name}: ${preset[k]})`);
    if (differences.length === 0) return { preset: name, differences };
    if (closest.length === 0 || differences.length < closest.length) closest = differences;
  }
  return { differences: closest };
}

/** Fresh AdamW moments: an imported model starts its babyssa optimizer from zero. */
function zeroMoments(config: ModelConfig): NamedTensors {
  const moments: NamedTensors = new Map();
  for (const spec of paramSpecs(config)) {
    if (!spec.trainable) continue;
    for (const suffix of ['exp_avg', 'exp_avg_sq']) moments.set(`${spec.name}.${suffix}`, { shape: [...spec.shape], data: new Float32Array(numel(spec.shape)) });
  }
  return moments;
}

async function readJsonObject(path: string): Promise<Record<string, unknown>> {
  const text = await readFile(path, 'utf8').catch(() => { throw new UserError(`cannot read ${path}`); });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new UserError(`${path} is not valid JSON`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new UserError(`${path} must hold a JSON object`);
  return json as Record<string, unknown>;
}

async function requireImportable(fromDir: string): Promise<void> {
  if (!(await pathExists(fromDir))) throw new UserError(`--from ${fromDir}: no such folder`);
  const missing: string[] = [];
  for (const name of ['config.json', 'tokenizer.json']) if (!(await pathExists(join(fromDir, name)))) missing.push(name);
  if (!(await pathExists(join(fromDir, 'model.safetensors')))) {
    if (await pathExists(join(fromDir, 'pytorch_model.bin'))) {
      throw new UserError(`${fromDir} has pytorch_model.bin only; babyssa reads safetensors: in Python, RobertaForMaskedLM.from_pretrained(dir).save_pretrained(new_dir) writes model.safetensors`);
    }
    missing.push('model.safetensors');
  }
  if (missing.length > 0) throw new UserError(`${fromDir} is not an HF model folder: ${missing.join(', ')} missing`);
}

export interface ImportResult {
  runDir: string;
  checkpointDir: string;
  config: ModelConfig;
  /** Present when the model has a preset's shape: the flags `pretrain --resume` needs. */
  trainConfig?: TrainConfig;
  /** Why `pretrain --resume` cannot continue this model, when it cannot. */
  notResumable?: string;
}

/** Flags that make `pretrain` rebuild exactly this model (compared on resume with config.resolved.json). */
export function resumeFlags(config: TrainConfig): string[] {
  return ['--preset', config.preset, ...attentionFlags(attentionFromFields(config))];
}

export async function importHf(fromPath: string, runPath: string, options: { seed?: number; argv?: string[] } = {}): Promise<ImportResult> {
  const fromDir = resolve(fromPath);
  await requireImportable(fromDir);
  const runDir = resolve(runPath);
  if ((await stat(runDir).catch(() => null))?.isFile()) throw new UserError(`--out ${runPath} is a file, not a run folder; choose another --out`);
  if ((await listCheckpointSteps(runDir)).length > 0 || (await pathExists(join(runDir, 'config.resolved.json')))) {
    throw new UserError(`${runPath} already holds a run; choose another --out`);
  }
  const configPath = join(fromDir, 'config.json');
  const hfConfig = await readJsonObject(configPath);
  if (hfConfig.tie_word_embeddings === false) throw new UserError(`${configPath}: tie_word_embeddings is false; babyssa models tie the decoder to the word embeddings`);
  const config = modelConfigFromHf(hfConfig, configPath);
  const modelPath = join(fromDir, 'model.safetensors');
  const weights = validateWeights(dropHfExtras((await readSafetensors(modelPath)).tensors, modelPath), config, modelPath);
  const tokenizerPath = join(fromDir, 'tokenizer.json');
  checkTokenizerFits(await loadTokenizer(tokenizerPath), config, tokenizerPath);

  const seed = options.seed ?? 0;
  await mkdir(runDir, { recursive: true });
  const checkpointDir = await saveCheckpoint(runDir, {
    step: 0, config, weights,
    optimizer: { step: 0, tensors: zeroMoments(config) },
    trainer: { step: 0, rngState: streamFromSeed(seed).state(), dataCursor: { epoch: 0, position: 0 }, elapsedS: 0, tokensSeen: 0 },
    tokenizerPath,
  });
  await writeFile(join(runDir, 'metrics.jsonl'), '');
  await writeFile(join(runDir, 'argv.txt'), (options.argv ?? []).join(' ') + '\n');

  const { preset, differences } = matchingPreset(config);
  if (!preset) return { runDir, checkpointDir, config, notResumable: `no preset has this shape (${differences.join(', ')})` };
  // The run's resolved config, as `pretrain` would have written it: resume compares its shaping keys with the flags.
  const trainConfig = resolveTrainConfig({
    preset, ...attentionFields(config.attention), seed, out: runDir, tokenizer: join(checkpointDir, 'tokenizer.json'),
  });
  await writeFileAtomic(join(runDir, 'config.resolved.json'), JSON.stringify(trainConfig, null, 2) + '\n');
  return { runDir, checkpointDir, config, trainConfig };
}
