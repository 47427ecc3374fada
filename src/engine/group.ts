// K models trained as one group (src/engine/types.ts GroupEngine). The plain adapter `groupOf` wraps K ordinary
// engines and runs the members one after another: the tfjs engine's group, a lone run's group of one, and the
// reference that lockstep parity tests compare the fused group against ("the K models trained alone").
// createGroupEngine gives the fused engine's own group (K models per dispatch) on WebGPU, the adapter elsewhere.
import { UserError } from '../core/errors.js';
import type { ModelConfig } from '../model/config.js';
import { createEngine, DEFAULT_OPTIMIZER, resolveEngineKind, type CreateEngineOptions } from './index.js';
import type { TargetedBatch } from '../core/batches.js';
import type { NamedTensors } from '../core/tensors.js';
import type { Engine, GroupEngine, MemberStep, StepResult } from './types.js';

/** A member as an Engine whose dispose is a no-op: the group owns the engines. */
function memberView(engine: Engine): Engine {
  return new Proxy(engine, {
    get: (target, key) => {
      if (key === 'dispose') return () => undefined;
      const value = Reflect.get(target, key, target) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

export function groupOf(engines: Engine[]): GroupEngine {
  if (engines.length === 0) throw new Error('a group needs at least one engine');
  const [first] = engines;
  if (engines.some((e) => e.kind !== first.kind || e.backend !== first.backend)) throw new Error('a group runs on one engine kind and backend');
  const views = engines.map(memberView);
  return {
    kind: first.kind,
    backend: first.backend,
    adapterName: first.adapterName,
    size: engines.length,
    configs: engines.map((e) => e.config),
    trainStep(steps: (MemberStep | null)[]): Promise<(StepResult | null)[]> {
      if (steps.length !== engines.length) throw new Error(`trainStep got ${steps.length} entries for a group of ${engines.length}`);
      // Each engine queues its own call, so submitting all K at once keeps the one-step-in-flight guarantee.
      return Promise.all(steps.map((step, i) => (step ? engines[i].trainStep(step.batch, step.options) : null)));
    },
    targetLogProbs(batch: TargetedBatch): Promise<Float32Array[]> {
      return Promise.all(engines.map((e) => e.targetLogProbs(batch)));
    },
    member(index: number): Engine {
      const view = views[index];
      if (!view) throw new Error(`member ${index} of a group of ${engines.length}`);
      return view;
    },
    dispose(): void {
      for (const engine of engines) engine.dispose();
    },
  };
}

export interface CreateGroupOptions extends Omit<CreateEngineOptions, 'config' | 'weights' | 'seed'> {
  /** One per member; they may differ only in `attention`. */
  configs: ModelConfig[];
  weights: NamedTensors[];
}

/** Fails unless the members' models have one shape (everything but the attention settings equal). */
export function checkOneShape(configs: ModelConfig[], names: string[] = configs.map((_, i) => `member ${i}`)): void {
  const shape = (config: ModelConfig) => JSON.stringify({ ...config, attention: undefined });
  configs.forEach((config, i) => {
    if (shape(config) !== shape(configs[0])) {
      throw new UserError(`a group trains models of one shape: ${names[i]} differs from ${names[0]} beyond its attention settings`);
    }
  });
}

/**
 * The group for `configs` on the engine and backend asked for: on the fused engine, K models in every dispatch
 * (src/engine/webgpu/group.ts); on tfjs, the plain adapter over K engines.
 */
export async function createGroupEngine(options: CreateGroupOptions): Promise<GroupEngine> {
  const { configs, weights, engine = 'tfjs', backend = 'auto', optimizer = DEFAULT_OPTIMIZER } = options;
  if (configs.length !== weights.length) throw new Error('one set of weights per member');
  checkOneShape(configs);
  if ((await resolveEngineKind(engine, backend)).kind === 'fused') {
    // Loaded only when asked for: the tfjs path never pulls in the WebGPU kernels.
    const { createFusedGroupEngine } = await import('./webgpu/engine.js');
    return createFusedGroupEngine({ configs, optimizer, weights });
  }
  const engines: Engine[] = [];
  try {
    for (const [i, config] of configs.entries()) engines.push(await createEngine({ engine: 'tfjs', backend, optimizer, config, weights: weights[i] }));
  } catch (error) {
    for (const e of engines) e.dispose();
    throw error;
  }
  return groupOf(engines);
}
