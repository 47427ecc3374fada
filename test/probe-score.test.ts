// Golden tests of the scoring methods on the committed tiny checkpoint: our batched scores must equal the
// same quantities computed here by hand (log-softmax over engine.forward logits, one sentence at a time),
// and must not depend on batch size, row budget or padding.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { padBatch } from '../src/data/sequences.js';
import { createEngine } from '../src/engine/index.js';
import type { Engine } from '../src/engine/types.js';
import { loadCheckpoint } from '../src/io/checkpoint.js';
import { SPECIAL_IDS } from '../src/model/config.js';
import { groupOf } from '../src/engine/group.js';
import { initWeights } from '../src/model/init.js';
import { probeModels, probeSuite, type ProbeOptions } from '../src/probe/run.js';
import { engineScorer, groupScorer, scoringRows, scoreSentences, type BatchScorer, type EncodedSentence, type ScoringMethod } from '../src/probe/score.js';
import type { ProbeSummary } from '../src/probe/summary.js';
import { streamFromSeed } from '../src/core/random.js';
import type { Suite } from '../src/probe/types.js';
import { loadTokenizer } from '../src/tokenizer/load.js';
import type { Tokenizer } from '../src/tokenizer/types.js';

const FIXTURE = 'test/fixtures/probe-checkpoint';
// Pair 2 has a word the fixture tokenizer splits into 8 pieces (Ġd in o s a u r s), so PLL and PLL-word-l2r differ.
const PAIRS = [
  { good: 'the girl eats the apple .', bad: 'the girl eat the apple .' },
  { good: 'the dinosaurs like the window .', bad: 'the dinosaurs likes the window .' },
  { good: 'where are your shoes ?', bad: 'where is your shoes ?' },
];

let engine: Engine;
let tokenizer: Tokenizer;

beforeAll(async () => {
  const checkpoint = await loadCheckpoint(FIXTURE);
  tokenizer = await loadTokenizer(checkpoint.tokenizerPath);
  engine = await createEngine({ config: checkpoint.modelConfig, weights: checkpoint.weights, backend: 'cpu' });
});

afterAll(() => engine?.dispose());

/** log p(token | row) at every position of one sequence, by hand: float64 log-softmax of the logits. */
async function logProbsByHand(ids: number[]): Promise<number[][]> {
  const { logits } = await engine.forward(padBatch([ids], SPECIAL_IDS.pad)); // [1, T, V]
  const vocab = logits.shape[2];
  return ids.map((_, t) => {
    const row = Array.from(logits.data.subarray(t * vocab, (t + 1) * vocab));
    const max = Math.max(...row);
    const logSum = max + Math.log(row.reduce((sum, x) => sum + Math.exp(x - max), 0));
    return row.map((x) => x - logSum);
  });
}

async function holisticByHand(ids: number[]): Promise<number> {
  const logProbs = await logProbsByHand(ids);
  return -ids.reduce((sum, id, t) => sum + logProbs[t][id], 0) / ids.length;
}

async function pllByHand(sentence: EncodedSentence, wholeWordTail: boolean): Promise<number> {
  const { ids, tokens } = sentence;
  let total = 0;
  for (let i = 1; i < ids.length - 1; i++) {
    const masked = ids.slice();
    masked[i] = SPECIAL_IDS.mask;
    for (let j = i + 1; wholeWordTail && j < ids.length - 1 && !tokens[j].startsWith('Ġ'); j++) masked[j] = SPECIAL_IDS.mask;
    total += (await logProbsByHand(masked))[i][ids[i]];
  }
  return total;
}

function suiteOf(pairs: typeof PAIRS): Suite {
  return { name: 'golden', path: '/golden', format: 'zorro', hash: '0'.repeat(64), tokenizerSha256: null, paradigms: [{ name: 'x-golden', phenomenon: 'x', source: 'golden.txt', pairs }] };
}

function options(scoring: ScoringMethod, batchSize = 64, maxRows = 128): ProbeOptions {
  return { scoring, ties: 'wrong', seed: 0, batchSize, maxRows, model: { checkpoint: null, run: 'fixture', step: 200 } };
}

