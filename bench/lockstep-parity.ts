// A run trained in a fused group is the same run as trained alone (issue 10), checked at a real shape on a GPU:
// K members (softmax, SSA-1.5, SSA-2 with trainable n and b per head, SSA-2, in turn), dropout off, each on its own
// random batches whose sizes and lengths vary by member and step, so the group pads every member differently from
// its lone run. Step 0: each member's loss and every gradient in the group's pass against the member alone (fused,
// K = 1) and against the tfjs reference; then --steps AdamW steps of the group and of the members alone: the worst
// relative loss difference over the steps and every weight after them. Exit code 1 above the tolerances.
//   npx tsx bench/lockstep-parity.ts --preset babyberta --batch 16 --seq 32 --k 4 --steps 200
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { streamFromSeed } from '../src/core/random.js';
import { createEngine } from '../src/engine/index.js';
import type { MemberStep } from '../src/engine/types.js';
import { createFusedEngine, createFusedGroupEngine } from '../src/engine/webgpu/engine.js';
import { compareTensors, randomTargetedBatch } from '../src/engine/webgpu/parity.js';
import type { AttentionConfig } from '../src/model/attention.js';
import type { ModelConfig } from '../src/model/config.js';
import { initWeights } from '../src/model/init.js';
import { MODEL_PRESETS, PRESET_NAMES } from '../src/model/presets.js';

const argv = await yargs(hideBin(process.argv))
  .scriptName('lockstep-parity')
  .option('preset', { choices: PRESET_NAMES, default: 'tiny' as const })
  .option('batch', { type: 'number', default: 16, describe: 'the largest batch; members drop up to one sequence' })
  .option('seq', { type: 'number', default: 32, describe: 'the longest batch; members drop up to three tokens' })
  .option('k', { type: 'number', default: 4 })
  .option('steps', { type: 'number', default: 200, describe: 'AdamW steps compared with the members alone; 0 skips' })
  .option('reference-backend', { choices: ['cpu', 'wasm', 'webgpu'] as const, default: 'webgpu' as const })
  .option('tolerance', { type: 'number', default: 1e-4, describe: 'for losses and gradients at step 0' })
  .option('json', { type: 'boolean', default: false })
  .strict()
  .parseAsync();

const VARIANTS: Record<string, Partial<AttentionConfig>> = {
  softmax: { scoring: 'softmax' },
  'ssa-1.5': { scoring: 'ssa', ssaN: 1.5, ssaB: 1 },
  'ssa-2-trainable-head': { scoring: 'ssa', ssaN: 2, ssaB: 1, ssaNTrainable: true, ssaBTrainable: true, ssaGranularity: 'head' },
  'ssa-2': { scoring: 'ssa', ssaN: 2, ssaB: 1 },
};
const names = Array.from({ length: argv.k }, (_, i) => Object.keys(VARIANTS)[i % 4]);
const preset = MODEL_PRESETS[argv.preset];
const configs = names.map((name): ModelConfig => ({
  ...preset, hiddenDropout: 0, attentionDropout: 0, attention: { ...preset.attention, ...VARIANTS[name] },
}));
const weights = configs.map((config, i) => initWeights(config, streamFromSeed(i + 1).next));
const optimizer = { beta1: 0.9, beta2: 0.999, eps: 1e-6, weightDecay: 0.01, biasCorrection: true, clipNorm: 1 };
const group = await createFusedGroupEngine({ configs, optimizer, weights });
const alone = await Promise.all(configs.map((config, i) => createFusedEngine({ config, optimizer, weights: weights[i] })));
const random = streamFromSeed('lockstep-parity');
/** Member i's batch at `step`: its own size and length, so its padding in the group differs from alone. */
const batchOf = (i: number, step: number) =>
  randomTargetedBatch(configs[i], argv.batch - ((i + step) % 2), argv.seq - ((i + 2 * step) % 4), random);

const batches = configs.map((_, i) => batchOf(i, 0));
const inGroup = await group.lossAndGradients(batches.map((batch) => ({ batch })));
const results: Record<string, unknown>[] = [];
let failed = false;
for (const [i, config] of configs.entries()) {
  const reference = await createEngine({ config, engine: 'tfjs', backend: argv['reference-backend'], weights: weights[i], optimizer });
  const result: Record<string, unknown> = { member: i, variant: names[i] };
  for (const [label, engine] of [['alone', alone[i]], ['reference', reference]] as const) {
    const expected = await engine.lossAndGradients(batches[i]);
    const { worst, mismatchedNames } = compareTensors(inGroup[i]!.gradients, expected.gradients);
    const loss = Math.abs(inGroup[i]!.loss - expected.loss) / expected.loss;
    result[label] = { loss, worstGradient: worst, mismatchedNames };
    failed ||= !(loss < argv.tolerance && worst.relative < argv.tolerance && mismatchedNames.length === 0);
  }
  reference.dispose();
  results.push(result);
}
const worstLoss = configs.map(() => 0);
for (let step = 0; step < argv.steps; step++) {
  const steps = configs.map((_, i): MemberStep => ({ batch: batchOf(i, step + 1), options: { lr: 1e-4, dropoutSeed: step } }));
  const together = await group.trainStep(steps);
  for (const [i, engine] of alone.entries()) {
    const { loss } = await engine.trainStep(steps[i].batch, steps[i].options);
    worstLoss[i] = Math.max(worstLoss[i], Math.abs(together[i]!.loss - loss) / loss);
  }
}
for (const [i, result] of results.entries()) {
  if (argv.steps === 0) continue;
  const weightsError = compareTensors(await group.member(i).readWeights(), await alone[i].readWeights()).worst;
  result.trainSteps = argv.steps;
  result.worstStepLoss = worstLoss[i];
  result.weightsAfter = weightsError;
  // Rounding differences compound over many updates; the runs must still agree closely.
  failed ||= !(worstLoss[i] < 1e-3 && weightsError.relative < 1e-3);
}
for (const result of results) {
  const fmt = (x: number) => x.toExponential(2);
  const side = (label: 'alone' | 'reference') => {
    const r = result[label] as { loss: number; worstGradient: { name: string; relative: number } };
    return `${label}: loss ${fmt(r.loss)}, worst gradient ${fmt(r.worstGradient.relative)} (${r.worstGradient.name || 'all bit-identical'})`;
  };
  const trained = result.trainSteps
    ? `; ${argv.steps} steps: worst loss ${fmt(result.worstStepLoss as number)}, weights after ${fmt((result.weightsAfter as { relative: number }).relative)}`
    : '';
  console.log(`member ${result.member} ${result.variant}: ${side('alone')}; ${side('reference')}${trained}`);
}
if (argv.json) console.log(JSON.stringify({ preset: argv.preset, batch: argv.batch, seq: argv.seq, k: argv.k, results }));
group.dispose();
for (const engine of alone) engine.dispose();
process.exitCode = failed ? 1 : 0;
