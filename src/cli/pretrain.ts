// `babyssa pretrain`: masked-LM pretraining of a BabyBERTa-style encoder with Softmax or SSA attention.
import type { CommandModule } from 'yargs';
import { shippedPath } from '../config/paths.js';
import { ATTENTION_OPTIONS } from '../model/attention.js';
import { resolveTrainConfig } from '../config/resolve.js';
import { trainConfigSchema, type TrainConfig } from '../config/schema.js';
import { pretrain } from '../train/loop.js';
import { currentRunConfig } from '../train/resume-changes.js';
import { probeHookFor } from '../train/probe-hook.js';
import { fail } from './errors.js';

const CONFIG_KEYS = new Set(Object.keys(trainConfigSchema.shape));

/** A resumed run's own settings (with the changes recorded since it started), so `--out DIR --resume` is enough. */
function savedRunConfig(out: unknown): Record<string, unknown> | undefined {
  if (typeof out !== 'string') return undefined;
  const current = currentRunConfig(out);
  if (!current) return undefined;
  const { resume: _resume, out: _out, allowConfigChange: _allow, ...saved } = current;
  return saved;
}

function parseSteps(text: string): number[] {
  const steps = text.split(',').map((part) => part.trim()).filter((part) => part !== '').map(Number);
  if (steps.some((step) => !Number.isInteger(step) || step < 1)) fail(`--keep-steps "${text}" must be comma-separated positive step numbers`);
  return steps;
}

const toStderr = (line: string) => process.stderr.write(`babyssa: ${line}\n`);

/**
 * The run's TrainConfig from parsed pretrain flags (yargs' camelCase keys), as `babyssa pretrain` resolves it;
 * a default fitted to the request (the warm-up) is said through `log`.
 */
export function trainConfigFromArgs(argv: Record<string, unknown>, log: (line: string) => void = toStderr): TrainConfig {
  const flags = Object.fromEntries(Object.entries(argv).filter(([key]) => CONFIG_KEYS.has(key)));
  if (typeof flags.keepSteps === 'string') flags.keepSteps = parseSteps(flags.keepSteps);
  const config = resolveTrainConfig(flags, argv.config as string | undefined, flags.resume ? savedRunConfig(flags.out) : undefined, log);
  config.corpus = shippedPath(config.corpus);
  config.tokenizer = shippedPath(config.tokenizer);
  config.probeSuite = shippedPath(config.probeSuite);
  return config;
}

/** Every pretrain flag; `babyssa sweep` forwards the ones it does not set itself. */
export const PRETRAIN_OPTIONS = {
  config: { type: 'string', describe: 'JSON file of config keys (flags override it)' },
  preset: { type: 'string', describe: 'model preset: babyberta | tiny' },
  corpus: { type: 'string', describe: 'AO-CHILDES-format text: one utterance per line' },
  tokenizer: { type: 'string', describe: 'HF byte-level BPE tokenizer.json' },
  ...ATTENTION_OPTIONS,
  masking: { type: 'string', describe: 'babyberta (90/10/0) | hf (80/10/10)' },
  'mask-probability': { type: 'number', describe: 'share of tokens chosen as targets' },
  steps: { type: 'number', describe: 'total steps of the run (also with --resume)' },
  'batch-size': { type: 'number', describe: 'sequences per step' },
  lr: { type: 'number', describe: 'peak learning rate' },
  'warmup-steps': { type: 'number', describe: 'linear warm-up steps' },
  'weight-decay': { type: 'number', describe: 'AdamW decoupled weight decay' },
  'bias-correction': { type: 'boolean', describe: 'AdamW bias correction (--no-bias-correction = BabyBERTa)' },
  'clip-norm': { type: 'number', describe: 'global gradient-norm clip (0 = off)' },
  'max-length': { type: 'number', describe: 'drop sequences longer than this (incl. <s></s>)' },
  seed: { type: 'number', describe: 'seed of every random choice' },
  backend: { type: 'string', describe: 'auto | cpu | wasm | webgpu | tensorflow' },
  engine: { type: 'string', describe: 'auto (fused on webgpu, else tfjs) | tfjs (reference) | fused (WebGPU kernels)' },
  out: { type: 'string', describe: 'run folder (default checkpoints/<preset>-<variant>-seed<seed>)' },
  'save-every': { type: 'number', describe: 'checkpoint every N steps (0 = only at the end)' },
  'keep-last': { type: 'number', describe: 'keep the newest N checkpoints (0 = all)' },
  'keep-steps': { type: 'string', describe: 'comma-separated steps whose checkpoints are always kept, e.g. 20000,40000' },
  'log-every': { type: 'number', describe: 'metrics.jsonl line every N steps' },
  resume: { type: 'boolean', describe: 'continue from the latest complete checkpoint in --out' },
  'allow-config-change': { type: 'boolean', describe: 'with --resume: change a training setting (lr, corpus, …) knowingly; recorded in resume-changes.jsonl' },
  'probe-every': { type: 'number', describe: 'probe every N steps into results/<run>/ (0 = off)' },
  'probe-suite': { type: 'string', describe: 'suite for --probe-every' },
  'max-minutes': { type: 'number', describe: 'save and exit 0 after this many minutes' },
} as const satisfies Record<string, { type: 'string' | 'number' | 'boolean'; describe: string }>;

export const pretrainCommand: CommandModule = {
  command: 'pretrain',
  describe: 'Train a masked-LM encoder (defaults: tiny preset on the embedded corpus, a few CPU minutes)',
  builder: (y) =>
    y
      .options(PRETRAIN_OPTIONS)
      .example('$0 pretrain', 'tiny model on the embedded corpus (CPU, ~2 minutes)')
      .example('$0 pretrain --preset babyberta --attention ssa --ssa-n 2 --corpus corpora/aochildes.txt --tokenizer tok/tokenizer.json --backend webgpu', 'SSA-2 BabyBERTa on a GPU')
      .example('$0 pretrain --out checkpoints/run1 --resume --steps 20000', 'continue a run to 20,000 steps'),
  handler: async (argv) => {
    const config = trainConfigFromArgs(argv);
    const result = await pretrain(config, { argv: process.argv.slice(2), probe: config.probeEvery > 0 ? probeHookFor(config) : undefined });
    const stop = result.stoppedBy === 'done' ? '' : result.stoppedBy === 'interrupt' ? ' (interrupted; resume with --resume)' : ' (time limit; resume with --resume)';
    const diverged = result.divergedAt === null ? '' : ` (diverged at step ${result.divergedAt})`;
    process.stderr.write(
      `babyssa: step ${result.step}${stop}; loss ${result.firstLoss.toFixed(3)} → ${result.lastMeanLoss.toFixed(3)}${diverged} (means over ${config.logEvery} steps) on ` +
        `${result.engine.kind}/${result.engine.backend}; checkpoint ${result.checkpointDir}\n`,
    );
  },
};
