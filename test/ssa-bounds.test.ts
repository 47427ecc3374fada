// SSA's n ≥ 1 and b > 0 hold throughout training in both engines (the projection after every AdamW update),
// the projection is the same in both, and weights or configs outside the domain are refused on load.
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createEngine } from '../src/engine/index.js';
import type { NamedTensors } from '../src/core/tensors.js';
import type { Engine } from '../src/engine/types.js';
import { randomTargetedBatch, relativeError } from '../src/engine/webgpu/parity.js';
import { webGpuForTests } from './webgpu-env.js';
import { hfConfigFromModel, loadCheckpoint, modelConfigFromHf, validateWeights } from '../src/io/checkpoint.js';
import type { AttentionConfig } from '../src/model/attention.js';
import type { ModelConfig } from '../src/model/config.js';
import { initWeights } from '../src/model/init.js';
import { ssaParamNames } from '../src/model/params.js';
import { SSA_B_MIN, SSA_N_MIN } from '../src/model/ssa-bounds.js';
import { streamFromSeed } from '../src/core/random.js';
import { tinyConfig, weightsFor } from './engine-fixtures.js';

const hasWebGpu = (await webGpuForTests()) !== null;
const B_MIN = Math.fround(SSA_B_MIN);
const OPTIMIZER = { beta1: 0.9, beta2: 0.999, eps: 1e-6, weightDecay: 0, biasCorrection: true, clipNorm: 1 };

function ssaConfig(attention: Partial<AttentionConfig>): ModelConfig {
  return tinyConfig({ scoring: 'ssa', ssaNTrainable: true, ssaBTrainable: true, ...attention }, { hiddenDropout: 0, attentionDropout: 0 });
}

/** Every n and b value of the model, layer by layer. */
function ssaValues(config: ModelConfig, weights: NamedTensors): { n: number[]; b: number[] } {
  const names = Array.from({ length: config.numLayers }, (_, l) => ssaParamNames(l));
  return {
    n: names.flatMap((name) => [...weights.get(name.n)!.data]),
    b: names.flatMap((name) => [...weights.get(name.b)!.data]),
  };
}

function engineFor(kind: 'tfjs' | 'fused', config: ModelConfig, weights: NamedTensors): Promise<Engine> {
  return createEngine({ config, engine: kind, backend: kind === 'tfjs' ? 'cpu' : 'webgpu', weights, optimizer: OPTIMIZER });
}

const granularities = ['layer', 'head'] as const;

/** Six steps at lr 10 (each moves every parameter by about ±10): n ≥ 1 and b ≥ SSA_B_MIN after every one. */
async function checkHugeLr(kind: 'tfjs' | 'fused', granularity: 'layer' | 'head'): Promise<void> {
  const config = ssaConfig({ ssaN: 1.5, ssaB: 0.8, ssaGranularity: granularity });
  const engine = await engineFor(kind, config, initWeights(config, streamFromSeed(2).next));
  const random = streamFromSeed(3);
  let floorsHit = 0;
  for (let step = 1; step <= 6; step++) {
    await engine.trainStep(randomTargetedBatch(config, 3, 7, random), { lr: 10, dropoutSeed: step });
    const { n, b } = ssaValues(config, await engine.readWeights());
    for (const value of n) expect(value).toBeGreaterThanOrEqual(SSA_N_MIN);
    for (const value of b) expect(value).toBeGreaterThanOrEqual(B_MIN);
    floorsHit += n.filter((v) => v === SSA_N_MIN).length + b.filter((v) => v === B_MIN).length;
  }
  expect(floorsHit).toBeGreaterThan(0);
  engine.dispose();
}

