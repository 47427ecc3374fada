// Export to / import from the HF transformers folder layout: round trips, what Python needs in the folder,
// and refusals of incomplete input with one clear line.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../src/core/errors.js';
import type { NamedTensors } from '../src/core/tensors.js';
import { loadCheckpoint, loadTrainerState, saveCheckpoint } from '../src/io/checkpoint.js';
import { exportHf, importHf } from '../src/io/hf.js';
import { readSafetensors, writeSafetensors } from '../src/io/safetensors.js';
import { SPECIAL_TOKENS, type ModelConfig } from '../src/model/config.js';
import { numel, paramSpecs } from '../src/model/params.js';
import { MODEL_PRESETS } from '../src/model/presets.js';
import { BYTE_ALPHABET } from '../src/tokenizer/byte-level.js';
import { serializeTokenizerJson } from '../src/tokenizer/hf-json.js';
import { streamFromSeed } from '../src/core/random.js';

const run = promisify(execFile);
const tiny = MODEL_PRESETS.tiny;
const SSA_PER_HEAD: ModelConfig = {
  ...tiny,
  attention: { scoring: 'ssa', ssaN: 2, ssaNTrainable: true, ssaB: 0.8, ssaBTrainable: false, ssaGranularity: 'head' },
};

let root: string;
let tokenizerPath: string;

/**
 * Distinct random values everywhere (SSA scalars too, above their floors: n ≥ 1, b > 0), so a swapped or dropped
 * tensor cannot go unnoticed.
 */
function randomWeights(config: ModelConfig, seed: number): NamedTensors {
  const random = streamFromSeed(seed);
  return new Map(paramSpecs(config).map((s) => {
    const low = s.floor ?? -0.5;
    return [s.name, { shape: [...s.shape], data: Float32Array.from({ length: numel(s.shape) }, () => low + random.next()) }];
  }));
}

/** A byte-level BPE tokenizer.json with exactly `vocabSize` ids (unmerged filler tokens pad the vocabulary). */
function tokenizerJson(vocabSize: number): string {
  const vocab: string[] = [...SPECIAL_TOKENS, ...BYTE_ALPHABET];
  for (let i = 0; vocab.length < vocabSize; i++) vocab.push(`filler${i}`);
  return serializeTokenizerJson({ vocab, merges: [] });
}

async function makeCheckpoint(name: string, config: ModelConfig, step = 7): Promise<{ runDir: string; weights: NamedTensors }> {
  const runDir = join(root, name);
  const weights = randomWeights(config, step);
  await saveCheckpoint(runDir, {
    step, config, weights,
    optimizer: { step, tensors: new Map() },
    trainer: { step, rngState: streamFromSeed(1).state(), dataCursor: { epoch: 0, position: 3 }, elapsedS: 1, tokensSeen: 10 },
    tokenizerPath,
  });
  return { runDir, weights };
}

async function rejection(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(UserError);
  const message = (error as Error).message;
  expect(message).not.toContain('\n');
  return message;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'babyssa-interop-'));
  tokenizerPath = join(root, 'tokenizer.json');
  await writeFile(tokenizerPath, tokenizerJson(tiny.vocabSize));
});

