// Builds the fused WebGPU engine: a group of K models of one shape trained in lockstep (FusedGroupEngine), or
// one model, which is member 0 of a group of one (there is one engine, not two).
import type { NamedTensors } from '../../core/tensors.js';
import { headDim, type ModelConfig } from '../../model/config.js';
import type { OptimizerSettings } from '../types.js';
import { requestWebGpu } from '../webgpu-runtime.js';
import { FusedGroupEngine, type FusedGroupOptions } from './group.js';
import { ATTENTION_MAX_HEAD_DIM } from './kernels/attention.wgsl.js';
import type { FusedEngine } from './member.js';
import { checkGroupConfigs } from './members.js';
import { compilePipelines, hasSubgroups } from './program.js';
import { checkGroupFits } from './sizes.js';

export type { FusedEngine } from './member.js';
export type { FusedGroupEngine } from './group.js';
export { maxGroupSize, type GroupLimits, type GroupShape } from './sizes.js';

export interface FusedGroupEngineOptions extends FusedGroupOptions {
  /** Row reductions through subgroup operations where the device has them (default); false keeps the plain path. */
  subgroups?: boolean;
}

export interface FusedEngineOptions {
  config: ModelConfig;
  optimizer: OptimizerSettings;
  weights: NamedTensors;
  /** Initial activation capacity; a larger batch later reallocates. */
  maxBatch?: number;
  maxSeq?: number;
  subgroups?: boolean;
}

/**
 * K = configs.length members; they may differ only in attention (a one-line UserError names what else differs),
 * and must fit the device's buffer limits (a one-line UserError says the largest K that does).
 */
export async function createFusedGroupEngine(options: FusedGroupEngineOptions): Promise<FusedGroupEngine> {
  const gpu = await requestWebGpu();
  if (gpu === null) throw new Error('the fused engine needs WebGPU, and no WebGPU adapter was found');
  checkGroupConfigs(options.configs);
  if (options.weights.length !== options.configs.length) {
    throw new Error(`a group of ${options.configs.length} needs as many weight sets, got ${options.weights.length}`);
  }
  const config = options.configs[0];
  if (headDim(config) > ATTENTION_MAX_HEAD_DIM) throw new Error(`fused engine: head size ${headDim(config)} exceeds ${ATTENTION_MAX_HEAD_DIM}`);
  // Before anything is compiled or allocated.
  const capacity = options.maxBatch && options.maxSeq ? { batch: options.maxBatch, seq: options.maxSeq } : undefined;
  checkGroupFits(gpu.device.limits, config, options.configs.length, capacity);
  const kernels = { subgroups: options.subgroups !== false && hasSubgroups(gpu.device) };
  const pipelines = await compilePipelines(gpu.device, headDim(config), kernels.subgroups);
  const group = new FusedGroupEngine(gpu.device, gpu.adapterName, pipelines, kernels, options);
  try {
    options.weights.forEach((weights, i) => {
      group.loadWeights(i, weights);
    });
  } catch (error) {
    group.dispose();
    throw error;
  }
  return group;
}

/** One model: member 0 of a group of one, which it owns (its dispose disposes the group). */
export async function createFusedEngine(options: FusedEngineOptions): Promise<FusedEngine> {
  const { config, weights, ...rest } = options;
  const group = await createFusedGroupEngine({ ...rest, configs: [config], weights: [weights] });
  const engine = group.member(0);
  engine.ownsGroup = true;
  return engine;
}
