// Bad input → one clear line on stderr, exit code 2, nothing half-written (issue 2's list, tried one by one, and
// issue 13's items 4, 6, 9 and 12).
import { spawnSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

let dir: string;

function babyssa(args: string[]): { status: number | null; stderr: string } {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, stderr: result.stderr.split('\n').filter((l) => l.trim() && !l.startsWith('Warning: maxDynamic')).join('\n') };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'babyssa-cli-'));
  await writeFile(join(dir, 'empty.txt'), '');
  await writeFile(join(dir, 'latin1.txt'), Buffer.from('where is the ball ?\nla caf\xe9 est ici .\n', 'latin1'));
  await writeFile(join(dir, 'bad-key.json'), JSON.stringify({ steps: 5, bogus: 1 }));
  const checkpoint = join(dir, 'run', 'step-3');
  await cp('test/fixtures/probe-checkpoint/step-200', checkpoint, { recursive: true });
  const model = await readFile(join(checkpoint, 'model.safetensors'));
  await cp(checkpoint, join(dir, 'truncated', 'step-3'), { recursive: true });
  await writeFile(join(dir, 'truncated', 'step-3', 'model.safetensors'), model.subarray(0, model.length - 100));
  await writeFile(join(dir, 'a-file'), 'not a folder\n');
  await mkdir(join(dir, 'bad-suite'));
  await writeFile(join(dir, 'bad-suite', 'suite.json'), '{"paradigms": []}');
  await mkdir(join(dir, 'full'));
  await writeFile(join(dir, 'full', 'keep.txt'), 'earlier output\n');
  await writeFile(join(dir, 'tokenizer.json'), 'an earlier tokenizer\n');
});

const pretrain = (...args: string[]) => ['pretrain', '--steps', '2', '--warmup-steps', '0', '--backend', 'cpu', ...args];

describe('user mistakes get one line and exit code 2', () => {
  it.each([
    ['a missing corpus', () => pretrain('--corpus', join(dir, 'nope.txt'), '--out', join(dir, 'o1')), /corpus file not found/],
    ['an empty corpus', () => pretrain('--corpus', join(dir, 'empty.txt'), '--out', join(dir, 'o2')), /corpus file is empty/],
    ['non-UTF-8 bytes', () => pretrain('--corpus', join(dir, 'latin1.txt'), '--out', join(dir, 'o3')), /line 2 is not valid UTF-8/],
    ['an unknown preset', () => pretrain('--preset', 'huge', '--out', join(dir, 'o4')), /unknown preset "huge"/],
    ['an unknown flag', () => pretrain('--bogus', '3', '--out', join(dir, 'o5')), /Unknown argument: bogus/],
    ['an unknown config key', () => pretrain('--config', join(dir, 'bad-key.json'), '--out', join(dir, 'o6')), /unknown config key bogus/],
    ['a negative lr', () => pretrain('--lr', '-1', '--out', join(dir, 'o7')), /"lr"/],
    ['zero steps', () => ['pretrain', '--steps', '0', '--out', join(dir, 'o8')], /"steps"/],
    ['zero batch size', () => pretrain('--batch-size', '0', '--out', join(dir, 'o9')), /"batchSize"/],
    ['a tokenizer of the wrong size', () => pretrain('--tokenizer', 'test/fixtures/tokenizer-fixture.json', '--out', join(dir, 'o10')), /has 400 tokens but the model expects 2048/],
    ['a malformed --keep-steps', () => pretrain('--keep-steps', '10,x', '--out', join(dir, 'o12')), /--keep-steps "10,x" must be comma-separated positive step numbers/],
    ['--resume with no checkpoint', () => pretrain('--resume', '--out', join(dir, 'o11')), /--resume: no complete checkpoint/],
    ['a truncated checkpoint', () => ['probe', '--checkpoint', join(dir, 'truncated'), '--out', join(dir, 'p1')], /truncated/],
    ['a missing checkpoint', () => ['probe', '--checkpoint', join(dir, 'none'), '--out', join(dir, 'p2')], /checkpoint not found/],
    // issue 13, item 4: every input of a probing run is checked before step 1
    ['a missing --probe-suite', () => pretrain('--probe-every', '1', '--probe-suite', join(dir, 'nope'), '--out', join(dir, 'o12')), /suite not found/],
    ['a malformed --probe-suite', () => pretrain('--probe-every', '1', '--probe-suite', join(dir, 'bad-suite'), '--out', join(dir, 'o13')), /non-empty "paradigms" list/],
    ['a --probe-suite made for another tokenizer', () => pretrain('--probe-every', '1', '--probe-suite', 'probes/babyberta', '--out', join(dir, 'o14')), /suite babyberta was generated for another tokenizer/],
    // item 6
    ['--max-length beyond the model\'s positions', () => pretrain('--max-length', '300', '--out', join(dir, 'o15')), /maxLength 300 exceeds the tiny model's 128 positions/],
    ['--max-length 2', () => pretrain('--max-length', '2', '--out', join(dir, 'o16')), /"maxLength" must be at least 3/],
    ['pretrain --out naming a file', () => pretrain('--out', join(dir, 'a-file')), /a-file is a file, not a run folder/],
    ['export --out naming a file', () => ['export', '--checkpoint', join(dir, 'run'), '--out', join(dir, 'a-file')], /a-file is a file, not a folder/],
    // item 9
    ['probe with a suite made for another tokenizer', () => ['probe', '--checkpoint', join(dir, 'run'), '--suite', 'probes/default', '--out', join(dir, 'p3')], /suite default was generated for another tokenizer .* --allow-tokenizer-mismatch/],
    ['probe --checkpoint naming a file outside a checkpoint', () => ['probe', '--checkpoint', join(dir, 'a-file'), '--out', join(dir, 'p4')], /a-file is a file, not in a checkpoint folder/],
    // item 12
    ['a flag given twice', () => pretrain('--lr', '1e-3', '--lr', '1e-4', '--out', join(dir, 'o17')), /^babyssa: --lr given twice; give it once$/],
    ['a kebab-case flag given twice', () => pretrain('--batch-size', '4', '--batch-size', '8', '--out', join(dir, 'o18')), /--batch-size given twice/],
    ['probes generate into a non-empty folder', () => ['probes', 'generate', '--out', join(dir, 'full')], /full is not empty; choose another --out or pass --overwrite/],
    ['tokenizer train over an existing file', () => ['tokenizer', 'train', '--corpus', 'corpora/default.txt', '--out', join(dir, 'tokenizer.json')], /tokenizer.json exists; choose another --out or pass --overwrite/],
  ])('%s', async (_name, args, message) => {
    const { status, stderr } = babyssa(args());
    expect(stderr).toMatch(message);
    expect(stderr.split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/^babyssa: /);
    expect(status).toBe(2);
    const written = await readdir(dir);
    expect(written.filter((name) => /^o\d+$|^p\d+$/.test(name))).toEqual([]);
    expect(await readFile(join(dir, 'a-file'), 'utf8')).toBe('not a folder\n');
    expect(await readdir(join(dir, 'full'))).toEqual(['keep.txt']);
    expect(await readFile(join(dir, 'tokenizer.json'), 'utf8')).toBe('an earlier tokenizer\n');
  });
});
