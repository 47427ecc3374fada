// `babyssa attention`: attention-saturation diagnostics and the deviant-value experiment on a checkpoint.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CommandModule } from 'yargs';
import { createEngine } from '../engine/index.js';
import { writeFileAtomic } from '../core/files.js';
import { loadCheckpoint } from '../io/checkpoint.js';
import { maxSequenceLength } from '../model/config.js';
import { readSuite } from '../probe/suite.js';
import { attentionDiagnostics, heatmapSpec, mostFrequentToken } from '../report/attention.js';
import { renderSvg } from '../report/plots.js';
import { loadTokenizer } from '../tokenizer/load.js';
import { fail } from './errors.js';

async function seedOf(runDir: string): Promise<number | null> {
  const text = await readFile(join(runDir, 'config.resolved.json'), 'utf8').catch(() => null);
  const seed = text ? (JSON.parse(text) as { seed?: unknown }).seed : undefined;
  if (typeof seed === 'number') return seed;
  const match = /seed[-_]?(\d+)/.exec(runDir);
  return match ? Number(match[1]) : null;
}

export const attentionCommand: CommandModule = {
  command: 'attention',
  describe: 'Attention saturation per layer and head on probe sentences, and the deviant-value experiment (JSON + SVG)',
  builder: (y) =>
    y
      .options({
        checkpoint: { type: 'string', demandOption: true, describe: 'step-N folder, or a run folder (its latest step)' },
        suite: { type: 'string', default: 'probes/default', describe: 'probe suite whose sentences to run' },
        paradigm: { type: 'string', describe: 'only this paradigm\'s sentences' },
        'max-sentences': { type: 'number', default: 200, describe: 'first N distinct sentences (good and bad)' },
        'deviant-token': { type: 'string', describe: 'token whose embedding is scaled (default: the most frequent one)' },
        'deviant-factor': { type: 'number', default: 10, describe: 'scale of the deviant embedding row' },
        backend: { type: 'string', default: 'auto', choices: ['auto', 'cpu', 'wasm', 'webgpu', 'tensorflow'] },
        out: { type: 'string', describe: 'output folder (default results/<run>/step-<N>/attention)' },
      })
      .example('$0 attention --checkpoint checkpoints/demo/ssa-1.5-seed0 --max-sentences 100', 'diagnostics of the latest step'),
  handler: async (argv) => {
    const maxSentences = argv['max-sentences'] as number;
    const factor = argv['deviant-factor'] as number;
    if (!Number.isInteger(maxSentences) || maxSentences < 1) fail('--max-sentences must be a positive integer');
    if (!(factor > 0)) fail('--deviant-factor must be positive');
    const checkpoint = await loadCheckpoint(argv.checkpoint as string);
    const tokenizer = await loadTokenizer(checkpoint.tokenizerPath);
    const suite = await readSuite(argv.suite as string);
    const paradigm = argv.paradigm as string | undefined;
    const paradigms = paradigm ? suite.paradigms.filter((p) => p.name === paradigm) : suite.paradigms;
    if (paradigms.length === 0) fail(`suite ${suite.name} has no paradigm "${paradigm}"; it has ${suite.paradigms.map((p) => p.name).join(', ')}`);
    const sentences = [...new Set(paradigms.flatMap((p) => p.pairs.flatMap((pair) => [pair.good, pair.bad])))].slice(0, maxSentences);
    const limit = maxSequenceLength(checkpoint.modelConfig);
    const sequences = sentences.map((s) => tokenizer.encode(s).ids).filter((ids) => ids.length <= limit);
    if (sequences.length === 0) fail(`no sentence of ${suite.path} fits the model's ${limit} positions`);

    const wanted = argv['deviant-token'] as string | undefined;
    const tokenId = wanted === undefined ? mostFrequentToken(sequences) : tokenizer.tokenToId(`Ġ${wanted}`) ?? tokenizer.tokenToId(wanted);
    if (tokenId === undefined) fail(`--deviant-token "${wanted}" is not in the tokenizer's vocabulary`);
    const token = tokenizer.idToToken(tokenId) ?? String(tokenId);
    if (!sequences.some((ids) => ids.includes(tokenId))) fail(`no selected sentence holds the deviant token "${token}"; pick another --deviant-token`);

    const settings = checkpoint.modelConfig.attention;
    const engine = await createEngine({ config: checkpoint.modelConfig, weights: checkpoint.weights, backend: argv.backend as never });
    try {
      const diagnostics = await attentionDiagnostics({
        engine, weights: checkpoint.weights, settings, sequences, deviant: { tokenId, token, factor },
        model: { checkpoint: checkpoint.dir, run: checkpoint.run, step: checkpoint.step, seed: await seedOf(checkpoint.runDir) },
        suite: { path: suite.path, paradigm: paradigm ?? null },
      });
      const out = (argv.out as string | undefined) ?? join('results', checkpoint.run, `step-${checkpoint.step}`, 'attention');
      await writeFileAtomic(join(out, 'attention.json'), JSON.stringify(diagnostics, null, 2) + '\n');
      await writeFileAtomic(join(out, 'heatmaps.svg'), await renderSvg(heatmapSpec(diagnostics)));
      const line = (name: string, layers: typeof diagnostics.baseline.layers) =>
        `${name.padEnd(22)} ${layers.map((l) => `L${l.layer} max ${l.max_weight.toFixed(3)} H ${l.entropy.toFixed(2)}${l.deviant_token_share !== null ? ` dev ${l.deviant_token_share.toFixed(3)}` : ''}`).join(' | ')}\n`;
      process.stderr.write(line(`all (${sequences.length})`, diagnostics.baseline.layers));
      process.stderr.write(line(`with ${token} (${diagnostics.deviant.n_sentences})`, diagnostics.deviant.before.layers));
      process.stderr.write(line(`${token} ×${factor}`, diagnostics.deviant.after.layers));
      process.stderr.write(`babyssa: attention.json, heatmaps.svg → ${out}\n`);
    } finally {
      engine.dispose();
    }
  },
};
