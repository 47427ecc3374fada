// The BPE trainer: byte-level pre-tokenization, HF-identical merges, exact vocabulary, determinism, clear failures.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tokenizers from 'tokenizers';
import { describe, expect, it } from 'vitest';
import { UserError } from '../src/core/errors.js';
import { SPECIAL_TOKENS } from '../src/model/config.js';
import { BYTE_ALPHABET, BYTE_TO_CHAR, preTokenize } from '../src/tokenizer/byte-level.js';
import { serializeTokenizerJson } from '../src/tokenizer/hf-json.js';
import { countWords, trainBpe } from '../src/tokenizer/train.js';

const CORPUS = 'test/fixtures/tokenizer-corpus.txt';
const FIXTURE = 'test/fixtures/tokenizer-fixture.json';
/** The fixture tokenizer was trained with: babyssa tokenizer train --corpus CORPUS --vocab-size 400 --out FIXTURE */
const FIXTURE_VOCAB = 400;

async function corpusLines(): Promise<string[]> {
  return (await readFile(CORPUS, 'utf8')).split('\n').filter((line) => line.length > 0);
}

describe('byte-level pre-tokenization', () => {
  it('maps the 256 bytes to 256 distinct printable symbols, GPT-2 style', () => {
    expect(new Set(BYTE_TO_CHAR).size).toBe(256);
    expect(BYTE_TO_CHAR[0x20]).toBe('Ġ');
    expect(BYTE_TO_CHAR[0x0a]).toBe('Ċ');
    expect(BYTE_TO_CHAR[0x61]).toBe('a');
    expect(BYTE_TO_CHAR[0xe9]).toBe('é');
    expect(BYTE_ALPHABET[0]).toBe('!');
  });

  it.each([
    { text: "Where's the Dog?", words: ['Ġwhere', "'s", 'Ġthe', 'Ġdog', '?'] },
    { text: 'we have 12 cookies .', words: ['Ġwe', 'Ġhave', 'Ġ12', 'Ġcookies', 'Ġ.'] },
    { text: ' already spaced', words: ['Ġalready', 'Ġspaced'] },
    { text: 'café', words: ['ĠcafÃ©'] },
  ])('splits $text', ({ text, words }) => {
    expect(preTokenize(text)).toEqual(words);
  });
});

describe('trainBpe', () => {
  it('merges exactly as the HF Rust trainer does (tokenizers binding, same pipeline)', async () => {
    const lines = await corpusLines();
    const ours = trainBpe(countWords(lines), { vocabSize: 500, minFrequency: 2 });
    const dir = await mkdtemp(join(tmpdir(), 'babyssa-bpe-'));
    try {
      const corpus = join(dir, 'corpus.txt');
      await writeFile(corpus, `${lines.join('\n')}\n`);
      // The binding trains with default options (no specials, min frequency 0, vocab 30000): its merges run past
      // ours, but ranked merges are a prefix-stable list, so the first ones must be ours.
      const rust = tokenizers.Tokenizer.fromString(JSON.stringify({
        version: '1.0', truncation: null, padding: null, added_tokens: [], normalizer: { type: 'Lowercase' },
        pre_tokenizer: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
        post_processor: null, decoder: null,
        model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: false, byte_fallback: false, vocab: {}, merges: [] },
      }));
      rust.train([corpus]);
      const saved = join(dir, 'rust.json');
      rust.save(saved);
      const rustMerges = (JSON.parse(await readFile(saved, 'utf8')) as { model: { merges: (string | string[])[] } }).model.merges
        .map((merge) => (Array.isArray(merge) ? merge.join(' ') : merge));
      expect(ours.merges.length).toBe(500 - 261);
      expect(rustMerges.slice(0, ours.merges.length)).toEqual(ours.merges.map((merge) => merge.join(' ')));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('gives exactly the requested size: specials 0-4, the byte alphabet, then merges', async () => {
    const { vocab, merges } = trainBpe(countWords(await corpusLines()), { vocabSize: 300, minFrequency: 2 });
    expect(vocab).toHaveLength(300);
    expect(new Set(vocab).size).toBe(300);
    expect(vocab.slice(0, 5)).toEqual([...SPECIAL_TOKENS]);
    expect(vocab.slice(5, 261)).toEqual([...BYTE_ALPHABET]);
    expect(vocab.slice(261)).toEqual(merges.map(([left, right]) => left + right));
  });

  it('breaks count ties by the smaller (left id, right id) and counts overlapping pairs', () => {
    // (c,d) and (a,b) both occur 4 times: (a,b) wins on ids. "aaaa" holds (a,a) three times (x2 = 6), so it goes first.
    const counts = new Map([['cd', 4], ['ab', 4], ['aaaa', 2]]);
    const { merges } = trainBpe(counts, { vocabSize: 261 + 4, minFrequency: 2 });
    expect(merges).toEqual([['a', 'a'], ['a', 'b'], ['c', 'd'], ['aa', 'aa']]);
  });

  it('is deterministic and independent of line order', async () => {
    const lines = await corpusLines();
    const first = serializeTokenizerJson(trainBpe(countWords(lines), { vocabSize: 450, minFrequency: 2 }));
    const reversed = serializeTokenizerJson(trainBpe(countWords([...lines].reverse()), { vocabSize: 450, minFrequency: 2 }));
    expect(reversed).toBe(first);
  });

  it('reproduces the committed fixture tokenizer byte for byte', async () => {
    const trained = serializeTokenizerJson(trainBpe(countWords(await corpusLines()), { vocabSize: FIXTURE_VOCAB, minFrequency: 2 }));
    expect(trained).toBe(await readFile(FIXTURE, 'utf8'));
  });

  it('says how large a vocabulary the corpus supports when asked for more', async () => {
    const words = countWords(await corpusLines());
    let message = '';
    try {
      trainBpe(words, { vocabSize: 5000, minFrequency: 2 });
    } catch (error) {
      expect(error).toBeInstanceOf(UserError);
      message = (error as Error).message;
    }
    const supported = Number(/supports only (\d+) vocabulary entries at min frequency 2/.exec(message)?.[1]);
    expect(supported).toBeGreaterThan(FIXTURE_VOCAB);
    expect(trainBpe(words, { vocabSize: supported, minFrequency: 2 }).vocab).toHaveLength(supported);
  });

  it('never merges a pair seen fewer than min-frequency times', () => {
    const counts = new Map([['ab', 1], ['cd', 2]]);
    expect(trainBpe(counts, { vocabSize: 262, minFrequency: 2 }).merges).toEqual([['c', 'd']]);
    expect(() => trainBpe(counts, { vocabSize: 263, minFrequency: 2 })).toThrow(/supports only 262 /);
    expect(trainBpe(counts, { vocabSize: 263, minFrequency: 1 }).merges).toEqual([['c', 'd'], ['a', 'b']]);
  });

  it('rejects a vocabulary smaller than specials + alphabet', () => {
    expect(() => trainBpe(new Map([['ab', 3]]), { vocabSize: 260, minFrequency: 2 })).toThrow(/from 261/);
  });
});
