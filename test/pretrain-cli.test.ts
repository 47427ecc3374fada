// `babyssa pretrain` as a user (or a scheduler) meets it (issue 13): one writer per run folder, and SIGTERM saves
// like SIGINT. (Stale locks and restarts are tested through the loop: test/train-guards.test.ts.)
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { listCheckpointSteps } from '../src/io/checkpoint.js';
import { pathExists } from '../src/core/files.js';

let dir: string;
let corpus: string;
const CLI = ['--import', 'tsx', 'src/cli/main.ts'];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'babyssa-pretrain-cli-'));
  corpus = join(dir, 'corpus.txt');
  const lines = (await readFile('corpora/default.txt', 'utf8')).split('\n').slice(0, 200);
  await writeFile(corpus, lines.join('\n') + '\n');
});

const pretrain = (...args: string[]) => ['pretrain', '--backend', 'wasm', '--corpus', corpus, '--batch-size', '4', '--warmup-steps', '0', ...args];

/** Lines of stderr without progress bars. */
const lines = (stderr: string) => stderr.split('\n').filter((l) => l.trim() !== '' && !/^step \d+\/\d+/.test(l));

function babyssa(args: string[]): { status: number | null; lines: string[] } {
  const result = spawnSync(process.execPath, [...CLI, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { status: result.status, lines: lines(result.stderr) };
}

/** A pretrain in the background, with its exit code and stderr once it ends. */
function background(args: string[]): { child: ChildProcess; done: Promise<{ code: number | null; lines: string[] }> } {
  const child = spawn(process.execPath, [...CLI, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += String(chunk)));
  return { child, done: new Promise((resolve) => child.on('exit', (code) => resolve({ code, lines: lines(stderr) }))) };
}

/** Waits until the run has logged a metrics line: its lock is held and it is training. */
async function training(runDir: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const text = await readFile(join(runDir, 'metrics.jsonl'), 'utf8').catch(() => '');
    if (text.trim() !== '') return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${runDir} never started training`);
}

describe('pretrain from the command line', () => {
  it('refuses a second writer while the first trains; SIGTERM saves and exits 0, releasing the folder', async () => {
    const out = join(dir, 'shared');
    const long = pretrain('--out', out, '--steps', '5000', '--save-every', '0', '--log-every', '1');
    const first = background(long);
    await training(out);
    const second = babyssa(long);
    expect(second.status).toBe(2);
    expect(second.lines).toEqual([expect.stringMatching(new RegExp(`^babyssa: .*shared is being trained by process ${first.child.pid} on .*; wait for it, stop it, or choose another --out$`))]);

    first.child.kill('SIGTERM');
    const stopped = await first.done;
    expect(stopped.code).toBe(0);
    expect(stopped.lines).toContainEqual(expect.stringMatching(/SIGTERM: saving every run/));
    const [saved] = await listCheckpointSteps(out);
    expect(saved).toBeGreaterThan(0);
    expect(saved).toBeLessThan(5000);
    expect(await pathExists(join(out, '.lock'))).toBe(false);
  });
});
