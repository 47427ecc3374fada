// Suite readers (Zorro dir, BLiMP jsonl, our suite.json), their one-line errors, tie policies and Wilson intervals.
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../src/core/errors.js';
import { pairCredit, wilsonInterval } from '../src/probe/accuracy.js';
import { readSuite } from '../src/probe/suite.js';

let root: string;

async function files(dir: string, contents: Record<string, string>): Promise<string> {
  const path = join(root, dir);
  await mkdir(path, { recursive: true });
  for (const [name, text] of Object.entries(contents)) await writeFile(join(path, name), text);
  return path;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'babyssa-suite-'));
});

describe('suite readers', () => {
  it('reads a Zorro directory: odd lines bad, even lines good, phenomenon before the last dash, CRLF tolerated', async () => {
    const dir = await files('zorro', {
      'agreement_subject_verb-across_prepositional_phrase.txt': 'the lies on the foot is flat .\nthe lie on the foot is flat .\n',
      'binding-principle_a.txt': 'Ben thinks about himself called this fuel .\r\nBen thinks about himself calling this fuel .\r\nx y z .\r\nx y w .',
      'README.md': 'not a paradigm',
    });
    const suite = await readSuite(dir);
    expect(suite.format).toBe('zorro');
    expect(suite.name).toBe('zorro');
    expect(suite.paradigms.map((p) => [p.name, p.phenomenon, p.pairs.length])).toEqual([
      ['agreement_subject_verb-across_prepositional_phrase', 'agreement_subject_verb', 1],
      ['binding-principle_a', 'binding', 2],
    ]);
    expect(suite.paradigms[0].pairs[0]).toEqual({ bad: 'the lies on the foot is flat .', good: 'the lie on the foot is flat .' });
    expect(suite.paradigms[1].pairs[0].good).toBe('Ben thinks about himself calling this fuel .');
    expect(suite.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('hashes content, not layout: LF and CRLF copies of a suite hash alike, a changed word does not', async () => {
    const lf = await readSuite(await files('lf', { 'a-b.txt': 'x y z .\nx y w .\n' }));
    const crlf = await readSuite(await files('crlf', { 'a-b.txt': 'x y z .\r\nx y w .\r\n' }));
    const changed = await readSuite(await files('changed', { 'a-b.txt': 'x y z .\nx y v .\n' }));
    expect(crlf.hash).toBe(lf.hash);
    expect(changed.hash).not.toBe(lf.hash);
  });

  it('reads BLiMP-style JSONL grouped by UID / paradigm, with linguistics_term as the phenomenon', async () => {
    const dir = await files('blimp', {
      'anaphor.jsonl': [
        { sentence_good: 'Katherine can\'t help herself.', sentence_bad: 'Katherine can\'t help himself.', UID: 'anaphor_gender_agreement', linguistics_term: 'anaphor_agreement', pairID: '0' },
        { sentence_good: 'Many girls insulted themselves.', sentence_bad: 'Many girls insulted herself.', UID: 'anaphor_number_agreement' },
        { sentence_good: 'A b c.', sentence_bad: 'A b d.', UID: 'anaphor_gender_agreement' },
      ].map((r) => JSON.stringify(r)).join('\n') + '\n',
    });
    const suite = await readSuite(join(dir, 'anaphor.jsonl'));
    expect(suite.format).toBe('blimp');
    expect(suite.name).toBe('anaphor');
    expect(suite.paradigms.map((p) => [p.name, p.phenomenon, p.pairs.length])).toEqual([
      ['anaphor_gender_agreement', 'anaphor_agreement', 2],
      ['anaphor_number_agreement', 'anaphor_number_agreement', 1],
    ]);
    const noIds = await files('blimp2', { 'plain.jsonl': JSON.stringify({ sentence_good: 'a b c', sentence_bad: 'a c b', paradigm: 'x-y' }) });
    expect((await readSuite(noIds)).paradigms[0]).toMatchObject({ name: 'x-y', phenomenon: 'x' });
  });

  it('reads our suites through suite.json (names, phenomena, files) and checks its pair counts', async () => {
    const dir = await files('own', {
      'suite.json': JSON.stringify({
        name: 'default', seed: 1,
        paradigms: [{ paradigm: 'quantifiers-superlative', phenomenon: 'quantifiers', file: 'quantifiers-superlative.txt', n_pairs: 1 }],
      }),
      'quantifiers-superlative.txt': 'no pig could stand on top of at least six days .\nno pig could stand on top of more than six days .\n',
      'stray.txt': 'a b c\na b d\n',
    });
    const suite = await readSuite(dir);
    expect(suite).toMatchObject({ name: 'default', format: 'babyssa' });
    expect(suite.paradigms.map((p) => p.name)).toEqual(['quantifiers-superlative']);
    await writeFile(join(dir, 'suite.json'), JSON.stringify({ paradigms: [{ paradigm: 'quantifiers-superlative', file: 'quantifiers-superlative.txt', n_pairs: 5 }] }));
    await expect(readSuite(dir)).rejects.toThrow(/says quantifiers-superlative has 5 pairs but .* holds 1/);
  });
});

describe('invalid suites give one clear line naming the file and line', () => {
  const cases: Array<[string, Record<string, string>, RegExp]> = [
    ['odd line count', { 'a-b.txt': 'x y z .\nx y w .\nx y v .\n' }, /a-b\.txt: odd number of lines \(3\); line 3 has no grammatical partner/],
    ['an empty line', { 'a-b.txt': 'x y z .\nx y w .\n\nx y v .\n' }, /a-b\.txt line 3: empty line/],
    ['a whitespace-only line', { 'a-b.txt': 'x y z .\n   \n' }, /a-b\.txt line 2: empty line/],
    ['identical sentences', { 'a-b.txt': 'x y z .\nx y w .\nsame one .\nsame one .\n' }, /a-b\.txt lines 3-4: the two sentences of a pair are identical/],
    ['an empty file', { 'a-b.txt': '' }, /a-b\.txt: no sentences/],
    ['no suite files', { 'notes.md': 'hi' }, /no suite in .*: expected suite\.json, Zorro-format \.txt files, or BLiMP-style \.jsonl files/],
    ['bad JSON line', { 'b.jsonl': '{"sentence_good": "a b c", "sentence_bad": "a c b"}\n{"sentence_good": "a b\n' }, /b\.jsonl line 2: not valid JSON/],
    ['missing sentence_bad', { 'b.jsonl': '{"sentence_good": "a b c"}\n' }, /b\.jsonl line 1: missing field sentence_bad/],
    ['a non-object line', { 'b.jsonl': '[1, 2]\n' }, /b\.jsonl line 1: expected a JSON object/],
    ['identical BLiMP sentences', { 'b.jsonl': '{"sentence_good": "a b c", "sentence_bad": "a b c"}\n' }, /b\.jsonl line 1: sentence_good and sentence_bad are identical/],
    ['a broken suite.json', { 'suite.json': '{"paradigms": [' }, /suite\.json: not valid JSON/],
    ['suite.json naming a missing file', { 'suite.json': '{"paradigms": [{"paradigm": "a-b", "file": "a-b.txt"}]}' }, /cannot read suite file .*a-b\.txt \(ENOENT\)/],
    ['one paradigm twice', { 'a.jsonl': '{"sentence_good": "a b c", "sentence_bad": "a c b", "UID": "p"}\n', 'p.txt': 'x y z .\nx y w .\n' }, /paradigm p appears twice/],
  ];
  it.each(cases)('%s', async (label, contents, message) => {
    const dir = await files(`bad-${label.replace(/\W+/g, '-')}`, contents);
    const error = await readSuite(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('\n');
  });

  it('a missing path and an unreadable file', async () => {
    await expect(readSuite(join(root, 'nowhere'))).rejects.toThrow(/^suite not found: /);
    // A folder where a paradigm file should be cannot be read by anyone, root included.
    const dir = await files('unreadable', {});
    await mkdir(join(dir, 'a-b.txt'));
    await expect(readSuite(dir)).rejects.toThrow(/^cannot read suite file .*a-b\.txt \(EISDIR\)$/);
  });
});

describe('ties and intervals', () => {
  it('credits a tie 0, 0.5, or a seeded coin that is deterministic and about fair', () => {
    expect(pairCredit(true, false, 'wrong', 0, 'p', 0)).toBe(1);
    expect(pairCredit(false, false, 'half', 0, 'p', 0)).toBe(0);
    expect(pairCredit(false, true, 'wrong', 0, 'p', 0)).toBe(0);
    expect(pairCredit(false, true, 'half', 0, 'p', 0)).toBe(0.5);
    const flips = (seed: number) => Array.from({ length: 400 }, (_, i) => pairCredit(false, true, 'coin', seed, 'p', i));
    expect(flips(3)).toEqual(flips(3));
    expect(flips(3)).not.toEqual(flips(4));
    const heads = flips(3).reduce((a, b) => a + b, 0);
    expect(heads).toBeGreaterThan(150);
    expect(heads).toBeLessThan(250);
  });

  it('gives Wilson intervals that match published values and stay inside [0, 1]', () => {
    // Reference values from the closed form evaluated separately in Python.
    const [lo, hi] = wilsonInterval(81, 263);
    expect(lo).toBeCloseTo(0.2553, 4);
    expect(hi).toBeCloseTo(0.3662, 4);
    expect(wilsonInterval(0, 10)[0]).toBe(0);
    expect(wilsonInterval(0, 10)[1]).toBeCloseTo(0.2775, 4);
    expect(wilsonInterval(10, 10)[1]).toBe(1);
    const [a, b] = wilsonInterval(1000, 2000);
    expect(a).toBeCloseTo(0.4781, 4);
    expect(b).toBeCloseTo(0.5219, 4);
  });
});
