// The before/after golden: the shipped data files, and a fixed-seed tiny run (softmax and SSA) trained and probed
// through the command line, reduced to SHA-256 hashes and a probe summary without timings, held against
// test/fixtures/golden.json. A change that only moves code (a refactor, one home for a setting) leaves every value
// unchanged. A change that is meant to alter fixed-seed results (a new dropout stream, a fixed bug) updates the
// file in one edit: copy the actual values the failure names over test/fixtures/golden.json, and say in that
// commit's message why the results changed. Every flag is given explicitly so a new default shows up here too.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const cli = (...args: string[]) => run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: process.cwd() });
const EXPECTED_PATH = 'test/fixtures/golden.json';
/** Pairs per paradigm of the default suite that the golden probes: enough to show every score, quick on cpu. */
const PAIRS_PER_PARADIGM = 12;

const RUNS = {
  softmax: ['--attention', 'softmax'],
  // n trainable per head, b left at its default: the SSA path from flag to weights, and b's one default.
  'ssa-2-trainable-head': ['--attention', 'ssa', '--ssa-n', '2', '--ssa-n-trainable', '--ssa-granularity', 'head'],
} as const;

const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');
const fileHash = async (path: string) => sha256(await readFile(path));

let dir: string;
let corpus: string;
let suite: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'babyssa-golden-'));
  corpus = join(dir, 'corpus.txt');
  await writeFile(corpus, (await readFile('corpora/default.txt', 'utf8')).split('\n').slice(0, 300).join('\n') + '\n');
  // A Zorro-format copy of the first pairs of each default paradigm (bad line, then good line).
  suite = join(dir, 'suite');
  await mkdir(suite);
  for (const file of (await readdir('probes/default')).filter((f) => f.endsWith('.txt')).sort()) {
    const lines = (await readFile(join('probes/default', file), 'utf8')).split('\n');
    await writeFile(join(suite, file), lines.slice(0, 2 * PAIRS_PER_PARADIGM).join('\n') + '\n');
  }
});

async function shippedHashes(): Promise<Record<string, string>> {
  const paths = ['corpora/default.txt', 'corpora/default-tokenizer.json', ...(await readdir('probes/default')).sort().map((f) => `probes/default/${f}`)];
  return Object.fromEntries(await Promise.all(paths.map(async (path) => [path, await fileHash(path)] as const)));
}

/** Trains and probes one run; returns what must not change: file hashes and the summary less timings and paths. */
async function goldenRun(name: keyof typeof RUNS): Promise<Record<string, unknown>> {
  const out = join(dir, name);
  await cli('pretrain', ...RUNS[name], '--preset', 'tiny', '--corpus', corpus, '--tokenizer', 'corpora/default-tokenizer.json',
    '--steps', '8', '--batch-size', '4', '--lr', '0.001', '--warmup-steps', '2', '--save-every', '0', '--log-every', '4',
    '--seed', '7', '--masking', 'babyberta', '--mask-probability', '0.15', '--max-length', '128', '--clip-norm', '1',
    '--weight-decay', '0', '--bias-correction', '--keep-last', '3', '--backend', 'cpu', '--engine', 'tfjs', '--out', out);
  const step = join(out, 'step-8');
  const results = join(dir, `${name}-probe`);
  await cli('probe', '--checkpoint', step, '--suite', suite, '--scoring', 'holistic', '--ties', 'wrong', '--seed', '0',
    '--batch-size', '16', '--max-rows', '128', '--backend', 'cpu', '--engine', 'tfjs', '--out', results);
  const { elapsedS: _elapsed, ...trainer } = JSON.parse(await readFile(join(step, 'trainer_state.json'), 'utf8'));
  const summary = JSON.parse(await readFile(join(results, 'summary.json'), 'utf8'));
  const { tool: _tool, created: _c, elapsed_s: _e, pairs_per_s: _p, scoring_s: _s, ...kept } = summary;
  return {
    'model.safetensors': await fileHash(join(step, 'model.safetensors')),
    'optimizer.safetensors': await fileHash(join(step, 'optimizer.safetensors')),
    'config.json': await fileHash(join(step, 'config.json')),
    'trainer_state.json less elapsedS': sha256(JSON.stringify(trainer)),
    'items.jsonl': await fileHash(join(results, 'items.jsonl')),
    summary: { ...kept, model: { ...kept.model, checkpoint: null }, suite: { ...kept.suite, path: null } },
  };
}

describe('golden: outputs that a refactor must leave byte-identical', () => {
  it('shipped data, fixed-seed checkpoints and probe summaries equal test/fixtures/golden.json', async () => {
    const runs = await Promise.all((Object.keys(RUNS) as (keyof typeof RUNS)[]).map(async (name) => [name, await goldenRun(name)] as const));
    const actual = { shipped: await shippedHashes(), runs: Object.fromEntries(runs) };
    const expected = JSON.parse(await readFile(EXPECTED_PATH, 'utf8'));
    const actualPath = join(dir, 'golden.actual.json');
    await writeFile(actualPath, JSON.stringify(actual, null, 2) + '\n');
    expect(actual, `actual values in ${actualPath}; if the change is meant, copy it over ${EXPECTED_PATH} and say why in the commit`)
      .toEqual(expected);
    await rm(dir, { recursive: true });
  }, 300_000);
});
