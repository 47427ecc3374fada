import { describe, expect, it } from 'vitest';
import { resolveTrainConfig } from '../src/config/resolve.js';
import { maskPatternCount, maskSequence } from '../src/train/masking.js';
import { derivedStream, streamFromSeed, streamFromState } from '../src/train/rng.js';
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
      const m = maskSequence(ids, 0.15, 'babyberta', 8192, random);
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
    for (let i = 0; i < 2000; i++) chosen += maskSequence(ids, 0.15, 'babyberta', 8192, random).positions.length;
    expect(chosen / (2000 * 20)).toBeGreaterThan(0.14);
    expect(chosen / (2000 * 20)).toBeLessThan(0.16);
  });

  it('copies an utterance into min(10, C(n,2)) patterns (one for hf)', () => {
    expect(maskPatternCount(3, 10, 'babyberta')).toBe(3);
    expect(maskPatternCount(4, 10, 'babyberta')).toBe(6);
    expect(maskPatternCount(12, 10, 'babyberta')).toBe(10);
    expect(maskPatternCount(12, 10, 'hf')).toBe(1);
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
