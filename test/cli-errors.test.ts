// Bad input → one clear line on stderr, exit code 2, nothing half-written (issue 2's list, tried one by one).
import { spawnSync } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
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
  ])('%s', async (_name, args, message) => {
    const { status, stderr } = babyssa(args());
    expect(stderr).toMatch(message);
    expect(stderr.split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/^babyssa: /);
    expect(status).toBe(2);
    const written = await readdir(dir);
    expect(written.filter((name) => /^o\d+$|^p\d+$/.test(name))).toEqual([]);
  });
});