describe('the projection after every AdamW update', () => {
  it.each(granularities)('tfjs, n and b per %s: lr 10 cannot push n below 1 or b to 0', (granularity) => checkHugeLr('tfjs', granularity));
  it.skipIf(!hasWebGpu).each(granularities)('fused, n and b per %s: lr 10 cannot push n below 1 or b to 0', (granularity) => checkHugeLr('fused', granularity));

  it.skipIf(!hasWebGpu)('projects the same in both engines (weights after steps that hit both floors)', async () => {
    const config = ssaConfig({ ssaN: SSA_N_MIN, ssaB: SSA_B_MIN, ssaGranularity: 'head' });
    const weights = weightsFor(config, 5);
    const [reference, fused] = [await engineFor('tfjs', config, weights), await engineFor('fused', config, weights)];
    const random = streamFromSeed(6);
    for (let step = 1; step <= 2; step++) {
      const batch = randomTargetedBatch(config, 3, 7, random);
      await reference.trainStep(batch, { lr: 1e-3, dropoutSeed: step });
      await fused.trainStep(batch, { lr: 1e-3, dropoutSeed: step });
    }
    const expected = await reference.readWeights();
    const actual = await fused.readWeights();
    for (const [name, tensor] of actual) expect(relativeError(tensor.data, expected.get(name)!.data), name).toBeLessThan(1e-4);
    const want = ssaValues(config, expected);
    const got = ssaValues(config, actual);
    expect(want.n.filter((v) => v === SSA_N_MIN).length).toBeGreaterThan(0);
    expect(want.b.filter((v) => v === B_MIN).length).toBeGreaterThan(0);
    want.n.forEach((v, i) => { if (v === SSA_N_MIN) expect(got.n[i]).toBe(v); });
    want.b.forEach((v, i) => { if (v === B_MIN) expect(got.b[i]).toBe(v); });
    reference.dispose();
    fused.dispose();
  });
});

describe('n and b outside SSA\'s domain are refused on load', () => {
  const config = ssaConfig({ ssaN: 1.5, ssaB: 0.8, ssaGranularity: 'head' });
  const names = ssaParamNames(1);
  it.each([
    ['n < 1', names.n, 0.5, /layer\.1\.attention\.self\.ssa_n\[1\]: SSA needs n ≥ 1, got 0\.5/],
    ['n NaN', names.n, NaN, /ssa_n\[1\]: SSA needs n ≥ 1, got NaN/],
    ['b = 0', names.b, 0, /layer\.1\.attention\.self\.ssa_b\[1\]: SSA needs b > 0, got 0/],
    ['b < 0', names.b, -0.25, /ssa_b\[1\]: SSA needs b > 0, got -0\.25/],
    ['b NaN', names.b, NaN, /ssa_b\[1\]: SSA needs b > 0, got NaN/],
  ])('weights with %s', (_, name, value, message) => {
    const weights = initWeights(config, streamFromSeed(1).next);
    weights.get(name)!.data[1] = value;
    expect(() => validateWeights(weights, config, 'model.safetensors')).toThrow(message);
  });

  it('accepts any n ≥ 1 and b > 0, even below the projection floor', () => {
    const weights = initWeights(config, streamFromSeed(1).next);
    weights.get(names.n)!.data[0] = 1;
    weights.get(names.b)!.data[0] = 1e-9;
    expect(validateWeights(weights, config, 'x').size).toBe(weights.size);
  });

  it.each([
    ['ssa_n', 0.5, /config\.json: config field "ssa_n": SSA needs n ≥ 1, got 0\.5/],
    ['ssa_b', 0, /config\.json: config field "ssa_b": SSA needs b > 0, got 0/],
  ])('an HF config with %s = %s', (key, value, message) => {
    expect(() => modelConfigFromHf({ ...hfConfigFromModel(config), [key]: value }, 'config.json')).toThrow(message);
    const softmax = { ...hfConfigFromModel(config), attention_scoring: 'softmax', [key]: value };
    expect(modelConfigFromHf(softmax, 'config.json').attention.scoring).toBe('softmax');
  });
});

describe('babyssa pretrain --ssa-n-trainable --ssa-b-trainable --lr 10', () => {
  it('ends with n ≥ 1 and b > 0 in the checkpoint (tiny preset, wasm)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'babyssa-ssa-bounds-'));
    const corpus = join(dir, 'corpus.txt');
    await writeFile(corpus, (await readFile('corpora/default.txt', 'utf8')).split('\n').slice(0, 300).join('\n') + '\n');
    const out = join(dir, 'run');
    const args = [
      'pretrain', '--preset', 'tiny', '--attention', 'ssa', '--ssa-n-trainable', '--ssa-b-trainable', '--lr', '10',
      '--steps', '6', '--warmup-steps', '0', '--backend', 'wasm', '--corpus', corpus, '--out', out,
    ];
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { encoding: 'utf8', timeout: 120_000 });
    expect(result.status, result.stderr).toBe(0);
    const checkpoint = await loadCheckpoint(out);
    expect(checkpoint.step).toBe(6);
    const { n, b } = ssaValues(checkpoint.modelConfig, checkpoint.weights);
    expect(n.length).toBe(2);
    for (const value of n) expect(value).toBeGreaterThanOrEqual(1);
    for (const value of b) expect(value).toBeGreaterThan(0);
  }, 120_000);
});
