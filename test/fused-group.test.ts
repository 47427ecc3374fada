// A fused group (K models in lockstep) against the same models trained alone by the fused engine (K = 1) and by
// the tfjs reference (cpu): logits, target log-probs, every gradient and 20 AdamW steps, with members of different
// batch shapes so that padding to a common B × T and M is exercised; dropout masks identical in and out of a
// group; a NaN member and skipped members leave the others bit-identical; the one-line refusals; overlapping
// calls; no device allocation per step. Runs on any WebGPU adapter, lavapipe included; skipped where none exists.
import { describe, expect, it } from 'vitest';
import { UserError } from '../src/core/errors.js';
import { dropoutKey } from '../src/core/dropout.js';
import { createEngine } from '../src/engine/index.js';
import type { NamedTensors } from '../src/core/tensors.js';
import type { Engine, MemberStep, OptimizerSettings } from '../src/engine/types.js';
import { createFusedEngine, createFusedGroupEngine, maxGroupSize } from '../src/engine/webgpu/engine.js';
import { relativeError } from '../src/engine/webgpu/parity.js';
import { checkGroupFits } from '../src/engine/webgpu/sizes.js';
import { webGpuForTests } from './webgpu-env.js';
import type { ModelConfig } from '../src/model/config.js';
import { maxRelativeDifference, randomBatch, SSA_HEADS, tinyConfig, weightsFor } from './engine-fixtures.js';

const gpu = await webGpuForTests();
/**
 * Relative to each tensor's scale (maxRelativeDifference). Measured on lavapipe: group vs alone ≤ 3e-7 (the only
 * difference is padding, which moves split-K and column-sum chunk boundaries) and group vs the reference ≤ 8e-7 for
 * logits and gradients, ≤ 4e-6 for the weights after 20 AdamW steps.
 */
const TOLERANCE = 1e-5;
const optimizer: OptimizerSettings = { beta1: 0.9, beta2: 0.999, eps: 1e-6, weightDecay: 0.01, biasCorrection: true, clipNorm: 0.5 };
const VARIANTS = [{ scoring: 'softmax' as const }, { scoring: 'ssa' as const, ssaN: 2, ssaB: 1 }, SSA_HEADS];
/** Real sequence lengths per member (different B and T, so every member is padded differently). */
const LENGTHS = [[5, 7, 4], [9, 6], [12, 3, 8]];

function groupConfigs(dropout: number): ModelConfig[] {
  return VARIANTS.map((attention) => tinyConfig(attention, { hiddenDropout: dropout, attentionDropout: dropout }));
}

async function alone(config: ModelConfig, weights: NamedTensors): Promise<[Engine, Engine]> {
  return [
    await createFusedEngine({ config, optimizer, weights }),
    await createEngine({ config, engine: 'tfjs', backend: 'cpu', optimizer, weights }),
  ];
}

const bitsOf = (weights: NamedTensors) => [...weights].map(([name, t]) => [name, Array.from(t.data)]);

