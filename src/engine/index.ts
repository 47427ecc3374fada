// The engine factory behind `--engine tfjs|fused` and `--backend`: activates the backend, initialises
// weights from the seed when none are given, and builds the chosen engine.
import { UserError } from '../core/errors.js';
import type { ModelConfig } from '../model/config.js';
import { initWeights } from '../model/init.js';
import { streamFromSeed } from '../core/random.js';
import { activateBackend, type ActiveBackend, type BackendChoice } from './backend.js';
import { createTfjsEngine } from './tfjs/engine.js';
import type { Engine, OptimizerSettings } from './types.js';
import type { NamedTensors } from '../core/tensors.js';
import { requestWebGpu } from './webgpu-runtime.js';

/** auto: the fused WebGPU engine when the backend resolves to webgpu, else the tfjs reference engine. */
export type EngineKind = 'auto' | 'tfjs' | 'fused';

export interface CreateEngineOptions {
  config: ModelConfig;
  engine?: EngineKind;
  backend?: BackendChoice;
  /** Seeds the initial weights when `weights` is absent. */
  seed?: number;
  optimizer?: OptimizerSettings;
  weights?: NamedTensors;
}

/** BabyBERTa's optimizer with PyTorch's bias correction: the training config's defaults, for engines built only to score. */
export const DEFAULT_OPTIMIZER: OptimizerSettings = {
  beta1: 0.9, beta2: 0.999, eps: 1e-6, weightDecay: 0, biasCorrection: true, clipNorm: 1,
};

/** The engine `--engine`/`--backend` resolve to, with the tfjs backend activated for auto (and tfjs). */
export async function resolveEngineKind(engine: EngineKind, backend: BackendChoice): Promise<{ kind: 'fused' } | { kind: 'tfjs'; active: ActiveBackend }> {
  let kind = engine;
  let active: ActiveBackend | undefined;
  if (kind === 'auto') {
    active = await activateBackend(backend);
    kind = active.name === 'webgpu' ? 'fused' : 'tfjs';
  }
  if (kind === 'fused') {
    if (backend !== 'auto' && backend !== 'webgpu') {
      throw new UserError(`--engine fused runs on WebGPU only; drop --backend ${backend} or use --engine tfjs`);
    }
    if (!(await requestWebGpu())) throw new UserError('no WebGPU adapter found; use --engine tfjs --backend wasm');
    return { kind: 'fused' };
  }
  return { kind: 'tfjs', active: active ?? (await activateBackend(backend)) };
}

export async function createEngine(options: CreateEngineOptions): Promise<Engine> {
  const { config, backend = 'auto', seed = 0, optimizer = DEFAULT_OPTIMIZER } = options;
  const weights = options.weights ?? initWeights(config, streamFromSeed(seed).next);
  const resolved = await resolveEngineKind(options.engine ?? 'tfjs', backend);
  if (resolved.kind === 'fused') {
    // Loaded only when asked for: the tfjs path never pulls in the WebGPU kernels.
    const { createFusedEngine } = await import('./webgpu/engine.js');
    return createFusedEngine({ config, optimizer, weights });
  }
  return createTfjsEngine({ config, backend: resolved.active, optimizer, weights });
}
