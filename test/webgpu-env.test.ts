// The shared WebGPU test gate (test/webgpu-env.ts): skip only where no adapter is expected.
import { readdirSync, readFileSync } from 'node:fs';
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
    const gated = readdirSync('test').filter((name) => name.endsWith('.test.ts') && name !== 'webgpu-env.test.ts')
      .map((name) => [name, readFileSync(`test/${name}`, 'utf8')] as const)
      .filter(([, text]) => /requestWebGpu|webGpuForTests/.test(text) && !text.includes("vi.mock('../src/engine/webgpu-runtime.js'"));
    expect(gated.length).toBeGreaterThanOrEqual(8);
    for (const [name, text] of gated) {
      expect(text, name).toContain("from './webgpu-env.js'");
      expect(text, name).not.toMatch(/(hasWebGpu|gpu) = \(?await requestWebGpu\(\)|!\(await requestWebGpu\(\)\)/);
    }
  });
});
