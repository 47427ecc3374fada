import { describe, expect, it } from 'vitest';
import { resolveTrainConfig } from '../src/config/resolve.js';
import { COMPARED_KEYS, TRAINING_KEYS } from '../src/config/run-keys.js';
import { MaskedBatchStream } from '../src/train/batches.js';
import { choosePositions, distinctPatterns, maskPatternCount, maskSequence } from '../src/train/masking.js';
import { derivedStream, streamFromSeed, streamFromState } from '../src/core/random.js';
import { learningRate } from '../src/train/schedule.js';
import { SPECIAL_IDS } from '../src/model/config.js';

describe('learning-rate schedule', () => {
  it.each([
    [1, 1e-4 / 100],
    [50, 5e-5],
    [100, 1e-4],
    [550, 5e-5],
    [1000, 0],
  ])('step %i → %f', (step, expected) => {
    expect(learningRate(step, 1e-4, 100, 1000)).toBeCloseTo(expected, 12);
  });
});

describe('BabyBERTa masking', () => {
  const ids = [SPECIAL_IDS.bos, ...Array.from({ length: 20 }, (_, i) => 100 + i), SPECIAL_IDS.eos];

  it('never chooses <s> or </s>, always chooses at least one token, never leaves a target unchanged', () => {
    const random = streamFromSeed(1);
    let masks = 0;
    let randoms = 0;
    for (let i = 0; i < 3000; i++) {
      const m = maskSequence(ids, choosePositions(ids.length, 0.15, random), 'babyberta', 8192, random);
      expect(m.positions.length).toBeGreaterThan(0);
      expect(m.inputIds[0]).toBe(SPECIAL_IDS.bos);
      expect(m.inputIds[ids.length - 1]).toBe(SPECIAL_IDS.eos);
      m.positions.forEach((t, k) => {
        expect(m.targets[k]).toBe(ids[t]);
        expect(m.inputIds[t]).not.toBe(ids[t]);
        if (m.inputIds[t] === SPECIAL_IDS.mask) masks++;
        else {
          randoms++;
          expect(m.inputIds[t]).toBeGreaterThanOrEqual(5);
        }
      });
    }
    expect(masks / (masks + randoms)).toBeGreaterThan(0.88);
    expect(masks / (masks + randoms)).toBeLessThan(0.92);
  });

  it('chooses about 15% of tokens', () => {
    const random = streamFromSeed(2);
    let chosen = 0;
    for (let i = 0; i < 2000; i++) chosen += choosePositions(ids.length, 0.15, random).length;
    expect(chosen / (2000 * 20)).toBeGreaterThan(0.14);
    expect(chosen / (2000 * 20)).toBeLessThan(0.16);
  });

  it('copies an utterance into min(10, C(n,2)) patterns (one for hf)', () => {
    expect(maskPatternCount(3, 10, 'babyberta')).toBe(3);
    expect(maskPatternCount(4, 10, 'babyberta')).toBe(6);
    expect(maskPatternCount(12, 10, 'babyberta')).toBe(10);
    expect(maskPatternCount(12, 10, 'hf')).toBe(1);
  });

  /** Every instance of one pass, by utterance: the chosen positions of each of its copies. */
  function patternsOfOnePass(sequences: Int32Array[], seed: number): Map<number, string[]> {
    const stream = new MaskedBatchStream(sequences, { scheme: 'babyberta', probability: 0.15, maxPatterns: 10, vocabSize: 8192 }, seed);
    const byUtterance = new Map<number, string[]>();
    const random = streamFromSeed(seed);
    for (let i = 0; i < stream.passLength; i++) {
      const batch = stream.next(1, random);
      const utterance = sequences.findIndex((s) => s.length === batch.seqLen && s.every((id, t) => batch.targetPositions.includes(t) || batch.inputIds[t] === id));
      byUtterance.set(utterance, [...(byUtterance.get(utterance) ?? []), Array.from(batch.targetPositions).join(',')]);
    }
    return byUtterance;
  }

  it('gives each copy of an utterance in a pass its own pattern: a 5-token utterance gets 10 distinct ones', () => {
    const utterance = (first: number, n: number) => Int32Array.from([SPECIAL_IDS.bos, ...Array.from({ length: n }, (_, i) => first + i), SPECIAL_IDS.eos]);
    const sequences = [utterance(100, 5), utterance(200, 3), utterance(300, 12)];
    const patterns = patternsOfOnePass(sequences, 4);
    expect(patterns.get(0)).toHaveLength(10);
    expect(patterns.get(1)).toHaveLength(3);
    expect(patterns.get(2)).toHaveLength(10);
    for (const copies of patterns.values()) expect(new Set(copies).size).toBe(copies.length);
    expect(patternsOfOnePass(sequences, 4)).toEqual(patterns);
    expect(patternsOfOnePass(sequences, 5)).not.toEqual(patterns);
  });

  it('draws distinct patterns up to every non-empty set there is', () => {
    const all = distinctPatterns(5, 7, 0.15, streamFromSeed(3)).map((p) => p.join(','));
    expect(new Set(all).size).toBe(7);
    expect(all.every((p) => p.split(',').every((t) => Number(t) >= 1 && Number(t) <= 3))).toBe(true);
  });

  it('continues a pass exactly from a saved cursor and random state', () => {
    const sequences = Array.from({ length: 30 }, (_, i) => Int32Array.from([SPECIAL_IDS.bos, ...Array.from({ length: 3 + (i % 7) }, (_, t) => 10 + i + t), SPECIAL_IDS.eos]));
    const settings = { scheme: 'babyberta' as const, probability: 0.15, maxPatterns: 10, vocabSize: 8192 };
    const straight = new MaskedBatchStream(sequences, settings, 9);
    const random = streamFromSeed(9);
    for (let i = 0; i < 7; i++) straight.next(4, random);
    const resumed = new MaskedBatchStream(sequences, settings, 9, { ...straight.cursor });
    const resumedRandom = streamFromState(JSON.parse(JSON.stringify(random.state())));
    for (let i = 0; i < 40; i++) expect(resumed.next(4, resumedRandom)).toEqual(straight.next(4, random));
  });
});

