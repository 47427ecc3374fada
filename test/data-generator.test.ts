import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { generateCorpusText, generateUtterances } from '../src/data/generator/generate.js';
import { comparativesOf, pastOf, pastParticipleOf, pluralOf, progressiveOf, thirdPersonOf } from '../src/data/morphology.js';
import { streamFromSeed } from '../src/core/random.js';
import { zipfList } from '../src/data/generator/zipf.js';

// The README's command for corpora/default.txt: babyssa corpus generate --tokens 180000 --seed 1.
const SHIPPED = { tokens: 180_000, seed: 1 };
const sample = generateUtterances({ tokens: 60_000, seed: 7 });
const sampleTokens = sample.flatMap((line) => line.split(' '));

describe('morphology', () => {
  it.each([
    ['dog', 'dogs'], ['box', 'boxes'], ['dress', 'dresses'], ['peach', 'peaches'], ['berry', 'berries'], ['toy', 'toys'],
    ['child', 'children'], ['mouse', 'mice'], ['foot', 'feet'], ['sheep', 'sheep'], ['knife', 'knives'], ['potato', 'potatoes'],
    ['gentleman', 'gentlemen'], ['bus', 'buses'], ['baby', 'babies'],
  ])('plural of %s is %s', (noun, plural) => {
    expect(pluralOf(noun)).toBe(plural);
  });

  it.each([
    ['eat', 'eats', 'ate', 'eaten', 'eating'], ['go', 'goes', 'went', 'gone', 'going'], ['have', 'has', 'had', 'had', 'having'],
    ['watch', 'watches', 'watched', 'watched', 'watching'], ['cry', 'cries', 'cried', 'cried', 'crying'], ['stop', 'stops', 'stopped', 'stopped', 'stopping'],
    ['run', 'runs', 'ran', 'run', 'running'], ['make', 'makes', 'made', 'made', 'making'], ['see', 'sees', 'saw', 'seen', 'seeing'],
    ['lie', 'lies', 'lay', 'lain', 'lying'], ['play', 'plays', 'played', 'played', 'playing'], ['visit', 'visits', 'visited', 'visited', 'visiting'],
    ['show', 'shows', 'showed', 'shown', 'showing'], ['fish', 'fishes', 'fished', 'fished', 'fishing'], ['tie', 'ties', 'tied', 'tied', 'tying'],
    ['hug', 'hugs', 'hugged', 'hugged', 'hugging'], ['see', 'sees', 'saw', 'seen', 'seeing'],
  ])('%s → %s, %s, %s, %s', (verb, third, past, participle, progressive) => {
    expect([thirdPersonOf(verb), pastOf(verb), pastParticipleOf(verb), progressiveOf(verb)]).toEqual([third, past, participle, progressive]);
  });

  it.each([
    ['big', 'bigger', 'biggest'], ['funny', 'funnier', 'funniest'], ['nice', 'nicer', 'nicest'], ['tall', 'taller', 'tallest'], ['good', 'better', 'best'],
  ])('%s → %s, %s', (adjective, comparative, superlative) => {
    expect(comparativesOf(adjective)).toEqual([comparative, superlative]);
  });
});

describe('zipfList', () => {
  it('draws the first-ranked item most often and every item sometimes', () => {
    const list = zipfList(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'], 1, 1);
    const random = streamFromSeed(3);
    const counts = new Map<string, number>();
    for (let i = 0; i < 20_000; i++) {
      const item = list.draw(random);
      counts.set(item, (counts.get(item) ?? 0) + 1);
    }
    // p(a) / p(h) = 8 for exponent 1, offset 1.
    expect(counts.get('a')! / counts.get('h')!).toBeGreaterThan(6);
    expect(counts.get('a')! / counts.get('h')!).toBeLessThan(10);
    expect(counts.size).toBe(8);
  });
});

describe('generateUtterances', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    const again = generateUtterances({ tokens: 60_000, seed: 7 });
    expect(again).toEqual(sample);
    expect(generateUtterances({ tokens: 2_000, seed: 8 })).not.toEqual(generateUtterances({ tokens: 2_000, seed: 7 }));
  });

  it('stops just past the requested number of whitespace tokens', () => {
    expect(sampleTokens.length).toBeGreaterThanOrEqual(60_000);
    expect(sampleTokens.length).toBeLessThan(60_000 + 30);
  });

  it('writes AO-CHILDES style: lower case, single spaces, end punctuation as its own token', () => {
    for (const line of sample) {
      expect(line).toMatch(/^[a-z'][a-z' ]* [.?!]$/);
      expect(line).not.toMatch(/ {2}/);
    }
  });

  it('mixes statements, questions and exclamations, and keeps contractions whole', () => {
    const share = (mark: string) => sample.filter((line) => line.endsWith(mark)).length / sample.length;
    expect(share('.')).toBeGreaterThan(0.4);
    expect(share('?')).toBeGreaterThan(0.2);
    expect(share('!')).toBeGreaterThan(0.05);
    for (const word of ["that's", "it's", "don't", "let's", "what's", 'himself', 'herself', 'themselves', 'more', 'than', 'least', 'no']) {
      expect(sampleTokens).toContain(word);
    }
  });

  it.each([
    ['3rd singular pronoun with are/were/am', /^(he|she|it) (are|were|am) /],
    ['plural pronoun with is/was', /^(we|they) (is|was|am) /],
    ['"i" with is/are', /^i (is|are|were) /],
    ['"a" before a vowel', /\ba [aeio]/],
    ['"an" before a consonant', /\ban [^aeiou]/],
    ['conjoined subject with is', /^[a-z]+ and [a-z]+ (is|was) /],
    ['he … herself', /^he .*\bherself\b/],
    ['she … himself', /^she .*\bhimself\b/],
    ['do-support with an -s verb', /^(does|doesn't|did) [a-z]+ (eats|likes|wants|goes) /],
  ])('never produces %s', (_what, pattern) => {
    expect(sample.filter((line) => pattern.test(line))).toEqual([]);
  });

  it('has a large, Zipf-like vocabulary in which most words recur', () => {
    const counts = new Map<string, number>();
    for (const token of sampleTokens) counts.set(token, (counts.get(token) ?? 0) + 1);
    const frequencies = [...counts.values()].sort((a, b) => b - a);
    expect(counts.size).toBeGreaterThan(1_500);
    expect(frequencies.filter((f) => f >= 2).length / counts.size).toBeGreaterThan(0.8);
    // Zipf: the 10th most frequent word is far rarer than the first, the 1000th far rarer than the 10th.
    expect(frequencies[0] / frequencies[9]).toBeGreaterThan(3);
    expect(frequencies[9] / frequencies[999]).toBeGreaterThan(30);
  });
});

describe('corpora/default.txt', () => {
  it('is exactly the output of the command its README gives', async () => {
    const shipped = await readFile(new URL('../corpora/default.txt', import.meta.url), 'utf8');
    expect(shipped).toBe(generateCorpusText(SHIPPED));
  });
});
