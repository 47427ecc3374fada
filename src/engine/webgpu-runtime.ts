// WebGPU in Node through Dawn (npm `webgpu`): installs the browser-style globals once so that
// tfjs-backend-webgpu and the fused engine both find `navigator.gpu`, then asks for an adapter.
// Shared by the tfjs reference engine (backend 'webgpu') and the fused WebGPU engine.

export interface WebGpuHandle {
  adapter: GPUAdapter;
  device: GPUDevice;
  /** Human-readable adapter name, e.g. "llvmpipe: Mesa 25.0.7 (LLVM 15.0.6)" on lavapipe. */
  adapterName: string;
}

let pending: Promise<WebGpuHandle | null> | undefined;

/**
 * Installs the Dawn globals (once per process) and returns an adapter and device, or null when no
 * adapter exists (no driver, no Vulkan loader, or the `webgpu` package cannot load on this platform).
 */
export function requestWebGpu(): Promise<WebGpuHandle | null> {
  pending ??= openWebGpu();
  return pending;
}

async function openWebGpu(): Promise<WebGpuHandle | null> {
  const gpu = await installDawnGlobals();
  if (gpu === null) return null;
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (adapter === null) return null;
  // Ask for the adapter's own limits: tfjs and the fused kernels need large storage buffers.
  const device = await adapter.requestDevice({
    requiredLimits: {
      maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
      maxBufferSize: adapter.limits.maxBufferSize,
      maxComputeWorkgroupStorageSize: adapter.limits.maxComputeWorkgroupStorageSize,
      maxComputeInvocationsPerWorkgroup: adapter.limits.maxComputeInvocationsPerWorkgroup,
      maxStorageBuffersPerShaderStage: adapter.limits.maxStorageBuffersPerShaderStage,
    },
    // @webgpu/types does not list 'subgroups' yet; Dawn does.
    requiredFeatures: ['timestamp-query', 'subgroups'].filter((feature) => adapter.features.has(feature)) as GPUFeatureName[],
  });
  return { adapter, device, adapterName: describeAdapter(adapter) };
}

async function installDawnGlobals(): Promise<GPU | null> {
  const existing = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
  if (existing) return existing;
  let dawn: typeof import('webgpu');
  try {
    dawn = await import('webgpu');
  } catch {
    // No prebuilt dawn.node for this platform: behave exactly like a machine without a GPU.
    return null;
  }
  Object.assign(globalThis, dawn.globals);
  const gpu = dawn.create([]);
  // Node 21+ defines a read-only `navigator`; defineProperty works on both it and Node 20.
  const navigator = (globalThis as { navigator?: object }).navigator;
  if (navigator) Object.defineProperty(navigator, 'gpu', { value: gpu, configurable: true });
  else Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  return gpu;
}

function describeAdapter(adapter: GPUAdapter): string {
  const info = adapter.info;
  return info.description || info.device || info.vendor || 'unknown adapter';
}
