// End to end: a Zorro-sized suite (the release's 23 file names × 2,000 pairs) through probeCheckpointInProcess
// on the fixture checkpoint, the files it writes, and `babyssa probe` itself (table, --json, one-line errors).
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../src/engine/index.js';
import type { Engine } from '../src/engine/types.js';
import { loadCheckpoint } from '../src/io/checkpoint.js';
import { ITEMS_FILE, SUMMARY_FILE } from '../src/probe/output.js';
import { probeCheckpointInProcess } from '../src/probe/run.js';
import { readSuite } from '../src/probe/suite.js';
import type { ProbeItem, ProbeSummary } from '../src/probe/summary.js';
import { loadTokenizer } from '../src/tokenizer/load.js';
import { streamFromSeed } from '../src/core/random.js';

const run = promisify(execFile);
const FIXTURE = 'test/fixtures/probe-checkpoint';

/** The 23 paradigm files of the public Zorro release (13 phenomena, two of them with a dash in the name). */
const ZORRO_FILES = [
  'agreement_determiner_noun-across_1_adjective', 'agreement_determiner_noun-between_neighbors',
  'agreement_subject_verb-across_prepositional_phrase', 'agreement_subject_verb-across_relative_clause',
  'agreement_subject_verb-in_question_with_aux', 'agreement_subject_verb-in_simple_question', 'anaphor_agreement-pronoun_gender',
  'argument_structure-dropped_argument', 'argument_structure-swapped_arguments', 'argument_structure-transitive', 'binding-principle_a',
  'case-subjective_pronoun', 'ellipsis-n_bar', 'filler-gap-wh_question_object', 'filler-gap-wh_question_subject', 'irregular-verb',
  'island-effects-adjunct_island', 'island-effects-coordinate_structure_constraint', 'local_attractor-in_question_with_aux',
  'npi_licensing-matrix_question', 'npi_licensing-only_npi_licensor', 'quantifiers-existential_there', 'quantifiers-superlative',
];
const PAIRS_PER_FILE = 2000;

// Whole words of the fixture tokenizer, so sentences look like Zorro's (one token per word).
const NOUNS = ['girl', 'baby', 'book', 'ball', 'apple', 'cookie', 'spoon', 'truck', 'cup', 'bed', 'window', 'milk', 'block', 'shoes', 'puppies', 'girls'];
const ADJECTIVES = ['red', 'blue', 'big'];
const VERBS: Array<[string, string]> = [['eats', 'eat'], ['likes', 'like'], ['throws', 'throw'], ['has', 'have']];
const PREPOSITIONS = ['on', 'near', 'at'];

/** A Zorro-format file: odd lines the verb-disagreeing sentence, even lines its grammatical partner. */
function syntheticZorroFile(seed: number): string {
  const random = streamFromSeed(`synthetic-zorro/${seed}`);
  const pick = <T,>(items: readonly T[]): T => items[random.int(items.length)];
  const lines: string[] = [];
  for (let i = 0; i < PAIRS_PER_FILE; i++) {
    const [singular, plural] = pick(VERBS);
    const rest = `the ${pick(ADJECTIVES)} ${pick(NOUNS)} ${pick(PREPOSITIONS)} the ${pick(NOUNS)} .`;
    const subject = `the ${pick(NOUNS)} ${pick(PREPOSITIONS)} the ${pick(NOUNS)}`;
    lines.push(`${subject} ${plural} ${rest}`, `${subject} ${singular} ${rest}`);
  }
  return lines.join('\n') + '\n';
}

let root: string;
let engine: Engine;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'babyssa-probe-'));
  const checkpoint = await loadCheckpoint(FIXTURE);
  engine = await createEngine({ config: checkpoint.modelConfig, weights: checkpoint.weights, backend: 'wasm' });
});

afterAll(() => engine?.dispose());

