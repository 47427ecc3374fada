// One member of a fused group as an ordinary Engine: its weights, optimizer state, gradients, scoring and a lone
// training step, each a run of the group with that member's slot only. The single-model fused engine is
// member 0 of a group of one, which then owns the group (disposing it disposes the group).
import type { ModelConfig } from '../../model/config.js';
import type { TargetedBatch, TokenBatch } from '../../core/batches.js';
import type { NamedTensors, OptimizerState } from '../../core/tensors.js';
import type { Engine, ForwardOptions, ForwardOutput, GradientOptions, MemberStep, StepOptions, StepResult } from '../types.js';
import type { Activations } from './activations.js';
import type { SlotBatch } from './batch.js';
import type { RunShape } from './program.js';
import type { ReadBack } from './staging.js';

/** What a member view asks of its group (FusedGroupEngine). */
export interface MemberHost {
  readonly configs: ModelConfig[];
  readonly adapterName: string;
  readonly usesSubgroups: boolean;
  readonly lastDispatchCount: number;
  trainStep(steps: (MemberStep | null)[]): Promise<(StepResult | null)[]>;
  profileTrainStep(steps: (MemberStep | null)[]): Promise<Map<string, { ms: number; count: number }>>;
  lossAndGradients(
    inputs: ({ batch: TargetedBatch; dropoutSeed?: number } | null)[],
  ): Promise<({ loss: number; gradients: NamedTensors } | null)[]>;
  /** One slot's eval run of member `member` on `input`, reading back what `reads` asks of slot 0. */
  memberEval(member: number, input: SlotBatch, reads: (act: Activations, shape: RunShape) => ReadBack[]): Promise<Float32Array[]>;
  readWeights(member: number): Promise<NamedTensors>;
  loadWeights(member: number, weights: NamedTensors): void;
  readOptimizerState(member: number): Promise<OptimizerState>;
  loadOptimizerState(member: number, state: OptimizerState): void;
  dispose(): void;
}

export class FusedEngine implements Engine {
  readonly kind = 'fused';
  readonly backend = 'webgpu';
  readonly config: ModelConfig;
  readonly adapterName: string;
  /** Set on the engine createFusedEngine returns: the group of one is its own. */
  ownsGroup = false;

  constructor(readonly group: MemberHost, readonly index: number) {
    this.config = group.configs[index];
    this.adapterName = group.adapterName;
  }

  /** Whether the kernels' row reductions run through subgroup operations. */
  get usesSubgroups(): boolean {
    return this.group.usesSubgroups;
  }

  /** Compute dispatches in the group's last run. */
  get lastDispatchCount(): number {
    return this.group.lastDispatchCount;
  }

  /** This member's training step timed per dispatch (FusedGroupEngine.profileTrainStep). */
  profileTrainStep(batch: TargetedBatch, options: StepOptions): Promise<Map<string, { ms: number; count: number }>> {
    return this.group.profileTrainStep(this.only({ batch, options }));
  }

  async trainStep(batch: TargetedBatch, options: StepOptions): Promise<StepResult> {
    const results = await this.group.trainStep(this.only({ batch, options }));
    return results[this.index]!;
  }

  /** Dropout off unless `options.dropoutSeed` gives a step key (parity tests check the masks that way). */
  async lossAndGradients(batch: TargetedBatch, options: GradientOptions = {}): Promise<{ loss: number; gradients: NamedTensors }> {
    const results = await this.group.lossAndGradients(this.only({ batch, dropoutSeed: options.dropoutSeed }));
    return results[this.index]!;
  }

  async targetLogProbs(batch: TargetedBatch): Promise<Float32Array> {
    const input = { batch, targets: batch.targetPositions, targetIds: batch.targetIds };
    const [rowLoss] = await this.group.memberEval(this.index, input, (act) => [{ buffer: act.rowLoss, floats: batch.targetPositions.length }]);
    return rowLoss.map((x) => -x);
  }

  async forward(batch: TokenBatch, options: ForwardOptions = {}): Promise<ForwardOutput> {
    const { batchSize: B, seqLen: T } = batch;
    const rows = B * T;
    const H = this.config.numHeads;
    const V = this.config.vocabSize;
    const hidden = this.config.hiddenSize;
    // The LM head runs on every position: all rows are "targets" (their ids are irrelevant here).
    const input = { batch, targets: Int32Array.from({ length: rows }, (_, i) => i), targetIds: new Int32Array(rows) };
    const [logitData, ...rest] = await this.group.memberEval(this.index, input, (act) => [
      { buffer: act.logits, floats: rows * V },
      ...(options.attentions ? act.layers.map((layer) => ({ buffer: layer.probs, floats: B * H * T * T })) : []),
      // The fused q|k|v projection of each layer as the forward pass left it, [B*T, 3·hidden].
      ...(options.keys ? act.layers.map((layer) => ({ buffer: layer.qkv, floats: rows * 3 * hidden })) : []),
    ]);
    const probs = options.attentions ? rest.splice(0, this.config.numLayers) : undefined;
    /** Columns hidden … 2·hidden − 1 of each row: the keys [B, T, hidden]. */
    const keysOf = (qkv: Float32Array) => {
      const keys = new Float32Array(rows * hidden);
      for (let r = 0; r < rows; r++) keys.set(qkv.subarray(r * 3 * hidden + hidden, r * 3 * hidden + 2 * hidden), r * hidden);
      return { shape: [B, T, hidden], data: keys };
    };
    return {
      logits: { shape: [B, T, V], data: logitData },
      ...(probs && { attentions: probs.map((data) => ({ shape: [B, H, T, T], data })) }),
      ...(options.keys && { keys: rest.map(keysOf) }),
    };
  }

  readWeights(): Promise<NamedTensors> {
    return this.group.readWeights(this.index);
  }

  async loadWeights(weights: NamedTensors): Promise<void> {
    this.group.loadWeights(this.index, weights);
  }

  readOptimizerState(): Promise<OptimizerState> {
    return this.group.readOptimizerState(this.index);
  }

  async loadOptimizerState(state: OptimizerState): Promise<void> {
    this.group.loadOptimizerState(this.index, state);
  }

  /** A no-op for a member of a larger group (dispose the group); the engine of a group of one disposes it. */
  dispose(): void {
    if (this.ownsGroup) this.group.dispose();
  }

  /** A group step in which only this member takes part. */
  private only<T>(step: T): (T | null)[] {
    return this.group.configs.map((_, i) => (i === this.index ? step : null));
  }
}
