// An engine (default: the fused engine) vs the tfjs reference on one shape: logits, loss and every gradient
// for Softmax, SSA with fixed n, SSA with trainable n and b per layer and per head; then K AdamW steps comparing
// the loss curves. Dropout is off unless --dropout p is given; then both engines drop the same elements (one
// generator, src/core/dropout.ts). Exit code 1 above the tolerance.
//   npx tsx bench/fused-parity.ts --preset babyberta --batch 16 --seq 32 --reference-backend webgpu --steps 200
//   npx tsx bench/fused-parity.ts --preset babyberta --batch 16 --seq 32 --reference-backend webgpu --steps 200 --dropout 0.1
// The same check across tfjs backends (issue 4: webgpu against a CPU backend at babyberta size):
//   npx tsx bench/fused-parity.ts --engine tfjs --backend webgpu --reference-backend wasm --preset babyberta
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { dropoutKey } from '../src/core/dropout.js';
import { createEngine } from '../src/engine/index.js';
import { compareGradients, randomTargetedBatch, relativeError } from '../src/engine/webgpu/parity.js';
import type { ModelConfig } from '../src/model/config.js';
import type { AttentionConfig } from '../src/model/attention.js';
import { initWeights } from '../src/model/init.js';
import { MODEL_PRESETS, PRESET_NAMES } from '../src/model/presets.js';
import { streamFromSeed } from '../src/core/random.js';

const argv = await yargs(hideBin(process.argv))
  .scriptName('fused-parity')
  .option('preset', { choices: PRESET_NAMES, default: 'tiny' as const })
  .option('batch', { type: 'number', default: 16 })
  .option('seq', { type: 'number', default: 32 })
  .option('engine', { choices: ['fused', 'tfjs'] as const, default: 'fused' as const, describe: 'the engine under test' })
  .option('backend', { choices: ['cpu', 'wasm', 'webgpu'] as const, default: 'webgpu' as const, describe: 'its backend' })
  .option('reference-backend', { choices: ['cpu', 'wasm', 'webgpu'] as const, default: 'cpu' as const })
  .option('steps', { type: 'number', default: 20, describe: 'AdamW steps compared (softmax and SSA trainable n); 0 skips' })
  .option('dropout', { type: 'number', default: 0, describe: 'hidden and attention dropout of both engines (BabyBERTa: 0.1); 0 is off' })
  .option('tolerance', { type: 'number', default: 1e-4 })
  .option('json', { type: 'boolean', default: false })
  .strict()
  .parseAsync();

const variants: Record<string, Partial<AttentionConfig>> = {
  softmax: { scoring: 'softmax' },
  'ssa-fixed-n2': { scoring: 'ssa', ssaN: 2, ssaB: 1 },
  'ssa-trainable-layer': { scoring: 'ssa', ssaN: 1.5, ssaB: 0.8, ssaNTrainable: true, ssaBTrainable: true },
  'ssa-trainable-head': { scoring: 'ssa', ssaN: 1.5, ssaB: 0.8, ssaNTrainable: true, ssaBTrainable: true, ssaGranularity: 'head' },
};
const optimizer = { beta1: 0.9, beta2: 0.999, eps: 1e-6, weightDecay: 0, biasCorrection: false, clipNorm: 1 };
const results: Record<string, unknown>[] = [];
let failed = false;

for (const [name, attention] of Object.entries(variants)) {
  const preset = MODEL_PRESETS[argv.preset];
  const config: ModelConfig = {
    ...preset, hiddenDropout: argv.dropout, attentionDropout: argv.dropout, attention: { ...preset.attention, ...attention },
  };
  const weights = initWeights(config, streamFromSeed(1).next);
  const reference = await createEngine({ config, engine: 'tfjs', backend: argv['reference-backend'], weights, optimizer });
  const fused = await createEngine({ config, engine: argv.engine, backend: argv.backend, weights, optimizer });
  const random = streamFromSeed(2);
  const batch = randomTargetedBatch(config, argv.batch, argv.seq, random);
  const logits = relativeError((await fused.forward(batch)).logits.data, (await reference.forward(batch)).logits.data);
  const report = await compareGradients(reference, fused, batch, argv.dropout > 0 ? { dropoutSeed: dropoutKey(0, 1) } : {});
  const result: Record<string, unknown> = {
    variant: name, logits, loss: report.loss.relative, worstGradient: report.worstGradient, mismatchedNames: report.mismatchedNames,
  };
  let ok = logits < argv.tolerance && report.loss.relative < argv.tolerance && report.worstGradient.relative < argv.tolerance
    && report.mismatchedNames.length === 0;
  if (argv.steps > 0 && (name === 'softmax' || name === 'ssa-trainable-layer')) {
    let worstLoss = 0;
    const curve: [number, number][] = [];
    for (let step = 0; step < argv.steps; step++) {
      const b = randomTargetedBatch(config, argv.batch, argv.seq, random);
      const options = { lr: 1e-4, dropoutSeed: dropoutKey(0, step + 1) };
      const expected = await reference.trainStep(b, options);
      const actual = await fused.trainStep(b, options);
      worstLoss = Math.max(worstLoss, Math.abs(actual.loss - expected.loss) / expected.loss);
      if (step % Math.max(1, Math.floor(argv.steps / 10)) === 0 || step === argv.steps - 1) curve.push([expected.loss, actual.loss]);
    }
    // Rounding differences compound over many updates; the curves must still agree closely.
    result.trainSteps = argv.steps;
    result.worstStepLoss = worstLoss;
    result.curve = curve;
    ok &&= worstLoss < 1e-3;
  }
  result.ok = ok;
  failed ||= !ok;
  results.push(result);
  console.log(
    `${ok ? 'ok  ' : 'FAIL'} ${name}: logits ${logits.toExponential(2)}, loss ${report.loss.relative.toExponential(2)}, ` +
    `worst gradient ${report.worstGradient.relative.toExponential(2)} (${report.worstGradient.name})` +
    (result.trainSteps ? `, ${argv.steps} steps: worst loss ${(result.worstStepLoss as number).toExponential(2)}` : ''),
  );
  reference.dispose();
  fused.dispose();
}
if (argv.json) console.log(JSON.stringify({ preset: argv.preset, batch: argv.batch, seq: argv.seq, dropout: argv.dropout, results }));
process.exitCode = failed ? 1 : 0;
