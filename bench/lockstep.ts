// Throughput of the fused engine training K models in lockstep (issue 10): for each K, a group mixing softmax,
// SSA-1.5, SSA-2 with trainable n and b per head (K ≥ 3) and SSA-2, each member on its own random-token batches
// (BabyBERTa-like 15% targets, as bench/train.ts), warm-up steps first, then timed steps with one step in flight
// as the trainer keeps. Prints aggregate model-steps/s, per-member steps/s, tokens/s, dispatches per step, the
// host time per step (packing K batches, encoding, submitting: the synchronous part of a step) beside packing
// alone, and with --profile the GPU time of one step (timestamps per dispatch).
//   npx tsx bench/lockstep.ts --preset babyberta --batch 16 --seq 32 --k 1,3,9,15 --steps 300 --json out.json
//   npx tsx bench/lockstep.ts --preset babyberta --batch 128 --seq 64 --k 1 --steps 100
//   npx tsx bench/lockstep.ts --preset tiny --steps 3          (smoke test on lavapipe; not a timing)
import { writeFile } from 'node:fs/promises';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import type { TargetedBatch } from '../src/core/batches.js';
import { dropoutKey } from '../src/core/dropout.js';
import { streamFromSeed, type RandomStream } from '../src/core/random.js';
import type { MemberStep, StepResult } from '../src/engine/types.js';
import { BatchPacker, batchSections, type SlotEntry } from '../src/engine/webgpu/batch.js';
import { createFusedGroupEngine, type FusedGroupEngine } from '../src/engine/webgpu/engine.js';
import { requestWebGpu } from '../src/engine/webgpu-runtime.js';
import type { AttentionConfig } from '../src/model/attention.js';
import { FIRST_ORDINARY_ID, maxSequenceLength, SPECIAL_IDS, type ModelConfig } from '../src/model/config.js';
import { initWeights } from '../src/model/init.js';
import { MODEL_PRESETS, PRESET_NAMES } from '../src/model/presets.js';

const argv = await yargs(hideBin(process.argv))
  .scriptName('bench:lockstep')
  .option('preset', { choices: PRESET_NAMES, default: 'tiny' as const })
  .option('batch', { type: 'number', default: 16 })
  .option('seq', { type: 'number', default: 32, describe: 'tokens per sequence incl. <s> and </s>' })
  .option('k', { type: 'string', default: '1,3,9', describe: 'group sizes, comma-separated' })
  .option('steps', { type: 'number', default: 100, describe: 'timed steps per group size' })
  .option('warmup', { type: 'number', default: 5, describe: 'untimed steps first (compilation, allocation)' })
  .option('profile', { type: 'boolean', default: false, describe: 'also time one step per dispatch (GPU timestamps)' })
  .option('json', { type: 'string', describe: 'also write the results as JSON to this file' })
  .strict()
  .parseAsync();

const preset = MODEL_PRESETS[argv.preset];
if (argv.seq < 3 || argv.seq > maxSequenceLength(preset)) throw new Error(`--seq must be in 3..${maxSequenceLength(preset)}`);
const sizes = argv.k.split(',').map(Number);
if (sizes.some((k) => !Number.isInteger(k) || k < 1)) throw new Error(`--k takes positive integers, got ${argv.k}`);
if (!(await requestWebGpu())) throw new Error('no WebGPU adapter found: the fused engine needs one');

const VARIANTS: Record<string, Partial<AttentionConfig>> = {
  softmax: { scoring: 'softmax' },
  'ssa-1.5': { scoring: 'ssa', ssaN: 1.5, ssaB: 1 },
  'ssa-2-trainable-head': { scoring: 'ssa', ssaN: 2, ssaB: 1, ssaNTrainable: true, ssaBTrainable: true, ssaGranularity: 'head' },
  'ssa-2': { scoring: 'ssa', ssaN: 2, ssaB: 1 },
};
/** Member i's variant: the four in turn (a group of 3 has a trainable member; one model is softmax). */
const variantOf = (i: number) => Object.keys(VARIANTS)[i % 4];
/** Distinct batches per member, generated before timing and reused in turn. */
const POOL = 4;
const optimizer = { beta1: 0.9, beta2: 0.999, eps: 1e-6, weightDecay: 0, biasCorrection: true, clipNorm: 1 };

/** Full-length sequences `<s> w… </s>`; each inner token is a target with p = .15 (at least one), 90% shown as <mask>. */
function randomBatch(config: ModelConfig, random: RandomStream): TargetedBatch {
  const { batch: b, seq: t } = argv;
  const inputIds = new Int32Array(b * t);
  const positions: number[] = [];
  const targets: number[] = [];
  const ordinary = () => FIRST_ORDINARY_ID + random.int(config.vocabSize - FIRST_ORDINARY_ID);
  for (let row = 0; row < b; row++) {
    for (let i = 0; i < t; i++) inputIds[row * t + i] = i === 0 ? SPECIAL_IDS.bos : i === t - 1 ? SPECIAL_IDS.eos : ordinary();
    const chosen: number[] = [];
    while (chosen.length === 0) for (let i = 1; i < t - 1; i++) if (random.next() < 0.15) chosen.push(row * t + i);
    for (const i of chosen) {
      positions.push(i);
      targets.push(inputIds[i]);
      inputIds[i] = random.next() < 0.9 ? SPECIAL_IDS.mask : ordinary();
    }
  }
  return {
    batchSize: b, seqLen: t, inputIds, attentionMask: new Uint8Array(b * t).fill(1),
    targetPositions: Int32Array.from(positions), targetIds: Int32Array.from(targets),
  };
}

