// `babyssa tokenizer train|encode`, driven through yargs the way src/cli/main.ts drives it.
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yargs from 'yargs';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { UserError } from '../src/core/errors.js';
import { tokenizerCommand } from '../src/cli/tokenizer.js';

const CORPUS = 'test/fixtures/tokenizer-corpus.txt';
const FIXTURE = 'test/fixtures/tokenizer-fixture.json';

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'babyssa-tokcli-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});
afterEach(() => {
  vi.restoreAllMocks();
});

/** Runs the command, returning what it printed on stdout; stderr (progress) is swallowed. */
async function run(args: string[]): Promise<string> {
  let stdout = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  await yargs(args)
    .strict()
    .command(tokenizerCommand)
    .demandCommand(1)
    .fail((message, error) => {
      throw error ?? new UserError(message ?? 'invalid arguments');
    })
    .parseAsync();
  return stdout;
}

describe('tokenizer train', () => {
  it('writes DIR/tokenizer.json identical to the committed fixture, and nothing else', async () => {
    const out = join(scratch, 'tok');
    await run(['tokenizer', 'train', '--corpus', CORPUS, '--vocab-size', '400', '--out', out]);
    expect(await readdir(out)).toEqual(['tokenizer.json']);
    expect(await readFile(join(out, 'tokenizer.json'), 'utf8')).toBe(await readFile(FIXTURE, 'utf8'));
  });

  it('fails with one clear line, writing nothing, when the corpus cannot support the size', async () => {
    const out = join(scratch, 'too-big');
    await expect(run(['tokenizer', 'train', '--corpus', CORPUS, '--vocab-size', '8192', '--out', out])).rejects.toThrow(
      /the corpus supports only 538 vocabulary entries at min frequency 2 \(asked for 8192\)/,
    );
    await expect(readdir(out)).rejects.toThrow();
  });

  it.each([
    { args: ['--vocab-size', '100'], message: /--vocab-size must be an integer ≥ 261/ },
    { args: ['--min-frequency', '-1'], message: /--min-frequency must be a non-negative integer/ },
    { args: ['--vocab-size', '300', '--typo', '1'], message: /Unknown argument/ },
  ])('rejects $args', async ({ args, message }) => {
    await expect(run(['tokenizer', 'train', '--corpus', CORPUS, '--out', join(scratch, 'x'), ...args])).rejects.toThrow(message);
  });

  it('names a missing corpus', async () => {
    await expect(run(['tokenizer', 'train', '--corpus', join(scratch, 'none.txt'), '--out', join(scratch, 'y')])).rejects.toThrow(
      /corpus file not found/,
    );
  });
});

describe('tokenizer encode', () => {
  it('prints {"ids","tokens"} with --json', async () => {
    const printed = await run(['tokenizer', 'encode', '--tokenizer', FIXTURE, '--json', 'where is the ball ?']);
    expect(JSON.parse(printed)).toEqual({
      ids: [3, 356, 355, 263, 353, 272, 4],
      tokens: ['<s>', 'Ġwhere', 'Ġis', 'Ġthe', 'Ġball', 'Ġ?', '</s>'],
    });
  });

  it('joins several words and prints one "id<TAB>token" line per token without --json', async () => {
    const printed = await run(['tokenizer', 'encode', '--tokenizer', FIXTURE, 'the', 'ball']);
    expect(printed).toBe('3\t<s>\n263\tĠthe\n353\tĠball\n4\t</s>\n');
  });
});
