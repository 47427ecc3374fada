// Cross-backend parity of the reference engine (issue 4): the same weights and batch give the same loss and
// gradients (rel. 1e-4) on cpu, wasm and webgpu (Mesa lavapipe where no GPU exists), and each backend trains.
import { beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../src/engine/index.js';
import type { BackendName } from '../src/engine/backend.js';
import type { NamedTensors } from '../src/core/tensors.js';
import type { ModelConfig } from '../src/model/config.js';
import { initWeights } from '../src/model/init.js';
import { streamFromSeed } from '../src/core/random.js';
import { maxRelativeDifference, randomBatch, SSA_HEADS, tinyConfig } from './engine-fixtures.js';
import { webGpuForTests } from './webgpu-env.js';

const CASES = [
  { name: 'softmax', config: tinyConfig({}, { initStd: 0.2 }) },
  { name: 'ssa per head, n and b trainable', config: tinyConfig(SSA_HEADS, { initStd: 0.2 }) },
];

interface Reference {
  loss: number;
  gradients: NamedTensors;
  logits: Float32Array;
}

async function lossAndGradientsOn(backend: BackendName, config: ModelConfig): Promise<Reference> {
  const engine = await createEngine({ config, backend, weights: initWeights(config, streamFromSeed(21).next) });
  const batch = randomBatch(config, [7, 4, 6], 22);
  const { loss, gradients } = await engine.lossAndGradients(batch);
  const { logits } = await engine.forward(batch);
  // One training step (dropout on) must run and stay finite on every backend.
  const step = await engine.trainStep(batch, { lr: 1e-3, dropoutSeed: 5 });
  expect(Number.isFinite(step.loss) && Number.isFinite(step.gradNorm)).toBe(true);
  engine.dispose();
  return { loss, gradients, logits: logits.data };
}

function expectSame(actual: Reference, reference: Reference): void {
  expect(Math.abs(actual.loss - reference.loss)).toBeLessThanOrEqual(1e-4 * Math.abs(reference.loss));
  expect(maxRelativeDifference(actual.gradients, reference.gradients)).toBeLessThan(1e-4);
  const worst = Math.max(...actual.logits.map((x, i) => Math.abs(x - reference.logits[i])));
  expect(worst).toBeLessThan(1e-4 * Math.max(...reference.logits.map(Math.abs)));
}

const references = new Map<string, Reference>();

beforeAll(async () => {
  for (const { name, config } of CASES) references.set(name, await lossAndGradientsOn('cpu', config));
});

describe('reference engine across backends', () => {
  it.each(CASES)('wasm matches cpu: $name', async ({ name, config }) => {
    expectSame(await lossAndGradientsOn('wasm', config), references.get(name)!);
  });

  describe('webgpu', async () => {
    const gpu = await webGpuForTests();
    it.skipIf(!gpu).each(CASES)('webgpu matches cpu: $name', async ({ name, config }) => {
      expectSame(await lossAndGradientsOn('webgpu', config), references.get(name)!);
    }, 60_000);
  });
});
