// Paradigm generation: lexicon morphology, each template's minimal difference, whole-word + corpus filtering,
// frequency-favouring draws, unique pairs, byte-identical output for a seed, suite.json that readSuite reads,
// the `probes generate` command, and that the shipped default suite is what the generator makes today.
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { readCorpusLines } from '../src/data/corpus.js';
import { generateSuite, sha256, writeSuite, type GenerateOptions } from '../src/probe/paradigms/generate.js';
import { NOUNS } from '../src/probe/paradigms/lexicon-nouns.js';
import { VERBS } from '../src/probe/paradigms/lexicon-verbs.js';
import { NAMES, SUBJECT_PRONOUNS } from '../src/probe/paradigms/lexicon-words.js';
import { PARADIGMS } from '../src/probe/paradigms/paradigms.js';
import type { PairDrawer, ParadigmTemplate, TokenPair } from '../src/probe/paradigms/template.js';
import { countWords, poolOf, type Vocabulary } from '../src/probe/paradigms/vocabulary.js';
import { readSuite } from '../src/probe/suite.js';
import { loadTokenizer } from '../src/tokenizer/load.js';
import type { Tokenizer } from '../src/tokenizer/types.js';
import { streamFromSeed } from '../src/core/random.js';

const run = promisify(execFile);
const FIXTURE_TOKENIZER = 'test/fixtures/paradigms-tokenizer.json';
const FIXTURE_CORPUS = 'test/fixtures/paradigms-corpus.txt';

/** Every lexicon word usable with the same weight: the templates' structure without any tokenizer. */
const EVERY_WORD: Vocabulary = { weightOf: () => 1 };

function templateNamed(paradigm: string): ParadigmTemplate {
  const template = PARADIGMS.find((candidate) => candidate.paradigm === paradigm);
  if (!template) throw new Error(`no template ${paradigm}`);
  return template;
}

function drawPairs(paradigm: string, n: number, vocabulary: Vocabulary = EVERY_WORD): TokenPair[] {
  const draw = templateNamed(paradigm).prepare(vocabulary) as PairDrawer;
  expect(typeof draw).toBe('function');
  const random = streamFromSeed(`test/${paradigm}`);
  return Array.from({ length: n }, () => draw(random));
}

/** Positions where two equally long token lists differ. */
function differences(pair: TokenPair): number[] {
  expect(pair.good.length).toBe(pair.bad.length);
  return pair.good.flatMap((token, i) => (token === pair.bad[i] ? [] : [i]));
}

const singulars = new Set(NOUNS.map((noun) => noun.singular));
const plurals = new Set(NOUNS.map((noun) => noun.plural));

describe('lexicon', () => {
  it.each([
    ['hug', 'hugged', 'hugging', 'hugs'], ['carry', 'carried', 'carrying', 'carries'], ['bake', 'baked', 'baking', 'bakes'],
    ['wash', 'washed', 'washing', 'washes'], ['see', 'saw', 'seeing', 'sees'], ['tie', 'tied', 'tying', 'ties'], ['open', 'opened', 'opening', 'opens'],
  ])('%s: %s %s %s (from the one morphology, src/data/morphology.ts)', (vb, vbd, vbg, vbz) => {
    const verb = VERBS.find((candidate) => candidate.vb === vb);
    expect(verb && [verb.vbd, verb.vbg, verb.vbz]).toEqual([vbd, vbg, vbz]);
  });

  it('holds no duplicate nouns or verbs, and every verb takes some object kind', () => {
    expect(new Set(NOUNS.map((noun) => noun.singular)).size).toBe(NOUNS.length);
    expect(new Set(VERBS.map((verb) => verb.vb)).size).toBe(VERBS.length);
    expect(VERBS.filter((verb) => verb.objects.length === 0)).toEqual([]);
  });
});

