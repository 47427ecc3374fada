// One answer, for every WebGPU test file, to "is there an adapter, and is one expected?". Where the environment
// says one is expected (BABYSSA_EXPECT_WEBGPU=1, which .ci/run sets once it has installed lavapipe), a missing
// adapter fails the file instead of skipping it, so a broken driver install cannot pass for a machine without one.
import { requestWebGpu, type WebGpuHandle } from '../src/engine/webgpu-runtime.js';

export const EXPECT_WEBGPU = 'BABYSSA_EXPECT_WEBGPU';

export type WebGpuDecision = 'run' | 'skip' | 'fail';

/** Run where an adapter is found; otherwise fail where one is expected, skip where not. */
export function webGpuDecision(found: boolean, env: Readonly<Record<string, string | undefined>>): WebGpuDecision {
  if (found) return 'run';
  return env[EXPECT_WEBGPU] === '1' ? 'fail' : 'skip';
}

/** The adapter, or null where none exists and none is expected (said once on stderr); throws where one is expected. */
export async function webGpuForTests(env: Readonly<Record<string, string | undefined>> = process.env): Promise<WebGpuHandle | null> {
  const gpu = await requestWebGpu();
  const decision = webGpuDecision(gpu !== null, env);
  if (decision === 'fail') {
    throw new Error(`${EXPECT_WEBGPU}=1 but no WebGPU adapter was found: the Vulkan driver (Mesa lavapipe) is missing or broken`);
  }
  if (decision === 'skip') console.warn('skipping WebGPU tests: no WebGPU adapter (install mesa-vulkan-drivers 25.x for lavapipe)');
  return gpu;
}
