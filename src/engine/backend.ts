// Picks and activates the tfjs backend behind `--backend auto|cpu|wasm|webgpu|tensorflow`.
// tfjs has one active backend per process; engines re-activate theirs before each call (see ensureBackend).
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../core/errors.js';
import { requestWebGpu } from './webgpu-runtime.js';

export const BACKEND_CHOICES = ['auto', 'cpu', 'wasm', 'webgpu', 'tensorflow'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];
export type BackendName = Exclude<BackendChoice, 'auto'>;

export interface ActiveBackend {
  name: BackendName;
  /** The WebGPU adapter, for run metadata (webgpu only). */
  adapterName?: string;
}

/** tfjs-node registers the `tensorflow` backend; neither package is a dependency (they download libtensorflow). */
const TENSORFLOW_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'];

/** Activates the requested backend (auto: tensorflow, else a hardware WebGPU adapter, else wasm, else cpu). */
export async function activateBackend(choice: BackendChoice): Promise<ActiveBackend> {
  switch (choice) {
    case 'cpu':
      await activate('cpu');
      return { name: 'cpu' };
    case 'wasm':
      await activateWasm();
      return { name: 'wasm' };
    case 'webgpu': {
      const gpu = await activateWebGpu({ allowSoftware: true });
      if (!gpu) throw new UserError('no WebGPU adapter found; use --backend wasm');
      return gpu;
    }
    case 'tensorflow':
      if (!(await loadTensorflow())) {
        throw new UserError('--backend tensorflow needs @tensorflow/tfjs-node-gpu or @tensorflow/tfjs-node (npm install one of them); or use --backend wasm');
      }
      await activate('tensorflow');
      return { name: 'tensorflow' };
    case 'auto':
      return activateAuto();
  }
}

async function activateAuto(): Promise<ActiveBackend> {
  if (await loadTensorflow()) {
    await activate('tensorflow');
    return { name: 'tensorflow' };
  }
  // A software adapter (Mesa lavapipe, SwiftShader) is far slower than wasm on the same CPU: skip it.
  const gpu = await activateWebGpu({ allowSoftware: false }).catch(() => null);
  if (gpu) return gpu;
  // wasm trains 20–30× faster than the pure-JS cpu backend (16×32: tiny 10.7 vs 0.48, babyberta 0.51 vs 0.016 steps/s).
  try {
    await activateWasm();
    return { name: 'wasm' };
  } catch {
    await activate('cpu');
    return { name: 'cpu' };
  }
}

/** Makes `name` the active tfjs backend if another one is (engines on different backends may coexist). */
export async function ensureBackend(name: BackendName): Promise<void> {
  if (tf.getBackend() !== name) await activate(name);
}

async function activate(name: BackendName): Promise<void> {
  if (!(await tf.setBackend(name))) throw new Error(`tfjs backend ${name} failed to initialise`);
  await tf.ready();
}

async function activateWasm(): Promise<void> {
  await import('@tensorflow/tfjs-backend-wasm');
  // The wasm module keeps the console.warn it finds when it starts and prints "Aborted()" there before throwing
  // the same abort as an error, which the engine reports in one line (tfjs/engine.ts outOfMemory): it starts
  // with a console.warn that drops that duplicate notice.
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (!(typeof args[0] === 'string' && args[0].startsWith('Aborted('))) warn(...args);
  };
  try {
    await activate('wasm');
  } finally {
    console.warn = warn;
  }
}

/**
 * Activates tfjs's webgpu backend, or returns null when there is no adapter, or only a software one
 * (CPU Vulkan such as lavapipe) and `allowSoftware` is off.
 */
async function activateWebGpu(options: { allowSoftware: boolean }): Promise<ActiveBackend | null> {
  const handle = await requestWebGpu();
  if (handle === null) return null;
  if (!options.allowSoftware && handle.adapter.info.isFallbackAdapter) return null;
  await import('@tensorflow/tfjs-backend-webgpu');
  await activate('webgpu');
  return { name: 'webgpu', adapterName: handle.adapterName };
}

let tensorflowLoaded: Promise<boolean> | undefined;

/** True when a tfjs-node package loaded and registered its backend with the tfjs we use. */
function loadTensorflow(): Promise<boolean> {
  tensorflowLoaded ??= (async () => {
    for (const name of TENSORFLOW_PACKAGES) {
      try {
        await import(name);
      } catch {
        continue;
      }
      if (tf.findBackendFactory('tensorflow')) return true;
      throw new UserError(`${name} is installed but registered no backend with @tensorflow/tfjs ${tf.version.tfjs}; install the matching version`);
    }
    return false;
  })();
  return tensorflowLoaded;
}