describe.skipIf(gpu === null)('fused group vs its members alone', () => {
  it('matches logits, target log-probs, loss and every gradient (softmax, SSA fixed n, SSA trainable per head)', async () => {
    const configs = groupConfigs(0);
    const weights = configs.map((config, i) => weightsFor(config, 1 + i));
    const group = await createFusedGroupEngine({ configs, optimizer, weights });
    const batches = configs.map((config, i) => randomBatch(config, LENGTHS[i], 10 + i));
    const shared = randomBatch(configs[0], [6, 9], 20);
    const gradients = await group.lossAndGradients(batches.map((batch) => ({ batch })));
    const logProbs = await group.targetLogProbs(shared);
    for (const [i, config] of configs.entries()) {
      const [fused, reference] = await alone(config, weights[i]);
      const logits = (await group.member(i).forward(batches[i])).logits.data;
      for (const engine of [fused, reference]) {
        expect(relativeError(logits, (await engine.forward(batches[i])).logits.data)).toBeLessThan(TOLERANCE);
        expect(relativeError(logProbs[i], await engine.targetLogProbs(shared))).toBeLessThan(TOLERANCE);
        const expected = await engine.lossAndGradients(batches[i]);
        expect(Math.abs(gradients[i]!.loss - expected.loss) / expected.loss).toBeLessThan(TOLERANCE);
        expect([...gradients[i]!.gradients.keys()].sort()).toEqual([...expected.gradients.keys()].sort());
        expect(maxRelativeDifference(gradients[i]!.gradients, expected.gradients), `member ${i} ${engine.kind}`).toBeLessThan(TOLERANCE);
      }
      fused.dispose();
      reference.dispose();
    }
    expect(gradients[2]!.gradients.get('roberta.encoder.layer.1.attention.self.ssa_b')!.shape).toEqual([configs[2].numHeads]);
    group.dispose();
  });

  it('tracks each member trained alone over 20 AdamW steps with clipping and weight decay', async () => {
    const configs = groupConfigs(0);
    const weights = configs.map((config, i) => weightsFor(config, 1 + i));
    const group = await createFusedGroupEngine({ configs, optimizer, weights });
    const engines = await Promise.all(configs.map((config, i) => alone(config, weights[i])));
    for (let step = 0; step < 20; step++) {
      const steps = configs.map((config, i): MemberStep => ({
        batch: randomBatch(config, LENGTHS[(i + step) % 3], 100 * step + i), options: { lr: 1e-3 * (1 + i), dropoutSeed: step },
      }));
      const results = await group.trainStep(steps);
      for (const [i, pair] of engines.entries()) {
        for (const engine of pair) {
          const expected = await engine.trainStep(steps[i].batch, steps[i].options);
          expect(Math.abs(results[i]!.loss - expected.loss) / expected.loss).toBeLessThan(TOLERANCE);
          expect(Math.abs(results[i]!.gradNorm - expected.gradNorm) / expected.gradNorm).toBeLessThan(TOLERANCE);
        }
      }
    }
    for (const [i, pair] of engines.entries()) {
      const actual = await group.member(i).readWeights();
      const state = await group.member(i).readOptimizerState();
      expect(state.step).toBe(20);
      for (const engine of pair) {
        expect(maxRelativeDifference(actual, await engine.readWeights()), `member ${i} ${engine.kind}`).toBeLessThan(TOLERANCE);
        engine.dispose();
      }
    }
    group.dispose();
  });

  it('draws each member the dropout masks it draws alone and in the reference (its own key, any padding)', async () => {
    const configs = groupConfigs(0.1);
    const weights = configs.map((config, i) => weightsFor(config, 1 + i));
    const group = await createFusedGroupEngine({ configs, optimizer, weights });
    const batches = configs.map((config, i) => randomBatch(config, LENGTHS[i], 30 + i));
    const keys = [1, 2, 3].map((seed) => dropoutKey(seed, 5));
    const inGroup = await group.lossAndGradients(batches.map((batch, i) => ({ batch, dropoutSeed: keys[i] })));
    for (const [i, config] of configs.entries()) {
      const [fused, reference] = await alone(config, weights[i]);
      for (const engine of [fused, reference]) {
        const expected = await engine.lossAndGradients(batches[i], { dropoutSeed: keys[i] });
        expect(Math.abs(inGroup[i]!.loss - expected.loss) / expected.loss).toBeLessThan(TOLERANCE);
        expect(maxRelativeDifference(inGroup[i]!.gradients, expected.gradients), `member ${i} ${engine.kind}`).toBeLessThan(TOLERANCE);
      }
      const expected = await fused.lossAndGradients(batches[i], { dropoutSeed: keys[i] });
      // Dropout is really on: another key, or none, gives another loss.
      expect((await fused.lossAndGradients(batches[i], { dropoutSeed: keys[i] + 1 })).loss).not.toBe(expected.loss);
      expect((await fused.lossAndGradients(batches[i])).loss).not.toBe(expected.loss);
      const step = await group.trainStep(configs.map((_, j) => (j === i ? { batch: batches[i], options: { lr: 1e-3, dropoutSeed: keys[i] } } : null)));
      expect(step[i]!.loss).toBe(inGroup[i]!.loss);
      fused.dispose();
      reference.dispose();
    }
    group.dispose();
  });
});