describe('a Zorro-sized suite', () => {
  it('probes 23 paradigms × 2,000 pairs: 23 summary entries, 46,000 item lines, sane values', async () => {
    const suiteDir = join(root, 'zorro');
    await mkdir(suiteDir);
    await Promise.all(ZORRO_FILES.map((name, i) => writeFile(join(suiteDir, `${name}.txt`), syntheticZorroFile(i))));
    const suite = await readSuite(suiteDir);
    const tokenizer = await loadTokenizer(join(FIXTURE, 'step-200', 'tokenizer.json'));
    const outDir = join(root, 'out');
    const summary = await probeCheckpointInProcess(engine, tokenizer, suite, {
      scoring: 'holistic', ties: 'wrong', seed: 0, batchSize: 256, maxRows: 256, model: { checkpoint: null, run: 'fixture', step: 200 }, outDir,
    });
    process.stderr.write(`synthetic Zorro: ${summary.suite.n_pairs} pairs in ${summary.elapsed_s.toFixed(1)} s = ${summary.pairs_per_s.toFixed(0)} pairs/s (${summary.backend})\n`);

    expect(summary.paradigms).toHaveLength(23);
    expect(new Set(summary.paradigms.map((p) => p.phenomenon)).size).toBe(13);
    expect(summary.paradigms.find((p) => p.paradigm === 'filler-gap-wh_question_object')?.phenomenon).toBe('filler-gap');
    for (const p of summary.paradigms) {
      expect(p.n_pairs).toBe(PAIRS_PER_FILE);
      expect(p.accuracy).toBeGreaterThanOrEqual(0);
      expect(p.accuracy).toBeLessThanOrEqual(1);
      expect(p.ci95[0]).toBeLessThanOrEqual(p.accuracy);
      expect(p.ci95[1]).toBeGreaterThanOrEqual(p.accuracy);
    }
    expect(summary.macro_accuracy).toBeCloseTo(summary.paradigms.reduce((s, p) => s + p.accuracy, 0) / 23, 12);

    const written = JSON.parse(await readFile(join(outDir, SUMMARY_FILE), 'utf8')) as ProbeSummary;
    expect(written.paradigms).toEqual(summary.paradigms);
    const lines = (await readFile(join(outDir, ITEMS_FILE), 'utf8')).trimEnd().split('\n');
    expect(lines).toHaveLength(23 * PAIRS_PER_FILE);
    const items = lines.map((line) => JSON.parse(line) as ProbeItem);
    expect(Object.keys(items[0])).toEqual(['paradigm', 'pair_id', 'good', 'bad', 'score_good', 'score_bad', 'correct', 'tie', 'n_tokens_good', 'n_tokens_bad']);
    expect(items.every((item) => Number.isFinite(item.score_good) && Number.isFinite(item.score_bad))).toBe(true);
    const correct = items.filter((item) => item.paradigm === summary.paradigms[5].paradigm).reduce((n, item) => n + item.correct, 0);
    expect(correct).toBe(summary.paradigms[5].n_correct);
  }, 300_000);
});

describe('babyssa probe', () => {
  const cli = (args: string[]) => run('npx', ['tsx', 'src/cli/main.ts', 'probe', ...args], { encoding: 'utf8' });

  it('writes summary.json + items.jsonl, prints the table on stderr and the summary on stdout with --json (checkpoint named by its model file)', async () => {
    const suiteDir = join(root, 'small');
    await mkdir(suiteDir);
    await writeFile(join(suiteDir, 'agreement-verb.txt'), 'the girl eat the apple .\nthe girl eats the apple .\nthe girls eats the cookie .\nthe girls eat the cookie .\n');
    const out = join(root, 'cli-out');
    const { stdout, stderr } = await cli(['--checkpoint', join(FIXTURE, 'step-200', 'model.safetensors'), '--suite', suiteDir, '--backend', 'cpu', '--scoring', 'pll', '--ties', 'half', '--out', out, '--json']);
    const summary = JSON.parse(stdout) as ProbeSummary;
    expect(summary).toMatchObject({ schema_version: 1, model: { run: 'probe-checkpoint', step: 200, attention: 'ssa' }, suite: { name: 'small', n_paradigms: 1 } });
    expect(summary.scoring).toMatchObject({ method: 'pll', ties: 'half' });
    expect(stderr).toMatch(/agreement-verb\s+2\s+/);
    expect(JSON.parse(await readFile(join(out, SUMMARY_FILE), 'utf8'))).toEqual(summary);
    expect((await readFile(join(out, ITEMS_FILE), 'utf8')).trimEnd().split('\n')).toHaveLength(2);
  });

  it.each([
    ['an odd line count', 'odd.txt', 'a b c .\na b d .\na b e .\n', /^babyssa: .*odd\.txt: odd number of lines \(3\); line 3 has no grammatical partner\n$/],
    ['a bad JSON line', 'bad.jsonl', '{"sentence_good": "a b c", "sentence_bad": "a c b"}\nnot json\n', /^babyssa: .*bad\.jsonl line 2: not valid JSON/],
  ])('exits 2 with one line for %s', async (_label, file, text, message) => {
    await writeFile(join(root, file), text);
    const error = (await cli(['--checkpoint', FIXTURE, '--suite', join(root, file)]).catch((e: unknown) => e)) as { code: number; stderr: string };
    expect(error.code).toBe(2);
    expect(error.stderr).toMatch(message);
    expect(error.stderr.trimEnd().split('\n')).toHaveLength(1);
  });
});
