// `babyssa pretrain`: masked-LM pretraining of a BabyBERTa-style encoder with Softmax or SSA attention.
import type { CommandModule } from 'yargs';
import { shippedPath } from '../config/paths.js';
import { resolveTrainConfig } from '../config/resolve.js';
import { trainConfigSchema } from '../config/schema.js';
import { pretrain } from '../train/loop.js';
import { currentRunConfig } from '../train/resume-changes.js';
import { probeHookFor } from '../train/probe-hook.js';

const CONFIG_KEYS = new Set(Object.keys(trainConfigSchema.shape));

/** A resumed run's own settings (with the changes recorded since it started), so `--out DIR --resume` is enough. */
async function savedRunConfig(out: unknown): Promise<Record<string, unknown> | undefined> {
  if (typeof out !== 'string') return undefined;
  const current = await currentRunConfig(out);
  if (!current) return undefined;
  const { resume: _resume, out: _out, allowConfigChange: _allow, ...saved } = current;
  return saved;
}

/** Every pretrain flag; `babyssa sweep` forwards the ones it does not set itself. */
export const PRETRAIN_OPTIONS = {
  config: { type: 'string', describe: 'JSON file of config keys (flags override it)' },
  preset: { type: 'string', describe: 'model preset: babyberta | tiny' },
  corpus: { type: 'string', describe: 'AO-CHILDES-format text: one utterance per line' },
  tokenizer: { type: 'string', describe: 'HF byte-level BPE tokenizer.json' },
  attention: { type: 'string', describe: 'attention scoring: softmax | ssa' },
  'ssa-n': { type: 'number', describe: 'SSA exponent n (≥ 1), e.g. 1.5 or 2' },
  'ssa-n-trainable': { type: 'boolean', describe: 'learn n' },
  'ssa-b': { type: 'number', describe: 'SSA scale b (> 0)' },
  'ssa-b-trainable': { type: 'boolean', describe: 'learn b' },
  'ssa-granularity': { type: 'string', describe: 'one (n, b) per layer or per head: layer | head' },
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
  out: { type: 'string', describe: 'run folder (default checkpoints/<preset>-<attention>-seed<seed>)' },
  'save-every': { type: 'number', describe: 'checkpoint every N steps (0 = only at the end)' },
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
    const flags = Object.fromEntries(Object.entries(argv).filter(([key]) => CONFIG_KEYS.has(key)));
    const log = (line: string) => process.stderr.write(`babyssa: ${line}\n`);
    const config = resolveTrainConfig(flags, argv.config as string | undefined, flags.resume ? await savedRunConfig(flags.out) : undefined, log);
    config.corpus = shippedPath(config.corpus);
    config.tokenizer = shippedPath(config.tokenizer);
    config.probeSuite = shippedPath(config.probeSuite);
    const result = await pretrain(config, { argv: process.argv.slice(2), probe: config.probeEvery > 0 ? probeHookFor(config) : undefined });
    const stop = result.stoppedBy === 'done' ? '' : result.stoppedBy === 'interrupt' ? ' (interrupted; resume with --resume)' : ' (time limit; resume with --resume)';
    process.stderr.write(
      `babyssa: step ${result.step}${stop}; loss ${result.firstLoss.toFixed(3)} → ${result.lastMeanLoss.toFixed(3)} (means over ${config.logEvery} steps) on ` +
        `${result.engine.kind}/${result.engine.backend}; checkpoint ${result.checkpointDir}\n`,
    );
  },
};
