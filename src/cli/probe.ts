// `babyssa probe`: score a checkpoint on a minimal-pair suite; per-paradigm accuracy as JSON files, a table on stderr.
import { join } from 'node:path';
import type { CommandModule } from 'yargs';
import { shippedPath } from '../config/paths.js';
import { createEngine, type EngineKind } from '../engine/index.js';
import { loadCheckpoint } from '../io/checkpoint.js';
import { TIE_POLICIES, type TiePolicy } from '../probe/accuracy.js';
import { formatSummaryTable, ITEMS_FILE, resultsDirForRun, SUMMARY_FILE } from '../probe/output.js';
import { DEFAULT_PROBE_OPTIONS, probeCheckpointInProcess } from '../probe/run.js';
import { SCORING_METHODS, type ScoringMethod } from '../probe/score.js';
import { readSuite } from '../probe/suite.js';
import { checkSuiteTokenizer, defaultSuiteFor } from '../probe/suite-fit.js';
import { loadTokenizer, checkTokenizerFits } from '../tokenizer/load.js';
import { fail } from './errors.js';

function positiveInteger(value: unknown, flag: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) fail(`${flag} must be a positive integer (got ${String(value)})`);
  return value;
}

export const probeCommand: CommandModule = {
  command: 'probe',
  describe: 'Score a checkpoint on minimal pairs (Zorro dir, BLiMP jsonl, or a generated suite): per-paradigm accuracy',
  builder: (y) =>
    y
      .options({
        checkpoint: { type: 'string', demandOption: true, describe: 'step-N folder, or a run folder (its latest complete step)' },
        suite: {
          type: 'string',
          describe: 'suite folder (suite.json or Zorro .txt files), a Zorro .txt, or a BLiMP .jsonl (default: the shipped suite made for the checkpoint\'s tokenizer, probes/default or probes/babyberta)',
        },
        'allow-tokenizer-mismatch': { type: 'boolean', default: false, describe: 'probe with a generated suite made for another tokenizer' },
        scoring: { type: 'string', default: DEFAULT_PROBE_OPTIONS.scoring, choices: SCORING_METHODS, describe: 'holistic (mean CE, BabyBERTa) | pll | pll-word-l2r' },
        ties: { type: 'string', default: DEFAULT_PROBE_OPTIONS.ties, choices: TIE_POLICIES, describe: 'credit for a tied pair: 0, 0.5, or a seeded coin' },
        seed: { type: 'number', default: DEFAULT_PROBE_OPTIONS.seed, describe: 'seed of the coin for --ties coin' },
        'batch-size': { type: 'number', default: DEFAULT_PROBE_OPTIONS.batchSize, describe: 'most sentences per engine call' },
        'max-rows': { type: 'number', default: DEFAULT_PROBE_OPTIONS.maxRows, describe: 'most sequences per engine call (bounds PLL memory)' },
        backend: { type: 'string', default: 'auto', choices: ['auto', 'cpu', 'wasm', 'webgpu', 'tensorflow'] },
        engine: { type: 'string', default: 'auto', choices: ['auto', 'tfjs', 'fused'], describe: 'auto (fused on webgpu, else tfjs) | tfjs (reference) | fused (WebGPU kernels)' },
        out: { type: 'string', describe: 'output folder (default results/<run>/step-<N>/<suite>)' },
        json: { type: 'boolean', default: false, describe: 'print the summary JSON on stdout' },
      })
      .example('$0 probe --checkpoint checkpoints/tiny-softmax-seed0', 'latest step on the shipped suite for its tokenizer, holistic scoring')
      .example('$0 probe --checkpoint ckpt/step-160000 --suite zorro/sentences/babyberta --scoring pll --json > summary.json', 'Zorro with PLL'),
  handler: async (argv) => {
    const batchSize = positiveInteger(argv['batch-size'], '--batch-size');
    const maxRows = positiveInteger(argv['max-rows'], '--max-rows');
    const seed = argv.seed as number;
    if (!Number.isInteger(seed)) fail(`--seed must be an integer (got ${seed})`);
    const checkpoint = await loadCheckpoint(argv.checkpoint as string);
    const tokenizer = await loadTokenizer(checkpoint.tokenizerPath);
    checkTokenizerFits(tokenizer, checkpoint.modelConfig, checkpoint.tokenizerPath);
    const suite = await readSuite(argv.suite === undefined ? await defaultSuiteFor(tokenizer.json) : shippedPath(argv.suite as string));
    if (!argv['allow-tokenizer-mismatch']) checkSuiteTokenizer(suite, tokenizer.json, checkpoint.tokenizerPath);
    const outDir = (argv.out as string | undefined) ?? join(resultsDirForRun(checkpoint.runDir), `step-${checkpoint.step}`, suite.name);
    const engine = await createEngine({
      config: checkpoint.modelConfig, weights: checkpoint.weights, engine: argv.engine as EngineKind, backend: argv.backend as never,
    });
    try {
      const summary = await probeCheckpointInProcess(engine, tokenizer, suite, {
        scoring: argv.scoring as ScoringMethod, ties: argv.ties as TiePolicy, seed, batchSize, maxRows,
        model: { checkpoint: checkpoint.dir, run: checkpoint.run, step: checkpoint.step },
        outDir, progress: true,
      });
      process.stderr.write(formatSummaryTable(summary));
      process.stderr.write(`babyssa: ${SUMMARY_FILE}, ${ITEMS_FILE} → ${outDir}\n`);
      if (argv.json) process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
    } finally {
      engine.dispose();
    }
  },
};
