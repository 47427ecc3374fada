// Issue 10's check: a tiny sweep on the fused engine (WebGPU; lavapipe on a CPU), 2 variants × 2 seeds, trained
// four to a group (`--lockstep 4`, one process) writes the same four run folders and the same probe summaries as
// one process per run (`--lockstep off`): accuracies equal, losses and scores within the engines' parity tolerance.
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { webGpuForTests } from './webgpu-env.js';

const hasWebGpu = (await webGpuForTests()) !== null;
/** The fused engine's parity tolerance (test/fused.test.ts): a group pads each batch to the step's common length. */
const TOLERANCE = 1e-4;
const RUNS = ['softmax-seed0', 'softmax-seed1', 'ssa-1.5-seed0', 'ssa-1.5-seed1'];

let dir: string;
let corpus: string;
let suite: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'babyssa-lockstep-'));
  corpus = join(dir, 'corpus.txt');
  await writeFile(corpus, (await readFile('corpora/default.txt', 'utf8')).split('\n').slice(0, 100).join('\n') + '\n');
  suite = join(dir, 'suite');
  await mkdir(suite);
  for (const file of (await readdir('probes/default')).filter((f) => f.endsWith('.txt')).sort().slice(0, 2)) {
    await writeFile(join(suite, file), (await readFile(join('probes/default', file), 'utf8')).split('\n').slice(0, 8).join('\n') + '\n');
  }
});

function sweep(name: string, lockstep: string): void {
  const args = ['sweep', '--attention', 'softmax,ssa-1.5', '--seeds', '2', '--lockstep', lockstep, '--name', name, '--root', dir, '--preset', 'tiny',
    '--steps', '3', '--batch-size', '4', '--warmup-steps', '0', '--log-every', '1', '--engine', 'fused', '--backend', 'webgpu', '--corpus', corpus, '--probe-suite', suite];
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { encoding: 'utf8', timeout: 600_000 });
  expect(result.stderr).toMatch(/4 done, 0 stopped \(non-finite\), 0 failed, 0 pending/);
  expect(result.status).toBe(0);
}

const close = (a: number, b: number) => Math.abs(a - b) <= TOLERANCE * Math.max(1, Math.abs(b));
const jsonLines = async (path: string) => (await readFile(path, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>);

describe.skipIf(!hasWebGpu)('sweep --lockstep on the fused engine', () => {
  it('--lockstep 4 writes the run folders and probe summaries that --lockstep off writes', async () => {
    sweep('grouped', '4');
    sweep('alone', 'off');
    const units = (name: string) => readFile(join(dir, name, 'sweep.json'), 'utf8').then((t) => (JSON.parse(t) as { units: { runs: string[] }[] }).units.map((u) => u.runs));
    expect(await units('grouped')).toEqual([RUNS]);
    expect(await units('alone')).toEqual(RUNS.map((run) => [run]));
    for (const run of RUNS) {
      const [grouped, alone] = [join(dir, 'grouped', run), join(dir, 'alone', run)];
      expect((await readdir(grouped)).sort()).toEqual((await readdir(alone)).sort());
      const [lossesGrouped, lossesAlone] = [await jsonLines(join(grouped, 'metrics.jsonl')), await jsonLines(join(alone, 'metrics.jsonl'))];
      expect(lossesGrouped.map((m) => m.step)).toEqual(lossesAlone.map((m) => m.step));
      lossesGrouped.forEach((m, i) => {
        expect(close(m.loss, lossesAlone[i].loss), `${run} step ${m.step}: ${m.loss} vs ${lossesAlone[i].loss}`).toBe(true);
      });

      const results = (name: string) => join(dir, name, 'results', run, 'step-3', 'suite');
      const [summaryGrouped, summaryAlone] = await Promise.all(['grouped', 'alone'].map(async (name) => JSON.parse(await readFile(join(results(name), 'summary.json'), 'utf8'))));
      expect(summaryGrouped.paradigms).toEqual(summaryAlone.paradigms);
      expect(summaryGrouped.macro_accuracy).toBe(summaryAlone.macro_accuracy);
      const [itemsGrouped, itemsAlone] = [await jsonLines(join(results('grouped'), 'items.jsonl')), await jsonLines(join(results('alone'), 'items.jsonl'))];
      itemsGrouped.forEach((item, i) => {
        expect(close(item.score_good, itemsAlone[i].score_good) && close(item.score_bad, itemsAlone[i].score_bad), `${run} pair ${i}`).toBe(true);
      });
    }
  });
});
