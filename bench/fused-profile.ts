// Where a fused-engine training step spends GPU time: one step timed per dispatch (GPU timestamps),
// summed per kernel, beside the wall time of ordinary steps. Needs an adapter with timestamp-query. With --k, the
// step of a group of K models in lockstep (each on its own batch; --attention mixed alternates softmax and SSA).
//   npx tsx bench/fused-profile.ts --preset babyberta --batch 128 --seq 64
//   npx tsx bench/fused-profile.ts --preset babyberta --batch 16 --seq 32 --k 9 --attention mixed
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import type { MemberStep } from '../src/engine/types.js';
import { createFusedGroupEngine } from '../src/engine/webgpu/engine.js';
import { randomTargetedBatch } from '../src/engine/webgpu/parity.js';
import type { ModelConfig } from '../src/model/config.js';
import { initWeights } from '../src/model/init.js';
import { MODEL_PRESETS, PRESET_NAMES } from '../src/model/presets.js';
import { streamFromSeed } from '../src/core/random.js';

const argv = await yargs(hideBin(process.argv))
  .scriptName('fused-profile')
  .option('preset', { choices: PRESET_NAMES, default: 'tiny' as const })
  .option('attention', { choices: ['softmax', 'ssa', 'mixed'] as const, default: 'softmax' as const })
  .option('batch', { type: 'number', default: 16 })
  .option('seq', { type: 'number', default: 32 })
  .option('k', { type: 'number', default: 1, describe: 'models trained in lockstep' })
  .option('steps', { type: 'number', default: 20, describe: 'timed ordinary steps for the wall time' })
  .option('subgroups', { type: 'boolean', default: true, describe: 'row reductions through subgroups where the adapter has them' })
  .strict()
  .parseAsync();

const preset = MODEL_PRESETS[argv.preset];
const ssa = { scoring: 'ssa', ssaN: 1.5, ssaNTrainable: true, ssaB: 0.8, ssaBTrainable: false, ssaGranularity: 'layer' } as const;
const configs = Array.from({ length: argv.k }, (_, i): ModelConfig => ({
  ...preset,
  attention: argv.attention === 'ssa' || (argv.attention === 'mixed' && i % 2 === 1) ? ssa : preset.attention,
}));
const optimizer = { beta1: 0.9, beta2: 0.999, eps: 1e-6, weightDecay: 0, biasCorrection: false, clipNorm: 1 };
const group = await createFusedGroupEngine({
  configs, optimizer, weights: configs.map((config, i) => initWeights(config, streamFromSeed(i).next)), subgroups: argv.subgroups,
});
const random = streamFromSeed(1);
const stepsOf = (batch: number, seq: number) => configs.map((config): MemberStep => ({
  batch: randomTargetedBatch(config, batch, seq, random), options: { lr: 1e-4, dropoutSeed: 0 },
}));
const steps = stepsOf(argv.batch, argv.seq);
for (let i = 0; i < 3; i++) await group.trainStep(steps);
const start = performance.now();
for (let i = 0; i < argv.steps; i++) await group.trainStep(steps);
const wallMs = (performance.now() - start) / argv.steps;
// The same step on 2×4 batches: almost no GPU work, so this is the fixed cost (encoding, submit, read-back).
const small = stepsOf(2, 4);
for (let i = 0; i < 3; i++) await group.trainStep(small);
const smallStart = performance.now();
for (let i = 0; i < argv.steps; i++) await group.trainStep(small);
const fixedMs = (performance.now() - smallStart) / argv.steps;
const totals = await group.profileTrainStep(steps);
const gpuMs = [...totals.values()].reduce((sum, t) => sum + t.ms, 0);
console.log(`${argv.preset} ${argv.attention} K = ${argv.k} ${argv.batch}×${argv.seq} on ${group.adapterName}${group.usesSubgroups ? ' (subgroups)' : ''}: ` +
  `wall ${wallMs.toFixed(2)} ms/step, GPU ${gpuMs.toFixed(2)} ms/step in ${group.lastDispatchCount} dispatches; a 2×4 step takes ${fixedMs.toFixed(2)} ms`);
for (const [kernel, t] of [...totals].sort((a, b) => b[1].ms - a[1].ms)) {
  console.log(`${kernel.padEnd(20)} ${t.ms.toFixed(3).padStart(9)} ms  ${String(t.count).padStart(4)} dispatches  ${(100 * t.ms / gpuMs).toFixed(1)}%`);
}
group.dispose();