describe('random stream', () => {
  it('continues identically from a saved state', () => {
    const a = streamFromSeed(7);
    for (let i = 0; i < 5; i++) a.next();
    const b = streamFromState(JSON.parse(JSON.stringify(a.state())));
    expect(Array.from({ length: 5 }, () => a.next())).toEqual(Array.from({ length: 5 }, () => b.next()));
    expect(derivedStream(7, 'x').next()).not.toBe(derivedStream(7, 'y').next());
  });
});

describe('training config', () => {
  it('layers defaults < preset < flags', () => {
    const tiny = resolveTrainConfig({});
    expect(tiny.preset).toBe('tiny');
    expect(tiny.lr).toBe(1e-3);
    const babyberta = resolveTrainConfig({ preset: 'babyberta' });
    expect(babyberta.lr).toBe(1e-4);
    expect(babyberta.warmupSteps).toBe(24_000);
    expect(babyberta.batchSize).toBe(16);
    expect(resolveTrainConfig({ preset: 'babyberta', lr: 3e-4 }).lr).toBe(3e-4);
  });

  it.each([
    ['tiny at its own 1000 steps keeps its 100', { steps: 1000 }, 100, false],
    ['tiny at 40 steps: 15% of them', { steps: 40 }, 6, true],
    ['babyberta at its own 160K steps keeps 24K', { preset: 'babyberta' }, 24_000, false],
    ['babyberta at 1000 steps: 15% of them', { preset: 'babyberta', steps: 1000 }, 150, true],
    ['babyberta at 2 steps: none', { preset: 'babyberta', steps: 2 }, 0, true],
    ['an explicit warm-up stays', { steps: 40, warmupSteps: 30 }, 30, false],
  ])('default warm-up: %s', (_name, flags, warmup, noted) => {
    const lines: string[] = [];
    expect(resolveTrainConfig(flags, undefined, undefined, (line) => lines.push(line)).warmupSteps).toBe(warmup);
    expect(lines).toHaveLength(noted ? 1 : 0);
    if (noted) expect(lines[0]).toMatch(new RegExp(`^warm-up ${warmup} steps: 15% of --steps`));
  });

  it('sorts every config key into identity, runtime or training (a new key is compared and guarded on resume by default)', () => {
    expect(TRAINING_KEYS).toEqual([
      'corpus', 'tokenizer', 'maxLength', 'masking', 'maskProbability', 'maxMaskPatterns', 'steps', 'batchSize', 'lr', 'warmupSteps',
      'beta1', 'beta2', 'eps', 'weightDecay', 'biasCorrection', 'clipNorm',
    ]);
    expect(COMPARED_KEYS).toEqual(['preset', ...TRAINING_KEYS]);
  });

  it('gives the babyberta preset BabyBERTa\'s own tokenizer', () => {
    expect(resolveTrainConfig({ preset: 'babyberta' }).tokenizer).toBe('corpora/babyberta-tokenizer.json');
    expect(resolveTrainConfig({}).tokenizer).toBe('corpora/default-tokenizer.json');
  });

  it.each([
    [{ steps: 10, warmupSteps: 11 }, /warmupSteps \(11\) exceeds steps \(10\)/],
    [{ maxLength: 300 }, /maxLength 300 exceeds the tiny model's 128 positions/],
    [{ maxLength: 2 }, /"maxLength" must be at least 3/],
    [{ lr: -1 }, /lr/],
    [{ steps: 0 }, /steps/],
    [{ batchSize: 0 }, /batchSize/],
    [{ preset: 'huge' }, /unknown preset "huge"/],
    [{ bogus: 1 }, /unknown config key bogus/],
    [{ attention: 'linear' }, /attention/],
  ])('rejects %j with one clear message', (flags, message) => {
    expect(() => resolveTrainConfig(flags as Record<string, unknown>)).toThrow(message);
  });
});
