// `babyssa compare`: aggregate probe summaries of several runs over seeds and variants.
import type { CommandModule } from 'yargs';
import { compare, longRows } from '../report/compare.js';
import { writeComparison } from '../report/outputs.js';
import { collectRunSummaries } from '../report/summaries.js';
import { formatComparisonTable } from '../report/table.js';
import { fail } from './errors.js';

export const compareCommand: CommandModule = {
  command: 'compare <dirs..>',
  describe: 'Aggregate probe results over seeds: per-variant accuracy with 95% t-intervals and SSA − Softmax differences',
  builder: (y) =>
    y
      .positional('dirs', { type: 'string', array: true, describe: 'run folders, sweep folders, results folders or summary.json files' })
      .options({
        out: { type: 'string', default: 'results/comparison', describe: 'folder for comparison.json and comparison.jsonl' },
        suite: { type: 'string', describe: 'probe suite to compare when the summaries cover several' },
        'bootstrap-resamples': { type: 'number', default: 10_000, describe: 'resamples for unpaired differences' },
        'bootstrap-seed': { type: 'number', default: 0, describe: 'seed of the bootstrap draws' },
        json: { type: 'boolean', default: false, describe: 'print comparison.json on stdout' },
        step: { type: 'number', describe: 'compare every run at this probed step (default: each run\'s last, which must agree)' },
        'allow-mismatch': {
          type: 'boolean', default: false,
          describe: 'compare runs that differ in step, scoring, ties, suite or training config; the mismatches go into comparison.json',
        },
      })
      .example('$0 compare checkpoints/my-sweep --out results/my-sweep', 'every run of a sweep')
      .example('$0 compare results/tiny-softmax-seed0 results/tiny-ssa-1.5-seed0', 'two probed runs')
      .example('$0 compare checkpoints/my-sweep --step 50000', 'every run at step 50,000 (say, when one run stopped early)'),
  handler: async (argv) => {
    const resamples = argv['bootstrap-resamples'] as number;
    if (!Number.isInteger(resamples) || resamples < 100) fail('--bootstrap-resamples must be an integer ≥ 100');
    const step = argv.step as number | undefined;
    if (step !== undefined && (!Number.isInteger(step) || step < 0)) fail(`--step must be a step number, not ${step}`);
    const summaries = await collectRunSummaries(argv.dirs as string[]);
    const comparison = compare(summaries, {
      suite: argv.suite as string | undefined,
      bootstrap: { resamples, seed: argv['bootstrap-seed'] as number },
      step,
      allowMismatch: argv['allow-mismatch'] as boolean,
    });
    const kept = summaries.filter((s) => s.suite === comparison.suite);
    const out = argv.out as string;
    await writeComparison(out, comparison, longRows(kept));
    process.stderr.write(formatComparisonTable(comparison));
    process.stderr.write(`babyssa: ${comparison.runs.length} runs, ${kept.length} summaries → ${out}/comparison.json, comparison.jsonl\n`);
    if (argv.json) process.stdout.write(JSON.stringify(comparison, null, 2) + '\n');
  },
};
