// --backend choices on a machine without a GPU (WebGPU mocked away): auto falls back to wasm, and asking
// for what is not there is a one-line user error, not a crash.
import { createRequire } from 'node:module';
import { describe, expect, it, vi } from 'vitest';
import { UserError } from '../src/core/errors.js';
import { activateBackend } from '../src/engine/backend.js';
import { createEngine } from '../src/engine/index.js';
import { tinyConfig } from './engine-fixtures.js';

vi.mock('../src/engine/webgpu-runtime.js', () => ({ requestWebGpu: async () => null }));

/** These tests describe a machine without tfjs-node, the default install. */
function tfjsNodeInstalled(): boolean {
  const require = createRequire(import.meta.url);
  return ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'].some((name) => {
    try {
      require.resolve(name);
      return true;
    } catch {
      return false;
    }
  });
}

describe.skipIf(tfjsNodeInstalled())('backend selection without WebGPU or tfjs-node', () => {
  it('auto picks wasm', async () => {
    expect(await activateBackend('auto')).toEqual({ name: 'wasm' });
  });

  it.each([
    { choice: 'webgpu' as const, message: 'no WebGPU adapter found; use --backend wasm' },
    { choice: 'tensorflow' as const, message: '--backend tensorflow needs @tensorflow/tfjs-node-gpu or @tensorflow/tfjs-node' },
  ])('--backend $choice is a user error', async ({ choice, message }) => {
    const attempt = activateBackend(choice);
    await expect(attempt).rejects.toBeInstanceOf(UserError);
    await expect(attempt).rejects.toThrow(message);
  });

  it('--engine fused is a user error', async () => {
    await expect(createEngine({ config: tinyConfig(), engine: 'fused' })).rejects.toThrow('no WebGPU adapter found');
  });
});
