// The shared WebGPU test gate (test/webgpu-env.ts): skip only where no adapter is expected.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EXPECT_WEBGPU, webGpuDecision } from './webgpu-env.js';

describe('WebGPU tests where no adapter is found', () => {
  it.each([
    [true, {}, 'run'],
    [true, { [EXPECT_WEBGPU]: '1' }, 'run'],
    [false, {}, 'skip'],
    [false, { [EXPECT_WEBGPU]: '0' }, 'skip'],
    [false, { [EXPECT_WEBGPU]: '1' }, 'fail'],
  ] as const)('adapter found %s, env %j → %s', (found, env, decision) => {
    expect(webGpuDecision(found, env)).toBe(decision);
  });

  it('CI expects an adapter once it has installed lavapipe', () => {
    expect(readFileSync('.ci/run', 'utf8')).toMatch(new RegExp(`^export ${EXPECT_WEBGPU}=1$`, 'm'));
  });

  it('every WebGPU test file asks the shared gate, none its own', () => {
    const files = ['engine-backends', 'engine-pipeline', 'fused-attention', 'fused-kernels', 'fused'].map((name) => readFileSync(`test/${name}.test.ts`, 'utf8'));
    for (const text of files) {
      expect(text).toContain("from './webgpu-env.js'");
      expect(text).not.toMatch(/(hasWebGpu|gpu) = \(?await requestWebGpu\(\)/);
    }
  });
});
