// Loading and encoding: golden ids for fixed sentences, agreement with the HF Rust tokenizer, probe helpers, errors.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tokenizers from 'tokenizers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../src/core/errors.js';
import { loadTokenizer, tokenizerFromJson } from '../src/tokenizer/load.js';
import type { Tokenizer } from '../src/tokenizer/types.js';

const FIXTURE = 'test/fixtures/tokenizer-fixture.json';
const CORPUS = 'test/fixtures/tokenizer-corpus.txt';

// Ids recorded from the HF Rust tokenizer (npm `tokenizers`) loading the fixture.
const GOLDEN = [
  { text: 'where is the ball ?', ids: [3, 356, 355, 263, 353, 272, 4] },
  { text: 'The Dog WANTS a cookie .', ids: [3, 263, 292, 75, 300, 87, 267, 343, 264, 4] },
  { text: "don't throw the blue cup !", ids: [3, 381, 375, 309, 263, 342, 341, 334, 4] },
  { text: "we'll go outside later .", ids: [3, 268, 73, 11, 294, 278, 83, 225, 274, 88, 87, 77, 72, 73, 293, 275, 328, 264, 4] },
  { text: "they've got 2 cookies .", ids: [3, 263, 93, 11, 311, 278, 83, 88, 225, 22, 318, 364, 264, 4] },
  { text: 'Café au lait for mommy .', ids: [3, 270, 69, 74, 132, 107, 267, 89, 293, 69, 393, 296, 83, 86, 297, 83, 81, 81, 93, 264, 4] },
  { text: 'wow … look at that !!', ids: [3, 268, 280, 225, 163, 227, 104, 382, 378, 347, 334, 5, 4] },
  { text: '  two   spaces ', ids: [3, 225, 261, 91, 83, 225, 225, 266, 84, 69, 71, 271, 225, 4] },
  { text: '🙂 smile', ids: [3, 225, 177, 258, 252, 229, 266, 81, 77, 287, 4] },
  { text: 'give me the <mask> .', ids: [3, 362, 360, 263, 0, 264, 4] },
  { text: '', ids: [3, 4] },
];

let tokenizer: Tokenizer;
let scratch: string;

beforeAll(async () => {
  tokenizer = await loadTokenizer(FIXTURE);
  scratch = await mkdtemp(join(tmpdir(), 'babyssa-tok-'));
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe('encode', () => {
  it.each(GOLDEN)('encodes $text', ({ text, ids }) => {
    const encoded = tokenizer.encode(text);
    expect(encoded.ids).toEqual(ids);
    expect(encoded.tokens.map((token) => tokenizer.tokenToId(token))).toEqual(ids);
  });

  it('agrees with the HF Rust tokenizer on every corpus line and on odd text', async () => {
    const rust = tokenizers.Tokenizer.fromFile(FIXTURE);
    const lines = (await readFile(CORPUS, 'utf8')).split('\n').filter((line) => line.length > 0);
    const odd = ['UPPER case', 'tabs\tand\nnewlines', "it's 10:30 o'clock", 'ÄÖÜ straße', '日本語', 'a—b–c', '  ', 'x'.repeat(200)];
    const texts = [...lines, ...odd, ...lines.map((line) => line.toUpperCase())];
    const expected = await rust.encodeBatch(texts);
    texts.forEach((text, i) => {
      expect(tokenizer.encode(text).ids, text).toEqual(expected[i].getIds());
    });
  });

  it('decodes back to the lower-cased text', () => {
    expect(tokenizer.decode(tokenizer.encode('Where is the RED truck ?').ids)).toBe('<s> where is the red truck ?</s>');
  });
});

describe('vocabulary and probe helpers', () => {
  it('knows its size and the special ids', async () => {
    expect(tokenizer.vocabSize).toBe(400);
    expect(['<mask>', '<pad>', '<unk>', '<s>', '</s>'].map((token) => tokenizer.tokenToId(token))).toEqual([0, 1, 2, 3, 4]);
    expect(tokenizer.idToToken(263)).toBe('Ġthe');
    expect(tokenizer.tokenToId('Ġzebra')).toBeUndefined();
    expect(tokenizer.json).toBe(await readFile(FIXTURE, 'utf8'));
  });

  it.each([
    { word: 'ball', whole: true },
    { word: 'Ball', whole: true },
    { word: 'dog', whole: false },
    { word: 'zebra', whole: false },
    { word: 'the', whole: true },
    { word: 'z', whole: false },
  ])('isWholeWord($word) is $whole', ({ word, whole }) => {
    expect(tokenizer.isWholeWord(word)).toBe(whole);
  });

  it('marks word starts by the Ġ prefix', () => {
    const { ids, tokens } = tokenizer.encode('the dogs');
    expect(tokens).toEqual(['<s>', 'Ġthe', 'Ġdo', 'g', 's', '</s>']);
    expect(ids.map((id) => tokenizer.isWordStart(id))).toEqual([false, true, true, false, false, false]);
  });
});

describe('loading errors', () => {
  const fixtureJson = async () => JSON.parse(await readFile(FIXTURE, 'utf8')) as Record<string, Record<string, unknown>>;

  it('accepts a folder holding tokenizer.json', async () => {
    await writeFile(join(scratch, 'tokenizer.json'), await readFile(FIXTURE, 'utf8'));
    expect((await loadTokenizer(scratch)).encode('the ball').ids).toEqual([3, 263, 353, 4]);
  });

  it('names a missing file', async () => {
    await expect(loadTokenizer(join(scratch, 'nope.json'))).rejects.toThrow(/tokenizer file not found: .*nope\.json/);
  });

  it('rejects bad JSON', () => {
    expect(() => tokenizerFromJson('{"model": ', 'bad.json')).toThrow(UserError);
    expect(() => tokenizerFromJson('{"model": ', 'bad.json')).toThrow(/bad\.json is not valid JSON/);
  });

  it('rejects a model that is not BPE', async () => {
    const json = await fixtureJson();
    json.model = { type: 'WordPiece', vocab: { a: 0 }, unk_token: '[UNK]' };
    expect(() => tokenizerFromJson(JSON.stringify(json), 'wp.json')).toThrow(/wp\.json: model is WordPiece, not BPE/);
  });

  it('rejects a BPE tokenizer that is not byte-level', async () => {
    const json = await fixtureJson();
    json.pre_tokenizer = { type: 'Whitespace' };
    expect(() => tokenizerFromJson(JSON.stringify(json), 'ws.json')).toThrow(/pre-tokenizer is Whitespace, not ByteLevel/);
  });

  it('rejects a vocabulary missing byte symbols unless it has an unk token, as BabyBERTa\'s own have', async () => {
    const json = await fixtureJson();
    const vocab = json.model.vocab as Record<string, number>;
    delete vocab['Ā']; // byte 0x00
    expect(() => tokenizerFromJson(JSON.stringify(json), 'gap.json')).toThrow(/lacks 1 of the 256 byte symbols and has no unk_token/);
    json.model.unk_token = '<unk>';
    expect(tokenizerFromJson(JSON.stringify(json), 'gap.json').encode('the \u0000').ids).toEqual([3, 263, 225, 2, 4]);
  });
});
