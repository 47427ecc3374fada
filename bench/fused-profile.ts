// Where a fused-engine training step spends GPU time: one step timed per dispatch (GPU timestamps),
// summed per kernel, beside the wall time of ordinary steps. Needs an adapter with timestamp-query.
//   npx tsx bench/fused-profile.ts --preset babyberta --batch 128 --seq 64
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { createFusedEngine } from '../src/engine/webgpu/engine.js';
import { randomTargetedBatch } from '../src/engine/webgpu/parity.js';
import type { ModelConfig } from '../src/model/config.js';
import { initWeights } from '../src/model/init.js';
import { MODEL_PRESETS, PRESET_NAMES } from '../src/model/presets.js';
import { streamFromSeed } from '../src/core/random.js';

const argv = await yargs(hideBin(process.argv))
  .scriptName('fused-profile')
  .option('preset', { choices: PRESET_NAMES, default: 'tiny' as const })
  .option('attention', { choices: ['softmax', 'ssa'] as const, default: 'softmax' as const })
  .option('batch', { type: 'number', default: 16 })
  .option('seq', { type: 'number', default: 32 })
  .option('steps', { type: 'number', default: 20, describe: 'timed ordinary steps for the wall time' })
  .option('subgroups', { type: 'boolean', default: true, describe: 'row reductions through subgroups where the adapter has them' })
  .strict()
  .parseAsync();

const preset = MODEL_PRESETS[argv.preset];
const config: ModelConfig = {
  ...preset,
  attention: argv.attention === 'ssa'
    ? { scoring: 'ssa', ssaN: 1.5, ssaNTrainable: true, ssaB: 0.8, ssaBTrainable: false, ssaGranularity: 'layer' }
    : preset.attention,
};
const optimizer = { beta1: 0.9, beta2: 0.999, eps: 1e-6, weightDecay: 0, biasCorrection: false, clipNorm: 1 };
const engine = await createFusedEngine({ config, optimizer, weights: initWeights(config, streamFromSeed(0).next), subgroups: argv.subgroups });
const batch = randomTargetedBatch(config, argv.batch, argv.seq, streamFromSeed(1));
for (let i = 0; i < 3; i++) await engine.trainStep(batch, { lr: 1e-4, dropoutSeed: i });
const start = performance.now();
for (let i = 0; i < argv.steps; i++) await engine.trainStep(batch, { lr: 1e-4, dropoutSeed: i });
const wallMs = (performance.now() - start) / argv.steps;
// The same step on a 2×4 batch: almost no GPU work, so this is the fixed cost (encoding, submit, read-back).
const small = randomTargetedBatch(config, 2, 4, streamFromSeed(2));
for (let i = 0; i < 3; i++) await engine.trainStep(small, { lr: 1e-4, dropoutSeed: i });
const smallStart = performance.now();
for (let i = 0; i < argv.steps; i++) await engine.trainStep(small, { lr: 1e-4, dropoutSeed: i });
const fixedMs = (performance.now() - smallStart) / argv.steps;
const totals = await engine.profileTrainStep(batch, { lr: 1e-4, dropoutSeed: 0 });
const gpuMs = [...totals.values()].reduce((sum, t) => sum + t.ms, 0);
console.log(`${argv.preset} ${argv.attention} ${argv.batch}×${argv.seq} on ${engine.adapterName}${engine.usesSubgroups ? ' (subgroups)' : ''}: wall ${wallMs.toFixed(2)} ms/step, ` +
  `GPU ${gpuMs.toFixed(2)} ms/step in ${engine.lastDispatchCount} dispatches; a 2×4 step takes ${fixedMs.toFixed(2)} ms`);
for (const [kernel, t] of [...totals].sort((a, b) => b[1].ms - a[1].ms)) {
  console.log(`${kernel.padEnd(20)} ${t.ms.toFixed(3).padStart(9)} ms  ${String(t.count).padStart(4)} dispatches  ${(100 * t.ms / gpuMs).toFixed(1)}%`);
}
engine.dispose();
