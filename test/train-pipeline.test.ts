// The training loop keeps one step in flight, yet drains before every checkpoint and probe: saves and probes
// see exactly their step, and a run with saves and probes equals one without (metrics and weights).
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { resolveTrainConfig } from '../src/config/resolve.js';
import type { Engine } from '../src/engine/types.js';
import { loadCheckpoint, loadTrainerState } from '../src/io/checkpoint.js';
import { pretrain, type ProbeHook } from '../src/train/loop.js';

/** Training steps whose promise has not resolved yet, and the most seen at once. */
const open = { now: 0, most: 0 };

vi.mock('../src/engine/index.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../src/engine/index.js')>();
  return {
    ...original,
    createEngine: async (options: Parameters<typeof original.createEngine>[0]): Promise<Engine> => {
      const engine = await original.createEngine(options);
      const trainStep = engine.trainStep.bind(engine);
      engine.trainStep = (batch, stepOptions) => {
        open.most = Math.max(open.most, ++open.now);
        return trainStep(batch, stepOptions).finally(() => open.now--);
      };
      return engine;
    },
  };
});

let dir: string;
let corpus: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'babyssa-pipeline-'));
  corpus = join(dir, 'corpus.txt');
  const lines = (await readFile('corpora/default.txt', 'utf8')).split('\n').slice(0, 200);
  await writeFile(corpus, lines.join('\n') + '\n');
});

function config(out: string, extra: Record<string, unknown> = {}) {
  return resolveTrainConfig({
    backend: 'cpu', corpus, tokenizer: 'corpora/default-tokenizer.json', out, steps: 11, batchSize: 4, warmupSteps: 3, logEvery: 3,
    saveEvery: 0, ...extra,
  });
}

describe('pipelined training loop', () => {
  it('queues the next step while reading a loss, and drains before saves and probes', async () => {
    const plain = join(dir, 'plain');
    open.most = 0;
    await pretrain(config(plain), { argv: [] });
    expect(open.most).toBe(2);

    const hooked = join(dir, 'hooked');
    const probed: { step: number; optimizerStep: number; inFlight: number }[] = [];
    const probe: ProbeHook = async (step, engine, members) => {
      probed.push({ step, optimizerStep: (await engine.member(members[0].index).readOptimizerState()).step, inFlight: open.now });
      return [undefined];
    };
    await pretrain(config(hooked, { saveEvery: 5, probeEvery: 4 }), { argv: [], probe });
    expect(probed).toEqual([4, 8, 11].map((step) => ({ step, optimizerStep: step, inFlight: 0 })));
    for (const step of [5, 10]) expect((await loadTrainerState(join(hooked, `step-${step}`))).optimizer.step).toBe(step);

    const metrics = async (run: string) => readFile(join(run, 'metrics.jsonl'), 'utf8');
    const withoutTimes = (text: string) => text.trim().split('\n').map((l) => ({ ...JSON.parse(l), elapsed_s: 0, tokens_per_s: 0 }) as object);
    expect(withoutTimes(await metrics(hooked))).toEqual(withoutTimes(await metrics(plain)));
    const [a, b] = [(await loadCheckpoint(plain)).weights, (await loadCheckpoint(hooked)).weights];
    for (const [name, tensor] of a) expect(b.get(name)!.data, name).toEqual(tensor.data);
  });
});