describe('each pair differs only where its paradigm says', () => {
  it('every sentence is lower-case, space-separated, with the final "." or "?" as its own token', () => {
    for (const template of PARADIGMS) {
      for (const pair of drawPairs(template.paradigm, 100)) {
        for (const sentence of [pair.good, pair.bad]) {
          expect(['.', '?']).toContain(sentence[sentence.length - 1]);
          for (const token of sentence) expect(token).toMatch(/^([a-z]+|[.?])$/);
        }
      }
    }
  });

  it('agreement across a PP: only the copula differs; the good one agrees with the head, the bad one with the PP noun', () => {
    for (const pair of drawPairs('agreement_subject_verb-across_prepositional_phrase', 400)) {
      expect(differences(pair)).toEqual([5]);
      const [, head, , , attractor] = pair.good;
      const headIsSingular = singulars.has(head);
      expect(headIsSingular ? plurals.has(attractor) && !singulars.has(attractor) : singulars.has(attractor)).toBe(true);
      const copula = `${pair.good[5]}/${pair.bad[5]}`;
      expect(headIsSingular ? ['is/are', 'was/were'] : ['are/is', 'were/was']).toContain(copula);
    }
  });

  it('swapped arguments: the pronoun subject and "the N" recipient trade places, nothing else changes', () => {
    const pastForms = new Set(VERBS.filter((verb) => verb.ditransitive).map((verb) => verb.vbd));
    for (const pair of drawPairs('argument_structure-swapped_arguments', 400)) {
      const [pronoun, verb, the, recipient, determiner, thing, stop] = pair.good;
      expect(SUBJECT_PRONOUNS).toContain(pronoun);
      expect(pastForms.has(verb)).toBe(true);
      expect(the).toBe('the');
      expect(pair.bad).toEqual(['the', recipient, verb, determiner, thing, pronoun, stop]);
    }
  });

  it('principle A: the gender-matched reflexive is followed by a gerund (good) or a finite form of the same verb (bad)', () => {
    const genderOf = new Map(NAMES.map((name) => [name.name, name.gender]));
    for (const pair of drawPairs('binding-principle_a', 400)) {
      expect(differences(pair)).toEqual([4]);
      const [name, , about, reflexive] = pair.good;
      expect(about).toBe('about');
      expect(reflexive).toBe(genderOf.get(name) === 'm' ? 'himself' : 'herself');
      const verb = VERBS.find((candidate) => candidate.vbg === pair.good[4]);
      expect(verb).toBeDefined();
      expect([verb?.vbd, verb?.vbz]).toContain(pair.bad[4]);
    }
  });

  it('superlative quantifiers: "more than"/"fewer than" (good) against "at least"/"at most" (bad) under "no N"', () => {
    for (const pair of drawPairs('quantifiers-superlative', 400)) {
      expect(differences(pair)).toEqual([4, 5]);
      expect(pair.good[0]).toBe('no');
      expect(['can', 'could']).toContain(pair.good[2]);
      const swap = `${pair.good.slice(4, 6).join(' ')} → ${pair.bad.slice(4, 6).join(' ')}`;
      expect(['more than → at least', 'fewer than → at most']).toContain(swap);
      expect(plurals.has(pair.good[7])).toBe(true);
    }
  });

  it.each(['agreement_determiner_noun-between_neighbors', 'agreement_determiner_noun-across_1_adjective'])(
    '%s: only the noun after the demonstrative changes number, and the good one agrees with it',
    (paradigm) => {
      // The demonstrative sits right before the noun, or before its adjective.
      const gap = paradigm.endsWith('neighbors') ? 1 : 2;
      for (const pair of drawPairs(paradigm, 400)) {
        const at = pair.good.length - 2;
        expect(differences(pair)).toEqual([at]);
        const determiner = pair.good[at - gap];
        const good = pair.good[at];
        const bad = pair.bad[at];
        const singular = ['this', 'that'].includes(determiner);
        expect(singular || ['these', 'those'].includes(determiner)).toBe(true);
        const noun = NOUNS.find((candidate) => (singular ? candidate.singular : candidate.plural) === good);
        expect(noun && (singular ? noun.plural : noun.singular)).toBe(bad);
      }
    },
  );

  it('agreement in a simple question: only the fronted copula differs, and the good one agrees with the noun', () => {
    for (const pair of drawPairs('agreement_subject_verb-in_simple_question', 400)) {
      expect(differences(pair)).toEqual([1]);
      expect(['where', 'how']).toContain(pair.good[0]);
      expect(pair.good[4]).toBe('?');
      const copula = `${pair.good[1]}/${pair.bad[1]}`;
      expect(singulars.has(pair.good[3]) ? ['is/are', 'was/were'] : ['are/is', 'were/was']).toContain(copula);
    }
  });

  it('pronoun gender: only the reflexive differs, and the good one matches the name', () => {
    const genderOf = new Map(NAMES.map((name) => [name.name, name.gender]));
    for (const pair of drawPairs('anaphor_agreement-pronoun_gender', 400)) {
      const at = pair.good.length - 2;
      expect(differences(pair)).toEqual([at]);
      const match = genderOf.get(pair.good[0]) === 'm' ? 'himself' : 'herself';
      expect(pair.good[at]).toBe(match);
      expect(pair.bad[at]).toBe(match === 'himself' ? 'herself' : 'himself');
    }
  });

  it('subjective pronoun case: only the subject pronoun differs, nominative in the good sentence, accusative in the bad', () => {
    const accusative: Record<string, string> = { he: 'him', she: 'her', we: 'us', they: 'them', i: 'me' };
    for (const pair of drawPairs('case-subjective_pronoun', 400)) {
      expect(differences(pair)).toEqual([0]);
      expect(accusative[pair.good[0]]).toBe(pair.bad[0]);
    }
  });
});