/** Packing alone, as the engine does it per step: K batches into the member table and sections. */
function packingMs(config: ModelConfig, pool: TargetedBatch[][], steps: number): number {
  const K = pool.length;
  const M = Math.max(...pool.flat().map((b) => b.targetPositions.length));
  const packer = new BatchPacker(batchSections(argv.batch * argv.seq, M), K, config.vocabSize, config.maxPositions);
  const entries = pool.map((_, member): SlotEntry => ({ member, flags: 0, key: 0, lr: 1e-4, stepSize: 1e-4, sqrtBc2: 1 }));
  const start = performance.now();
  for (let step = 0; step < steps; step++) {
    const batches = pool.map((batches) => {
      const batch = batches[step % POOL];
      return { batch, targets: batch.targetPositions, targetIds: batch.targetIds };
    });
    packer.pack(entries, batches, { batch: argv.batch, seq: argv.seq, targets: M });
  }
  return (performance.now() - start) / steps;
}

async function benchGroup(K: number) {
  const configs = Array.from({ length: K }, (_, i): ModelConfig => ({
    ...preset, attention: { ...preset.attention, ...VARIANTS[variantOf(i)] },
  }));
  const group: FusedGroupEngine = await createFusedGroupEngine({
    configs, optimizer, weights: configs.map((config, i) => initWeights(config, streamFromSeed(i).next)),
    maxBatch: argv.batch, maxSeq: argv.seq,
  });
  const pool = configs.map((config, i) => {
    const random = streamFromSeed(`batches/${i}`);
    return Array.from({ length: POOL }, () => randomBatch(config, random));
  });
  const stepsAt = (step: number) => pool.map((batches, member): MemberStep => ({
    batch: batches[step % POOL], options: { lr: 1e-4, dropoutSeed: dropoutKey(member, step + 1) },
  }));
  let last: (StepResult | null)[] = [];
  for (let i = 0; i < argv.warmup; i++) last = await group.trainStep(stepsAt(i));
  // Timed like the trainer: step i + 1 is submitted before step i's losses are awaited; the clock stops when the
  // last losses are read. A step's synchronous part (pack, upload, encode, submit) is the host's share.
  let hostMs = 0;
  const submit = (i: number) => {
    const t0 = performance.now();
    const pending = group.trainStep(stepsAt(argv.warmup + i));
    hostMs += performance.now() - t0;
    return pending;
  };
  const start = performance.now();
  let inFlight = argv.steps > 0 ? submit(0) : undefined;
  for (let i = 1; inFlight; i++) {
    const current = inFlight;
    inFlight = i < argv.steps ? submit(i) : undefined;
    last = await current;
  }
  const seconds = (performance.now() - start) / 1000;
  const dispatches = group.lastDispatchCount;
  const kernels = { ...group.kernels };
  let gpuMs: number | null = null;
  if (argv.profile) {
    const totals = await group.profileTrainStep(stepsAt(0));
    gpuMs = [...totals.values()].reduce((sum, t) => sum + t.ms, 0);
  }
  group.dispose();
  const steps = argv.steps;
  const losses = last.map((r) => r?.loss ?? NaN);
  return {
    k: K, variants: configs.map((_, i) => variantOf(i)), steps, seconds: Number(seconds.toFixed(3)),
    modelStepsPerSecond: Number(((K * steps) / seconds).toFixed(1)),
    memberStepsPerSecond: Number((steps / seconds).toFixed(2)),
    tokensPerSecond: Math.round((K * steps * argv.batch * argv.seq) / seconds),
    wallMsPerStep: Number(((1000 * seconds) / steps).toFixed(3)),
    hostMsPerStep: Number((hostMs / steps).toFixed(3)),
    packMsPerStep: Number(packingMs(configs[0], pool, Math.max(steps, 10)).toFixed(3)),
    dispatchesPerStep: dispatches, kernels, gpuMsPerStep: gpuMs === null ? null : Number(gpuMs.toFixed(3)),
    lastLosses: losses.map((l) => Number(l.toFixed(4))),
  };
}

const adapter = (await requestWebGpu())!.adapterName;
const results = [];
for (const K of sizes) {
  const r = await benchGroup(K);
  results.push(r);
  console.log(
    `K = ${r.k} (${argv.preset} ${argv.batch}×${argv.seq}): ${r.modelStepsPerSecond} model-steps/s, ${r.memberStepsPerSecond} steps/s ` +
    `per member, ${r.tokensPerSecond} tokens/s; ${r.wallMsPerStep} ms/step wall, host ${r.hostMsPerStep} ms/step ` +
    `(packing ${r.packMsPerStep}), ${r.dispatchesPerStep} dispatches/step` + (r.gpuMsPerStep === null ? '' : `, GPU ${r.gpuMsPerStep} ms/step`) +
    ` [subgroups ${r.kernels.subgroups ? 'on' : 'off'}]`,
  );
}
if (argv.json) {
  const record = { adapter, preset: argv.preset, batch: argv.batch, seq: argv.seq, warmup: argv.warmup, results };
  await writeFile(argv.json, JSON.stringify(record, null, 2) + '\n');
}