describe('export --format hf → import --format hf', () => {
  it.each([
    ['softmax', { ...tiny, attention: { ...tiny.attention, ssaB: 0.8 } }],
    ['ssa per head, n learned', SSA_PER_HEAD],
  ])('round-trips weights and config exactly (%s)', async (label, config) => {
    const { runDir, weights } = await makeCheckpoint(`run-${label.replace(/\W+/g, '-')}`, config);
    const outDir = join(root, `hf-${label.replace(/\W+/g, '-')}`);
    const exported = await exportHf(runDir, outDir);
    expect(exported.checkpointDir).toBe(join(runDir, 'step-7'));

    const hf = JSON.parse(await readFile(join(outDir, 'config.json'), 'utf8'));
    expect(hf).toMatchObject({
      architectures: ['RobertaForMaskedLM'], model_type: 'roberta', hidden_act: 'gelu', vocab_size: 2048, hidden_size: 64,
      num_hidden_layers: 2, num_attention_heads: 4, intermediate_size: 256, max_position_embeddings: 130, type_vocab_size: 2,
      layer_norm_eps: 1e-5, initializer_range: 0.02, hidden_dropout_prob: 0.1, attention_probs_dropout_prob: 0.1,
      pad_token_id: 1, bos_token_id: 3, eos_token_id: 4, tie_word_embeddings: true, attention_scoring: config.attention.scoring,
    });
    const { tensors, metadata } = await readSafetensors(join(outDir, 'model.safetensors'));
    expect(metadata.format).toBe('pt'); // transformers refuses safetensors without it
    expect(tensors.get('lm_head.bias')).toEqual(weights.get('lm_head.decoder.bias'));
    expect(tensors.has('lm_head.decoder.weight')).toBe(false); // tied: transformers takes it from the word embeddings
    expect(await readFile(join(outDir, 'tokenizer.json'), 'utf8')).toBe(await readFile(tokenizerPath, 'utf8'));
    const readme = await readFile(join(outDir, 'README.md'), 'utf8');
    const isSsa = config.attention.scoring === 'ssa';
    expect(readme).toContain(isSsa ? 'load_ssa_model("THIS_FOLDER")' : 'RobertaForMaskedLM.from_pretrained("THIS_FOLDER")');
    expect((await readdir(outDir)).includes('ssa_attention.py')).toBe(isSsa);

    const imported = await importHf(outDir, join(root, `back-${label.replace(/\W+/g, '-')}`));
    const back = await loadCheckpoint(imported.runDir);
    expect(back.step).toBe(0);
    expect(back.modelConfig).toEqual(config);
    expect([...back.weights.keys()]).toEqual([...weights.keys()]);
    for (const [name, tensor] of weights) expect(back.weights.get(name), name).toEqual(tensor);

    const { trainer, optimizer } = await loadTrainerState(back.dir);
    expect(trainer).toMatchObject({ step: 0, dataCursor: { epoch: 0, position: 0 }, tokensSeen: 0 });
    const trainable = paramSpecs(config).filter((s) => s.trainable);
    expect(optimizer.tensors.size).toBe(2 * trainable.length);
    expect([...optimizer.tensors.values()].every((t) => t.data.every((v) => v === 0))).toBe(true);
    const resolved = JSON.parse(await readFile(join(imported.runDir, 'config.resolved.json'), 'utf8'));
    expect(resolved).toMatchObject({ preset: 'tiny', attention: config.attention.scoring, ssaN: config.attention.ssaN, ssaB: config.attention.ssaB,
      ssaNTrainable: config.attention.ssaNTrainable, ssaGranularity: config.attention.ssaGranularity, seed: 0 });
  });
});

describe('import of a folder saved by Python transformers', () => {
  it('accepts lm_head.bias alone, a position_ids buffer and a tied decoder weight', async () => {
    const dir = join(root, 'from-python');
    await mkdir(dir, { recursive: true });
    const weights = randomWeights(tiny, 3);
    const saved: NamedTensors = new Map(weights);
    saved.set('lm_head.bias', weights.get('lm_head.decoder.bias')!);
    saved.delete('lm_head.decoder.bias');
    saved.set('lm_head.decoder.weight', weights.get('roberta.embeddings.word_embeddings.weight')!);
    saved.set('roberta.embeddings.position_ids', { shape: [1, 130], data: Float32Array.from({ length: 130 }, (_, i) => i) });
    await writeSafetensors(join(dir, 'model.safetensors'), saved, { format: 'pt' });
    await writeFile(join(dir, 'config.json'), JSON.stringify({ model_type: 'roberta', vocab_size: 2048, hidden_size: 64, num_hidden_layers: 2,
      num_attention_heads: 4, intermediate_size: 256, max_position_embeddings: 130, layer_norm_eps: 1e-12, pad_token_id: 1 }));
    await writeFile(join(dir, 'tokenizer.json'), tokenizerJson(2048));
    const result = await importHf(dir, join(root, 'from-python-run'));
    const back = await loadCheckpoint(result.checkpointDir);
    for (const [name, tensor] of weights) expect(back.weights.get(name), name).toEqual(tensor);
    expect(back.modelConfig.layerNormEps).toBe(1e-12);
    expect(result.notResumable).toMatch(/layerNormEps 1e-12 \(tiny: 0.00001\)/);
  });

  it('refuses an untied decoder, pytorch_model.bin only, a tokenizer of the wrong size, and an occupied run folder', async () => {
    const { runDir } = await makeCheckpoint('refusals', tiny);
    const good = join(root, 'hf-refusals');
    await exportHf(runDir, good);
    const untied = join(root, 'untied');
    await mkdir(untied);
    for (const f of ['config.json', 'tokenizer.json']) await writeFile(join(untied, f), await readFile(join(good, f)));
    const { tensors } = await readSafetensors(join(good, 'model.safetensors'));
    tensors.set('lm_head.decoder.weight', randomWeights(tiny, 99).get('roberta.embeddings.word_embeddings.weight')!);
    await writeSafetensors(join(untied, 'model.safetensors'), tensors, { format: 'pt' });
    expect(await rejection(importHf(untied, join(root, 'u-run')))).toMatch(/lm_head.decoder.weight differs from the word embeddings/);

    await rm(join(untied, 'model.safetensors'));
    await writeFile(join(untied, 'pytorch_model.bin'), 'not read');
    expect(await rejection(importHf(untied, join(root, 'u-run')))).toMatch(/pytorch_model.bin only; babyssa reads safetensors/);

    const wrongTokenizer = join(root, 'wrong-tokenizer');
    await mkdir(wrongTokenizer);
    for (const f of ['config.json', 'model.safetensors']) await writeFile(join(wrongTokenizer, f), await readFile(join(good, f)));
    await writeFile(join(wrongTokenizer, 'tokenizer.json'), tokenizerJson(300));
    expect(await rejection(importHf(wrongTokenizer, join(root, 'w-run')))).toMatch(/has 300 tokens but the model expects 2048/);

    expect(await rejection(importHf(good, runDir))).toMatch(/already holds a run/);
  });
});