describe('vocabulary', () => {
  it('draws frequent words more often than rare ones (weight √count)', () => {
    const vocabulary: Vocabulary = { weightOf: ([word]) => Math.sqrt(word === 'dog' ? 100 : 1) };
    const pool = poolOf(vocabulary, ['dog', 'cat'], (word) => [word]);
    const random = streamFromSeed(5);
    const dogs = Array.from({ length: 2000 }, () => pool.draw(random)).filter((word) => word === 'dog').length;
    expect(dogs / 2000).toBeGreaterThan(0.85);
    expect(dogs / 2000).toBeLessThan(0.96);
  });

  it('counts whitespace tokens of the corpus, lower-cased', () => {
    expect([...countWords(['The dog .', 'the  dogs !'])]).toEqual([['the', 2], ['dog', 1], ['.', 1], ['dogs', 1], ['!', 1]]);
  });
});

describe('suites from the fixture tokenizer and corpus', () => {
  let tokenizer: Tokenizer;
  let options: GenerateOptions;
  let corpusWords: Map<string, number>;

  beforeAll(async () => {
    tokenizer = await loadTokenizer(FIXTURE_TOKENIZER);
    corpusWords = countWords(await readCorpusLines(FIXTURE_CORPUS));
    options = {
      name: 'fixture', tokenizer, tokenizerSha256: sha256(tokenizer.json), corpusSha256: sha256(await readFile(FIXTURE_CORPUS)),
      counts: corpusWords, pairs: 300, seed: 1, minCount: 1,
    };
  });

  it('uses only whole-word tokens seen in the corpus, apart from the templates\' fixed words', () => {
    const fixed = new Set(['the', 'about', 'himself', 'herself', 'no', 'more', 'fewer', 'than', 'at', 'least', 'most', '.', '?']);
    const suite = generateSuite(options);
    expect(suite.paradigms.length).toBeGreaterThanOrEqual(5);
    for (const paradigm of suite.paradigms) {
      for (const sentence of paradigm.text.trimEnd().split('\n')) {
        for (const word of sentence.split(' ')) {
          if (fixed.has(word)) continue;
          expect(tokenizer.isWholeWord(word), `${word} in ${paradigm.paradigm}`).toBe(true);
          expect(corpusWords.get(word) ?? 0, `${word} in ${paradigm.paradigm}`).toBeGreaterThan(0);
        }
      }
    }
  });

  it('writes unique pairs, as many as requested or fewer with a warning, and skips a paradigm with an empty slot', () => {
    const log: string[] = [];
    const suite = generateSuite({ ...options, log: (line) => log.push(line) });
    for (const paradigm of suite.paradigms) {
      const lines = paradigm.text.trimEnd().split('\n');
      const pairs = new Set(Array.from({ length: lines.length / 2 }, (_, i) => `${lines[2 * i]}\n${lines[2 * i + 1]}`));
      expect(pairs.size).toBe(paradigm.nPairs);
      expect(lines).toHaveLength(2 * paradigm.nPairs);
      if (paradigm.nPairs < 300) expect(log).toContain(`warning: ${paradigm.paradigm}: only ${paradigm.nPairs} unique pairs of 300 requested (the usable vocabulary is too small for more)`);
      else expect(paradigm.nPairs).toBe(300);
    }
    expect(suite.paradigms.filter((paradigm) => paradigm.nPairs === 300).length).toBeGreaterThanOrEqual(3);
    // The 6,000-token fixture corpus holds no whole-word name.
    expect(suite.skipped.map((entry) => entry.paradigm)).toEqual(['binding-principle_a', 'anaphor_agreement-pronoun_gender']);
    expect(log).toContain('warning: skipping binding-principle_a: no usable names (whole-word tokens seen ≥ 1 times in the corpus)');
  });

  it('gives fewer pairs and a warning when the usable vocabulary cannot make enough unique ones', () => {
    // 1 subject × 1 modal × 1 verb × 2 quantifier pairs × 2 numbers × 2 objects = 8 distinct pairs.
    const counts = new Map(['dog', 'can', 'eat', 'two', 'three', 'cookies', 'apples'].map((word) => [word, 1]));
    const log: string[] = [];
    const suite = generateSuite({
      ...options, tokenizer: { isWholeWord: () => true }, counts, pairs: 20, templates: [templateNamed('quantifiers-superlative')], log: (line) => log.push(line),
    });
    expect(suite.paradigms.map((paradigm) => paradigm.nPairs)).toEqual([8]);
    expect(log).toEqual(['warning: quantifiers-superlative: only 8 unique pairs of 20 requested (the usable vocabulary is too small for more)']);
  });

  it('is byte-identical for the same inputs and seed, and differs for another seed', async () => {
    const [a, b, c] = await Promise.all([1, 1, 2].map(() => mkdtemp(join(tmpdir(), 'babyssa-paradigms-'))));
    await writeSuite(a, generateSuite(options));
    await writeSuite(b, generateSuite(options));
    await writeSuite(c, generateSuite({ ...options, seed: 2 }));
    const names = (await readdir(a)).sort();
    expect(names).toHaveLength(PARADIGMS.length - 2 + 1);
    expect((await readdir(b)).sort()).toEqual(names);
    for (const name of names) {
      expect(await readFile(join(b, name))).toEqual(await readFile(join(a, name)));
    }
    expect(await readFile(join(c, names[0]), 'utf8')).not.toBe(await readFile(join(a, names[0]), 'utf8'));
  });

  it('writes a suite.json that readSuite reads: names, phenomena, counts, hashes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'babyssa-paradigms-'));
    const generated = generateSuite({ ...options, pairs: 50 });
    await writeSuite(dir, generated);
    const manifest = JSON.parse(await readFile(join(dir, 'suite.json'), 'utf8'));
    expect(manifest).toMatchObject({
      name: 'fixture', generator_version: 1, seed: 1, pairs_requested: 50, min_count: 1,
      tokenizer_sha256: sha256(await readFile(FIXTURE_TOKENIZER)), corpus_sha256: sha256(await readFile(FIXTURE_CORPUS)),
    });
    expect(manifest.lexicon_hash).toMatch(/^[0-9a-f]{64}$/);
    const suite = await readSuite(dir);
    expect(suite.format).toBe('babyssa');
    expect(suite.name).toBe('fixture');
    expect(suite.paradigms.map((p) => [p.name, p.phenomenon, p.pairs.length])).toEqual(
      generated.paradigms.map((p) => [p.paradigm, p.paradigm.slice(0, p.paradigm.indexOf('-')), p.nPairs]),
    );
    expect(suite.paradigms[0].pairs[0]).toEqual({
      bad: generated.paradigms[0].text.split('\n')[0], good: generated.paradigms[0].text.split('\n')[1],
    });
  });
});

