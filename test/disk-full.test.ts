// A full disk during a save or a probe's output (issue 13, item 5): one line naming the folder and the space
// needed, no temporary file left behind, earlier checkpoints intact. The disk is made "full" by a node:fs
// stand-in whose writes fail with ENOSPC, so the test needs no real full disk and runs anywhere.
import { cp, mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { UserError } from '../src/core/errors.js';
import { loadCheckpoint, loadTrainerState, saveCheckpoint } from '../src/io/checkpoint.js';
import { writeProbeResults } from '../src/probe/output.js';
import type { ProbeSummary } from '../src/probe/summary.js';
import { appendMetrics } from '../src/train/metrics.js';

const disk = vi.hoisted(() => ({ full: false }));

vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  const noSpace = () => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
  const open: typeof actual.open = async (...args) => {
    const handle = await actual.open(...args);
    if (!disk.full) return handle;
    // A file can still be created on a full disk; writing its bytes is what fails.
    return new Proxy(handle, {
      get: (target, key) => (key === 'writeFile' ? async () => Promise.reject(noSpace()) : Reflect.get(target, key, target)),
    });
  };
  const fail = <A extends unknown[], R>(real: (...args: A) => Promise<R>) => (...args: A) => (disk.full ? Promise.reject(noSpace()) : real(...args));
  const mocked = { ...actual, open, copyFile: fail(actual.copyFile), appendFile: fail(actual.appendFile) };
  return { ...mocked, default: mocked };
});

let runDir: string;

beforeAll(async () => {
  runDir = join(await mkdtemp(join(tmpdir(), 'babyssa-disk-full-')), 'run');
  await cp('test/fixtures/probe-checkpoint', runDir, { recursive: true });
});

describe('a full disk', () => {
  it('fails a checkpoint save with one line, removes its temporary folder and keeps the earlier step', async () => {
    const earlier = await loadCheckpoint(join(runDir, 'step-200'));
    const { trainer, optimizer } = await loadTrainerState(join(runDir, 'step-200'));
    const contents = { step: 201, config: earlier.modelConfig, weights: earlier.weights, optimizer, trainer, tokenizerPath: earlier.tokenizerPath };
    disk.full = true;
    for (let attempt = 0; attempt < 3; attempt++) {
      const failed = await saveCheckpoint(runDir, contents).catch((error: unknown) => error);
      expect(failed).toBeInstanceOf(UserError);
      expect((failed as Error).message).toMatch(new RegExp(`^no space left on the device in ${runDir} while writing checkpoint step-201 \\(needs about [\\d.]+ KiB\\); free some space and resume with --resume`));
    }
    disk.full = false;
    expect((await readdir(runDir)).sort()).toEqual(['step-200']);
    expect((await loadCheckpoint(runDir)).weights).toEqual(earlier.weights);
  });

  it('fails probe results and a metrics line with one line each, leaving no temporary file', async () => {
    const out = join(runDir, '..', 'results');
    disk.full = true;
    await expect(writeProbeResults(out, {} as ProbeSummary, [])).rejects.toThrow(new RegExp(`^no space left on the device in ${out} while writing items.jsonl`));
    await expect(appendMetrics(join(runDir, 'metrics.jsonl'), { step: 1, loss: 1, lr: 0, grad_norm: 0, tokens_per_s: 0, elapsed_s: 0, diverged: false }))
      .rejects.toThrow(/^no space left on the device in .* while writing metrics.jsonl \(needs about \d+ bytes\)/);
    disk.full = false;
    expect(await readdir(out)).toEqual([]);
  });
});
