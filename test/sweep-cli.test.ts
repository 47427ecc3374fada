// `sweep` → `compare` → `report` as three bare commands (no probe flag: a sweep probes every run's final
// checkpoint), from a working directory that is not the sweep's, with a --root not named checkpoints: the
// results live in the sweep's own folder, and nothing lands in the working directory.
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { resultsDirForRun } from '../src/probe/output.js';

let dir: string;
let corpus: string;
let suite: string;
const TSX = import.meta.resolve('tsx');
const MAIN = resolve('src/cli/main.ts');

/** Runs the CLI with `cwd` as the working directory. */
function babyssa(cwd: string, ...args: string[]): { status: number | null; stderr: string } {
  const result = spawnSync(process.execPath, ['--import', TSX, MAIN, ...args], { cwd, encoding: 'utf8', timeout: 300_000 });
  return { status: result.status, stderr: result.stderr };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'babyssa-sweep-cli-'));
  corpus = join(dir, 'corpus.txt');
  await writeFile(corpus, (await readFile('corpora/default.txt', 'utf8')).split('\n').slice(0, 200).join('\n') + '\n');
  // Two paradigms × 4 pairs of the shipped suite, in Zorro format.
  suite = join(dir, 'suite');
  await mkdir(suite);
  for (const file of (await readdir('probes/default')).filter((f) => f.endsWith('.txt')).sort().slice(0, 2)) {
    await writeFile(join(suite, file), (await readFile(join('probes/default', file), 'utf8')).split('\n').slice(0, 8).join('\n') + '\n');
  }
});

describe('sweep → compare → report', () => {
  it('works as three bare commands, with the results inside the sweep folder', async () => {
    const cwd = join(dir, 'elsewhere');
    await mkdir(cwd);
    const root = join(dir, 'grids');
    const sweep = babyssa(cwd, 'sweep', '--attention', 'softmax,ssa-1.5', '--seeds', '2', '--lockstep', '2', '--name', 'demo', '--root', root,
      '--steps', '3', '--batch-size', '4', '--warmup-steps', '0', '--backend', 'wasm', '--corpus', corpus, '--probe-suite', suite);
    expect(sweep.stderr).toMatch(/sweep demo: 4 done, 0 stopped \(non-finite\), 0 failed, 0 pending/);
    expect(sweep.status).toBe(0);
    const runs = ['softmax-seed0', 'softmax-seed1', 'ssa-1.5-seed0', 'ssa-1.5-seed1'];
    for (const run of runs) {
      expect(resultsDirForRun(join(root, 'demo', run))).toBe(join(root, 'demo', 'results', run));
      expect(await readdir(join(root, 'demo', 'results', run, 'step-3', 'suite'))).toEqual(['items.jsonl', 'summary.json']);
    }
    const manifest = JSON.parse(await readFile(join(root, 'demo', 'sweep.json'), 'utf8')) as { units: { runs: string[] }[] };
    expect(manifest.units.map((u) => u.runs)).toEqual([runs.slice(0, 2), runs.slice(2)]);

    const compare = babyssa(cwd, 'compare', join(root, 'demo'), '--out', join(root, 'comparison'));
    expect(compare.status).toBe(0);
    expect(compare.stderr).toMatch(/4 runs, 4 summaries/);
    const comparison = JSON.parse(await readFile(join(root, 'comparison', 'comparison.json'), 'utf8')) as { runs: { run_dir: string }[] };
    expect(comparison.runs.map((r) => r.run_dir).sort()).toEqual(runs.map((run) => join(root, 'demo', run)));

    const report = babyssa(cwd, 'report', join(root, 'comparison'));
    expect(report.status).toBe(0);
    expect(await readdir(join(root, 'comparison'))).toEqual(expect.arrayContaining(['index.html', 'accuracy.svg', 'loss.svg']));
    expect(await readdir(cwd)).toEqual([]);
  });
});
