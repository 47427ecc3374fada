import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../src/core/errors.js';
import { isUtterance, keepUtterances, readCorpusLines, selectUtterances } from '../src/data/corpus.js';
import { encodeUtterances, padBatch } from '../src/data/sequences.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'babyssa-data-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function corpusFile(name: string, content: string | Uint8Array): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

/** A stand-in tokenizer: one id per character, wrapped in <s>=3 … </s>=4, so lengths are easy to predict. */
const charTokenizer = {
  encode: (text: string) => {
    const chars = [...text];
    return { ids: [3, ...chars.map((c) => 10 + (c.codePointAt(0)! % 50)), 4], tokens: ['<s>', ...chars, '</s>'] };
  },
};

describe('readCorpusLines', () => {
  it('returns the trimmed non-blank lines in order (LF or CRLF)', async () => {
    const path = await corpusFile('ok.txt', 'look at the dog .\r\n\n  where is it ?  \nuh oh .\n');
    expect(await readCorpusLines(path)).toEqual(['look at the dog .', 'where is it ?', 'uh oh .']);
  });

  it.each([
    ['a missing file', async () => join(dir, 'nope.txt'), /corpus file not found: .*nope\.txt/],
    ['a directory', async () => { const d = join(dir, 'folder'); await mkdir(d, { recursive: true }); return d; }, /is a directory/],
    ['an empty file', async () => corpusFile('empty.txt', ''), /corpus file is empty: .*empty\.txt/],
    ['only blank lines', async () => corpusFile('blank.txt', '\n  \n\t\n'), /only blank lines/],
    ['bytes that are not UTF-8 (line 3)', async () => corpusFile('latin1.txt', Buffer.concat([Buffer.from('one two three .\nfour five six .\ncaf'), Buffer.from([0xe9]), Buffer.from(' au lait .\n')])), /line 3 is not valid UTF-8/],
  ])('rejects %s with one UserError line', async (_what, makePath, message) => {
    const path = await makePath();
    const error = await readCorpusLines(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('\n');
  });
});

describe('utterance filter (BabyBERTa: at least 3 whitespace tokens)', () => {
  it.each([
    ['look .', false],
    ['uh oh', false],
    ['good job !', true],
    ['  where   is\tit ?', true],
    ['', false],
  ])('%j → %s', (line, kept) => {
    expect(isUtterance(line)).toBe(kept);
  });

  it('keeps the long lines in order and counts the dropped ones', () => {
    const lines = ['look .', 'is that a dog ?', 'no', 'good job !'];
    expect(selectUtterances(lines)).toEqual({ utterances: ['is that a dog ?', 'good job !'], droppedShort: 2 });
    expect(keepUtterances(lines)).toEqual(['is that a dog ?', 'good job !']);
  });
});

describe('encodeUtterances', () => {
  it('drops (never truncates) sequences longer than maxLength, counting <s> and </s>', () => {
    // lengths incl. <s></s>: 5+2=7, 6+2=8, 7+2=9
    const result = encodeUtterances(['a b c', 'a b cd', 'a b cde'], charTokenizer, 8);
    expect(result.sequences.map((s) => s.length)).toEqual([7, 8]);
    expect(result.droppedTooLong).toBe(1);
    expect(result.totalTokens).toBe(24);
    expect([...result.lengths]).toEqual([7, 8, 9]);
    expect(result.sequences[1]).toBeInstanceOf(Int32Array);
    expect([...result.sequences[1]]).toEqual(charTokenizer.encode('a b cd').ids);
  });

  it('keeps everything at the default length of 128', () => {
    const result = encodeUtterances(['x'.repeat(126), 'x'.repeat(127)], charTokenizer);
    expect(result.sequences.map((s) => s.length)).toEqual([128]);
    expect(result.droppedTooLong).toBe(1);
  });
});

describe('padBatch', () => {
  it('pads to the longest sequence with the pad id and marks real tokens', () => {
    const batch = padBatch([[3, 7, 4], [3, 8, 9, 10, 4], Int32Array.from([3, 4])], 1);
    expect(batch.batchSize).toBe(3);
    expect(batch.seqLen).toBe(5);
    expect([...batch.inputIds]).toEqual([3, 7, 4, 1, 1, 3, 8, 9, 10, 4, 3, 4, 1, 1, 1]);
    expect([...batch.attentionMask]).toEqual([1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0]);
  });

  it('adds no padding when all sequences have the same length', () => {
    const batch = padBatch([[3, 5, 4], [3, 6, 4]], 1);
    expect(batch.seqLen).toBe(3);
    expect(batch.attentionMask.every((m) => m === 1)).toBe(true);
  });

  it('refuses an empty batch', () => {
    expect(() => padBatch([], 1)).toThrow(/at least one sequence/);
  });
});