describe('golden scores on the fixture checkpoint', () => {
  it.each<[ScoringMethod, (s: EncodedSentence) => Promise<number>]>([
    ['holistic', (s) => holisticByHand(s.ids)],
    ['pll', (s) => pllByHand(s, false)],
    ['pll-word-l2r', (s) => pllByHand(s, true)],
  ])('%s matches hand-rolled log-softmax math for three fixed pairs', async (method, byHand) => {
    const { items, summary } = await probeSuite(engine, tokenizer, suiteOf(PAIRS), options(method));
    expect(items).toHaveLength(3);
    for (const [i, pair] of PAIRS.entries()) {
      const good = await byHand(tokenizer.encode(pair.good));
      const bad = await byHand(tokenizer.encode(pair.bad));
      expect(items[i].score_good).toBeCloseTo(good, 5);
      expect(items[i].score_bad).toBeCloseTo(bad, 5);
      const goodWins = method === 'holistic' ? good < bad : good > bad;
      expect(items[i].correct).toBe(goodWins ? 1 : 0);
    }
    expect(summary.paradigms[0].n_correct).toBe(items.reduce((n, item) => n + item.correct, 0));
  });

  it('holds the golden values of the committed fixture (guards the fixture and the engine)', async () => {
    const scores = await Promise.all((['holistic', 'pll', 'pll-word-l2r'] as const).map(async (method) => {
      const { items } = await probeSuite(engine, tokenizer, suiteOf(PAIRS), options(method));
      return items.map((item) => [item.score_good, item.score_bad]);
    }));
    scores.flat(2).forEach((x, i) => {
      expect(Math.abs(x - GOLDEN[i])).toBeLessThan(2e-3);
    });
  });

  it('reports the SSA scalars read from the weights and the parameter count', async () => {
    const { summary } = await probeSuite(engine, tokenizer, suiteOf(PAIRS), options('holistic'));
    expect(summary.model.attention).toBe('ssa');
    expect(summary.model.ssa_n).toHaveLength(2);
    expect(summary.model.ssa_n![0][0]).not.toBe(1.5); // n is trainable in the fixture, so it moved
    expect(summary.model.ssa_b).toEqual([[expect.closeTo(0.8, 6)], [expect.closeTo(0.8, 6)]]);
    expect(summary.model.params).toBe(12164);
  });
});

describe('batching', () => {
  const MORE = [
    ...PAIRS,
    { good: 'the girl likes the big red truck behind the window .', bad: 'the girl like the big red truck behind the window .' },
    { good: 'do you want a book ?', bad: 'do you wants a book ?' },
    { good: 'the dinosaur eats .', bad: 'the dinosaur eat .' },
  ];

  it.each<ScoringMethod>(['holistic', 'pll', 'pll-word-l2r'])('%s scores do not depend on batch size, row budget or padding', async (method) => {
    const reference = (await probeSuite(engine, tokenizer, suiteOf(MORE), options(method, 1, 1))).items;
    for (const [batchSize, maxRows] of [[64, 128], [3, 5], [2, 1000]]) {
      const items = (await probeSuite(engine, tokenizer, suiteOf(MORE), options(method, batchSize, maxRows))).items;
      items.forEach((item, i) => {
        expect(item.score_good).toBeCloseTo(reference[i].score_good, 5);
        expect(item.score_bad).toBeCloseTo(reference[i].score_bad, 5);
      });
    }
  });

  it('never sends more rows than --max-rows in one engine call', async () => {
    const sentences = MORE.flatMap((p) => [tokenizer.encode(p.good), tokenizer.encode(p.bad)]);
    const sizes: number[] = [];
    const counting = Object.create(engine) as Engine;
    counting.targetLogProbs = (batch) => {
      sizes.push(batch.batchSize);
      return engine.targetLogProbs(batch);
    };
    await scoreSentences(engineScorer(counting), 1, sentences, { method: 'pll', batchSize: 64, maxRows: 7 });
    expect(Math.max(...sizes)).toBe(7);
    const rows = sentences.reduce((n, s) => n + scoringRows(s, 'pll').length, 0);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(rows);
  });

  it('scores sentences that tokenize alike identically, so their pair is an explicit tie', async () => {
    const suite = suiteOf([{ good: 'the girl eats the apple .', bad: 'The girl eats the apple .' }]);
    for (const [ties, credit] of [['wrong', 0], ['half', 0.5]] as const) {
      const { items, summary } = await probeSuite(engine, tokenizer, suite, { ...options('holistic'), ties });
      expect(items[0]).toMatchObject({ tie: true, correct: credit });
      expect(summary.n_ties).toBe(1);
    }
  });
});