describe('babyssa probes generate', () => {
  it('writes the chosen paradigms and reports on stderr', async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'babyssa-paradigms-')), 'suite');
    const { stdout, stderr } = await run('npx', ['tsx', 'src/cli/main.ts', 'probes', 'generate', '--tokenizer', FIXTURE_TOKENIZER,
      '--corpus', FIXTURE_CORPUS, '--pairs', '20', '--seed', '3', '--out', out, '--json',
      '--paradigm', 'quantifiers-superlative', '--paradigm', 'binding-principle_a']);
    expect(JSON.parse(stdout).paradigms.map((entry: { paradigm: string }) => entry.paradigm)).toEqual(['quantifiers-superlative']);
    expect(stderr).toContain('warning: skipping binding-principle_a');
    expect(stderr).toContain(`wrote ${out}: 1 paradigm, 20 pairs`);
    expect((await readFile(join(out, 'quantifiers-superlative.txt'), 'utf8')).split('\n')).toHaveLength(41);
  });

  it('rejects a bad --pairs with one line and exit code 2', async () => {
    const failed = await run('npx', ['tsx', 'src/cli/main.ts', 'probes', 'generate', '--pairs', '0', '--out', join(tmpdir(), 'never')]).catch((error) => error);
    expect(failed.code).toBe(2);
    expect(failed.stderr).toBe('babyssa: --pairs must be a positive integer, not 0\n');
  });
});

describe('the shipped suites', () => {
  it.each([
    ['default', 'corpora/default-tokenizer.json'],
    ['babyberta', 'corpora/babyberta-tokenizer.json'],
  ])('probes/%s is exactly what `probes generate --pairs 2000 --seed 1` makes from the embedded corpus and %s', async (name, tokenizerPath) => {
    const tokenizer = await loadTokenizer(tokenizerPath);
    const suite = generateSuite({
      name, tokenizer, tokenizerSha256: sha256(tokenizer.json), corpusSha256: sha256(await readFile('corpora/default.txt')),
      counts: countWords(await readCorpusLines('corpora/default.txt')), pairs: 2000, seed: 1, minCount: 1,
    });
    expect(suite.skipped).toEqual([]);
    expect(await readFile(join('probes', name, 'suite.json'), 'utf8')).toBe(suite.manifest);
    for (const paradigm of suite.paradigms) {
      expect(paradigm.nPairs).toBeGreaterThan(1800);
      expect(await readFile(join('probes', name, paradigm.file), 'utf8')).toBe(paradigm.text);
    }
  });
});
