// `babyssa corpus stats|generate|fetch`, driven through yargs the way src/cli/main.ts drives it, and the numbers behind them.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yargs from 'yargs';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { corpusCommand } from '../src/cli/corpus.js';
import { UserError } from '../src/core/errors.js';
import { generateCorpusText } from '../src/data/generator/generate.js';
import { corpusStats, formatCorpusStats, histogram, type CorpusStats } from '../src/data/stats.js';

let scratch: string;
let server: Server;
let base: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'babyssa-corpus-cli-'));
  server = createServer((_request, response) => response.end('look at the dog .\n'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(scratch, { recursive: true, force: true });
});
afterEach(() => {
  vi.restoreAllMocks();
});

async function run(args: string[]): Promise<{ stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  await yargs(args)
    .strict()
    .command(corpusCommand)
    .demandCommand(1)
    .fail((message, error) => {
      throw error ?? new UserError(message ?? 'invalid arguments');
    })
    .parseAsync();
  return { stdout, stderr };
}

// Lines of 2, 3, 4 and 9 whitespace tokens.
const LINES = ['uh oh', 'good job !', 'where is it ?', 'the dog on the chair is very sleepy .'];
/** One id per whitespace token plus <s></s>, so BPE lengths are word counts + 2. */
const wordTokenizer = { encode: (text: string) => ({ ids: [3, ...text.split(' ').map(() => 9), 4], tokens: [] }) };

describe('histogram', () => {
  it('puts each length in the bin whose range holds it, the last bin open-ended', () => {
    expect(histogram([1, 2, 2, 5, 6, 40], [1, 2, 5, 10])).toEqual([
      { min: 1, max: 1, lines: 1 },
      { min: 2, max: 4, lines: 2 },
      { min: 5, max: 9, lines: 2 },
      { min: 10, max: null, lines: 1 },
    ]);
  });
});

describe('corpusStats', () => {
  it('counts lines, tokens, types and the ≥ 3-token filter', () => {
    const stats = corpusStats('mem', LINES);
    expect(stats).toMatchObject({ lines: 4, whitespace_tokens: 18, kept_lines: 3, dropped_short: 1 });
    expect(stats.types).toBe(new Set(LINES.flatMap((l) => l.split(' '))).size);
    expect(stats.length_histogram.reduce((sum, bin) => sum + bin.lines, 0)).toBe(4);
    expect(stats.bpe).toBeUndefined();
  });

  it('with a tokenizer, counts BPE tokens of the kept lines and drops those over the max length', () => {
    const bpe = corpusStats('mem', LINES, wordTokenizer, 6).bpe!;
    expect(bpe).toMatchObject({ max_length: 6, tokens: 5 + 6 + 11, longest: 11, dropped_too_long: 1, kept_sequences: 2 });
    expect(bpe.mean_length).toBeCloseTo(22 / 3, 10);
    expect(formatCorpusStats(corpusStats('mem', LINES, wordTokenizer, 6))).toMatch(/kept sequences\s+2 \(dropped 1 longer than 6\)/);
  });
});

describe('babyssa corpus', () => {
  it('generate writes the same corpus as the library for that seed', async () => {
    const out = join(scratch, 'gen.txt');
    const { stderr } = await run(['corpus', 'generate', '--tokens', '500', '--seed', '4', '--out', out]);
    expect(await readFile(out, 'utf8')).toBe(generateCorpusText({ tokens: 500, seed: 4 }));
    expect(stderr).toMatch(/wrote .*gen\.txt/);
  });

  it('stats --json prints the numbers on stdout and a table on stderr', async () => {
    const corpus = join(scratch, 'four.txt');
    await writeFile(corpus, `${LINES.join('\n')}\n`);
    const { stdout, stderr } = await run(['corpus', 'stats', '--corpus', corpus, '--tokenizer', 'test/fixtures/tokenizer-fixture.json', '--json']);
    const stats = JSON.parse(stdout) as CorpusStats;
    expect(stats).toMatchObject({ lines: 4, whitespace_tokens: 18, kept_lines: 3 });
    expect(stats.bpe!.kept_sequences).toBe(3);
    expect(stats.bpe!.tokens).toBeGreaterThanOrEqual(18 - 2 + 6);
    expect(stderr).toContain('kept lines (≥ 3)');
  });

  it.each([
    [['corpus', 'stats', '--corpus', '/nonexistent/corpus.txt'], /corpus file not found/],
    [['corpus', 'stats', '--max-length', '2'], /--max-length must be an integer ≥ 3/],
    [['corpus', 'generate', '--tokens', '0', '--out', 'x.txt'], /--tokens must be a positive integer/],
    [['corpus', 'fetch', 'wikipedia', '--out', 'x.txt'], /Invalid values/],
  ])('%j fails with a UserError', async (args, message) => {
    await expect(run(args)).rejects.toThrow(message);
  });

  it('fetch refuses a download that is not AO-CHILDES and writes nothing', async () => {
    const folder = await mkdtemp(join(scratch, 'fetch-'));
    await expect(run(['corpus', 'fetch', 'aochildes', '--out', join(folder, 'aochildes.txt'), '--url', `${base}/aochildes.txt`])).rejects.toThrow(
      /downloaded file does not match: git blob SHA-1 [0-9a-f]{40} \(18 bytes, 1 lines\)/,
    );
    expect(await readdir(folder)).toEqual([]);
  });
});