describe('PLL rows', () => {
  it('masks one token per row, skipping <s> and </s>; word-l2r also masks the rest of the word', () => {
    const sentence = tokenizer.encode('the dinosaurs like the window .');
    const inner = sentence.ids.length - 2;
    expect(scoringRows(sentence, 'holistic')).toHaveLength(1);
    expect(scoringRows(sentence, 'holistic')[0].positions).toEqual(sentence.ids.map((_, t) => t));
    const pll = scoringRows(sentence, 'pll');
    expect(pll).toHaveLength(inner);
    for (const row of pll) expect(row.inputIds.filter((id) => id === SPECIAL_IDS.mask)).toHaveLength(1);
    const l2r = scoringRows(sentence, 'pll-word-l2r');
    const masks = l2r.map((row) => row.inputIds.flatMap((id, t) => (id === SPECIAL_IDS.mask ? [t] : [])));
    // tokens: <s> Ġthe Ġd in o s a u r s Ġlike …: scoring Ġd (position 2) masks the whole word, `a` (6) masks 6–9.
    expect(masks[1]).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
    expect(masks[5]).toEqual([6, 7, 8, 9]);
    expect(masks[0]).toEqual([1]);
  });
});

/** [good, bad] per pair for holistic, pll, pll-word-l2r, recorded from the fixture on the cpu backend. */
const GOLDEN = [
  5.565, 5.563, 5.266, 5.185, 5.469, 5.527,
  -23.864, -23.892, -62.868, -57.38, -22.864, -17.538,
  -23.864, -23.892, -62.807, -57.3, -22.859, -17.538,
];

describe('a group probed in one pass', () => {
  it('writes for each member what it writes probed alone, and a diverged member spoils only its own results', async () => {
    const checkpoint = await loadCheckpoint(FIXTURE);
    const other = initWeights(checkpoint.modelConfig, streamFromSeed(7).next);
    const diverged = new Map([...checkpoint.weights].map(([name, t]) => [name, { shape: t.shape, data: t.data.map(() => NaN) }]));
    const engines = await Promise.all([checkpoint.weights, other, diverged].map((weights) => createEngine({ config: checkpoint.modelConfig, weights, backend: 'cpu' })));
    const group = groupOf(engines);
    const calls: number[] = [];
    const counted: BatchScorer = (batch) => {
      calls.push(batch.batchSize);
      return groupScorer(group, [0, 1, 2])(batch);
    };
    const suite = suiteOf(PAIRS);
    const { model, ...shared } = options('pll');
    const results = await probeModels(counted, [0, 1, 2].map((i) => ({ engine: group.member(i), model: { ...model, run: `m${i}` } })), tokenizer, suite, shared);
    const alone = await Promise.all([0, 1].map((i) => probeSuite(engines[i], tokenizer, suite, { ...options('pll'), model: { ...model, run: `m${i}` } })));
    const timeless = (summary: ProbeSummary) => ({ ...summary, elapsed_s: 0, pairs_per_s: 0, scoring_s: 0, created: '' });
    for (const i of [0, 1]) {
      const result = results[i];
      if (result instanceof Error) throw result;
      expect(result.items).toEqual(alone[i].items);
      expect(timeless(result.summary)).toEqual(timeless(alone[i].summary));
    }
    expect(results[2]).toBeInstanceOf(Error);
    expect((results[2] as Error).message).toMatch(/non-finite score/);
    // One engine call per batch for all three members: as many calls as one model alone needs.
    const single: number[] = [];
    const countedSingle: BatchScorer = (batch) => {
      single.push(batch.batchSize);
      return engineScorer(engines[0])(batch);
    };
    await scoreSentences(countedSingle, 1, PAIRS.flatMap((p) => [tokenizer.encode(p.good), tokenizer.encode(p.bad)]), { method: 'pll', batchSize: 64, maxRows: 128 });
    expect(calls).toEqual(single);
    group.dispose();
  });
});