describe('export refuses what it cannot export', () => {
  it('names a missing checkpoint, a partial step folder, a run without a complete step and a truncated file', async () => {
    expect(await rejection(exportHf(join(root, 'nope'), join(root, 'o1')))).toMatch(/checkpoint not found: .*nope/);

    const { runDir } = await makeCheckpoint('partial', tiny, 5);
    const step = join(runDir, 'step-5');
    await rm(join(step, 'config.json'));
    await rm(join(step, 'tokenizer.json'));
    expect(await rejection(exportHf(step, join(root, 'o2')))).toBe(`${step} is not a complete checkpoint: config.json, tokenizer.json missing`);
    expect(await rejection(exportHf(runDir, join(root, 'o3')))).toMatch(/no complete checkpoint/);

    const { runDir: cut } = await makeCheckpoint('cut', tiny, 4);
    const model = join(cut, 'step-4', 'model.safetensors');
    const bytes = await readFile(model);
    await writeFile(model, bytes.subarray(0, bytes.length - 100));
    expect(await rejection(exportHf(cut, join(root, 'o4')))).toMatch(/model\.safetensors.*truncated/);
    expect(await readdir(root)).not.toContain('o4');
  });

  it('does not write into a non-empty folder unless told to', async () => {
    const { runDir } = await makeCheckpoint('occupied', tiny);
    const out = join(root, 'occupied-out');
    await mkdir(out);
    await writeFile(join(out, 'keep.txt'), 'x');
    expect(await rejection(exportHf(runDir, out))).toMatch(/is not empty; choose another --out or pass --overwrite/);
    await exportHf(runDir, out, { overwrite: true });
    expect((await readdir(out)).sort()).toEqual(['README.md', 'config.json', 'keep.txt', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json']);
  });
});

describe('babyssa export / import on the command line', () => {
  const cli = (...args: string[]) => run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: process.cwd() });

  it('exports, imports, and refuses a partial checkpoint with one line and exit code 2', async () => {
    const { runDir } = await makeCheckpoint('cli', tiny);
    const out = join(root, 'cli-hf');
    const exported = await cli('export', '--checkpoint', runDir, '--format', 'hf', '--out', out);
    expect(exported.stdout.trim()).toBe(out);
    const imported = await cli('import', '--format', 'hf', '--from', out, '--out', join(root, 'cli-back'));
    expect(imported.stdout.trim()).toBe(join(root, 'cli-back', 'step-0'));
    expect(imported.stderr).toContain('--resume --preset tiny --attention softmax');

    await rm(join(runDir, 'step-7', 'tokenizer.json'));
    const failed = await cli('export', '--checkpoint', join(runDir, 'step-7'), '--out', join(root, 'cli-x')).then(() => undefined, (e: unknown) => e);
    expect(failed).toMatchObject({ code: 2, stderr: `babyssa: ${join(runDir, 'step-7')} is not a complete checkpoint: tokenizer.json missing\n` });
  }, 60_000);
});
