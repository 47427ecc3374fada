// Training throughput of an engine on a backend: random ids, BabyBERTa-like 15% targets, fixed B×T,
// warm-up steps excluded, one step in flight as in training.
// `npm run bench:train -- --backend wasm --preset tiny --batch 16 --seq 32`
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { createEngine } from '../src/engine/index.js';
import type { TargetedBatch } from '../src/core/batches.js';
import { FIRST_ORDINARY_ID, maxSequenceLength, SPECIAL_IDS, type ModelConfig } from '../src/model/config.js';
import { MODEL_PRESETS, PRESET_NAMES } from '../src/model/presets.js';
import { streamFromSeed, type RandomStream } from '../src/core/random.js';

const argv = await yargs(hideBin(process.argv))
  .scriptName('bench:train')
  .option('backend', { choices: ['auto', 'cpu', 'wasm', 'webgpu', 'tensorflow'] as const, default: 'auto' as const })
  .option('engine', { choices: ['tfjs', 'fused'] as const, default: 'tfjs' as const })
  .option('preset', { choices: PRESET_NAMES, default: 'tiny' as const })
  .option('attention', { choices: ['softmax', 'ssa'] as const, default: 'softmax' as const })
  .option('batch', { type: 'number', default: 16 })
  .option('seq', { type: 'number', default: 32, describe: 'tokens per sequence incl. <s> and </s>' })
  .option('steps', { type: 'number', default: 10, describe: 'timed steps' })
  .option('warmup', { type: 'number', default: 2, describe: 'untimed steps first (kernel compilation, allocation)' })
  .option('json', { type: 'boolean', default: false, describe: 'also print the result as JSON' })
  .strict()
  .parseAsync();

const config: ModelConfig = {
  ...MODEL_PRESETS[argv.preset],
  attention: argv.attention === 'ssa'
    ? { scoring: 'ssa', ssaN: 1.5, ssaNTrainable: true, ssaB: 0.8, ssaBTrainable: false, ssaGranularity: 'layer' }
    : MODEL_PRESETS[argv.preset].attention,
};
if (argv.seq < 3 || argv.seq > maxSequenceLength(config)) throw new Error(`--seq must be in 3..${maxSequenceLength(config)}`);

/** Full-length sequences `<s> w… </s>`; each inner token is a target with p = .15 (at least one), 90% shown as <mask>. */
function randomBatch(random: RandomStream): TargetedBatch {
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

const engine = await createEngine({ config, engine: argv.engine, backend: argv.backend, seed: 0 });
const random = streamFromSeed(0);
const batches = Array.from({ length: 4 }, () => randomBatch(random));
let loss = NaN;
for (let i = 0; i < argv.warmup; i++) loss = (await engine.trainStep(batches[i % batches.length], { lr: 1e-4, dropoutSeed: i })).loss;
// Timed like the trainer: one step in flight (step i + 1 is submitted before step i's loss is awaited); the
// clock stops when the last loss is read.
const step = (i: number) => engine.trainStep(batches[i % batches.length], { lr: 1e-4, dropoutSeed: argv.warmup + i });
const start = performance.now();
let inFlight = argv.steps > 0 ? step(0) : undefined;
for (let i = 1; inFlight; i++) {
  const current = inFlight;
  inFlight = i < argv.steps ? step(i) : undefined;
  loss = (await current).loss;
}
const seconds = (performance.now() - start) / 1000;
engine.dispose();

const result = {
  engine: engine.kind, backend: engine.backend, adapter: engine.adapterName ?? null, preset: argv.preset, attention: argv.attention,
  batch: argv.batch, seq: argv.seq, steps: argv.steps, seconds: Number(seconds.toFixed(3)),
  stepsPerSecond: Number((argv.steps / seconds).toFixed(3)),
  tokensPerSecond: Math.round((argv.steps * argv.batch * argv.seq) / seconds), lastLoss: Number(loss.toFixed(4)),
  // The fused engine counts the compute dispatches of its last step (one command buffer per step).
  dispatchesPerStep: (engine as { lastDispatchCount?: number }).lastDispatchCount ?? null,
};
const device = result.adapter ? `${result.backend} (${result.adapter})` : result.backend;
console.log(
  `${result.engine}/${device} ${result.preset} ${result.attention} ${result.batch}×${result.seq}: ` +
  `${result.stepsPerSecond} steps/s, ${result.tokensPerSecond} tokens/s (${result.steps} steps in ${result.seconds} s)`,
);
if (argv.json) console.log(JSON.stringify(result));