describe.skipIf(gpu === null)('fused group: members apart', () => {
  const configs = groupConfigs(0.1);
  const weights = configs.map((config, i) => weightsFor(config, 1 + i));
  /** The same B × T for every member, so that removing one changes no member's padding. */
  const stepFor = (member: number, step: number): MemberStep => ({
    batch: randomBatch(configs[member], [8, 8 - (member % 2), 6], 50 * step + member), options: { lr: 1e-3, dropoutSeed: 7 * step + member },
  });

  it('a NaN member leaves the others bit-identical to a group without it, and reports NaN', async () => {
    const poisoned = new Map([...weights[1]].map(([name, t]) => [name, { shape: t.shape, data: t.data.map(() => NaN) }]));
    const withIt = await createFusedGroupEngine({ configs, optimizer, weights: [weights[0], poisoned, weights[2]] });
    const without = await createFusedGroupEngine({ configs: [configs[0], configs[2]], optimizer, weights: [weights[0], weights[2]] });
    for (let step = 0; step < 3; step++) {
      const results = await withIt.trainStep([0, 1, 2].map((member) => stepFor(member, step)));
      expect(results[1]!.loss).toBeNaN();
      const reference = await without.trainStep([stepFor(0, step), stepFor(2, step)]);
      expect([results[0], results[2]]).toEqual(reference);
    }
    for (const [i, j] of [[0, 0], [2, 1]]) {
      expect(bitsOf(await withIt.member(i).readWeights())).toEqual(bitsOf(await without.member(j).readWeights()));
      expect(bitsOf((await withIt.member(i).readOptimizerState()).tensors)).toEqual(bitsOf((await without.member(j).readOptimizerState()).tensors));
    }
    withIt.dispose();
    without.dispose();
  });

  it('a skipped member keeps its weights, moments and step count bit for bit', async () => {
    const group = await createFusedGroupEngine({ configs, optimizer, weights });
    await group.trainStep([0, 1, 2].map((member) => stepFor(member, 0)));
    const before = await group.member(1).readWeights();
    const state = await group.member(1).readOptimizerState();
    const others = await group.member(0).readWeights();
    const results = await group.trainStep([stepFor(0, 1), null, stepFor(2, 1)]);
    expect(results[1]).toBeNull();
    expect(results[0]!.loss).toBeGreaterThan(0);
    expect(bitsOf(await group.member(1).readWeights())).toEqual(bitsOf(before));
    const after = await group.member(1).readOptimizerState();
    expect(after.step).toBe(state.step);
    expect(bitsOf(after.tensors)).toEqual(bitsOf(state.tensors));
    expect(bitsOf(await group.member(0).readWeights())).not.toEqual(bitsOf(others));
    expect(await group.trainStep([null, null, null])).toEqual([null, null, null]);
    group.dispose();
  });

  it('gives overlapping calls the results of awaited ones, and allocates nothing per step', async () => {
    const run = async (overlapped: boolean) => {
      const group = await createFusedGroupEngine({ configs, optimizer, weights });
      const steps = [0, 1, 2, 3].map((step) => [0, 1, 2].map((member) => stepFor(member, step)));
      const probe = randomBatch(configs[0], [5, 7], 77);
      const calls: unknown[] = [];
      if (overlapped) {
        calls.push(...(await Promise.all([...steps.map((s) => group.trainStep(s)), group.targetLogProbs(probe)])));
      } else {
        for (const s of steps) calls.push(await group.trainStep(s));
        calls.push(await group.targetLogProbs(probe));
      }
      const weightsAfter = await Promise.all([0, 1, 2].map(async (i) => bitsOf(await group.member(i).readWeights())));
      group.dispose();
      return { calls, weightsAfter };
    };
    expect(await run(true)).toEqual(await run(false));
    // Capacity for every batch up front, so that no step outgrows it (that reallocates, by design).
    const group = await createFusedGroupEngine({ configs, optimizer, weights, maxBatch: 3, maxSeq: 8 });
    await group.trainStep([0, 1, 2].map((member) => stepFor(member, 0)));
    const device = gpu!.device;
    const createBuffer = device.createBuffer.bind(device);
    let created = 0;
    device.createBuffer = (descriptor) => {
      created++;
      return createBuffer(descriptor);
    };
    try {
      for (let step = 1; step < 6; step++) await group.trainStep([0, 1, 2].map((member) => stepFor(member, step)));
    } finally {
      device.createBuffer = createBuffer;
    }
    expect(created).toBe(0);
    group.dispose();
  });
});

describe('fused group refusals', () => {
  const limits = { maxStorageBufferBindingSize: 2 ** 27, maxBufferSize: 2 ** 27, maxComputeWorkgroupsPerDimension: 65535 };
  const config = tinyConfig();

  it('says how many members fit, by the largest buffer', () => {
    const shape = { batch: 64, seq: 128 };
    // Every slot's [B, heads, T, T] attention-score gradient, then its SSA partials: the largest buffer at this shape.
    const largest = Math.floor(2 ** 27 / 4 / (64 * 2 * 128 * 128 + 2 * 64 * 2 * 2));
    expect(largest).toBe(15);
    expect(maxGroupSize(limits, config, shape)).toBe(largest);
    expect(() => checkGroupFits(limits, config, largest, shape)).not.toThrow();
    expect(() => checkGroupFits(limits, config, 20, shape)).toThrow(new UserError(
      "K = 20 members do not fit this GPU's buffer limits at batch 64×128; the largest that fits is 15",
    ));
    const huge = tinyConfig({}, { vocabSize: 2 ** 20 });
    expect(() => checkGroupFits(limits, huge, 3)).toThrow(new UserError(
      "K = 3 members do not fit this GPU's buffer limits (their parameters alone); the largest that fits is 1",
    ));
  });

  it.skipIf(gpu === null)('refuses members of different shapes, and more members than the device holds', async () => {
    const other = tinyConfig(SSA_HEADS, { hiddenSize: 32 });
    await expect(createFusedGroupEngine({ configs: [config, other], optimizer, weights: [weightsFor(config), weightsFor(other)] }))
      .rejects.toThrow(new UserError(
        "members of one group must share the model's shape and settings (only attention may differ): member 1 has hiddenSize 32, member 0 has 16",
      ));
    const shape = { batch: 16, seq: 18 };
    const fits = maxGroupSize(gpu!.device.limits, config, shape);
    const configs = Array.from({ length: fits + 1 }, () => config);
    await expect(createFusedGroupEngine({ configs, optimizer, weights: configs.map(() => new Map()), maxBatch: 16, maxSeq: 18 }))
      .rejects.toThrow(`K = ${fits + 1} members do not fit this GPU's buffer limits at batch 16×18; the largest that fits is ${fits}`);
  });
});
