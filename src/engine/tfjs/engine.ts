// The reference engine: plain tfjs ops and autodiff on any tfjs backend. Simple and obviously right, it is
// the oracle the fused WebGPU engine is tested against. Every call is leak-free (tf.tidy / dispose).
// Calls run one after another in call order (a promise chain): a caller may issue a call before the previous
// one resolves, and an await inside one call (backend activation, reading a tensor) never lets another
// call's updates interleave with it. Dropout masks are built on the host from the generator the fused engine
// shares (./dropout.ts); AdamW projects SSA's trainable n and b onto n ≥ 1, b ≥ SSA_B_MIN (./adamw.ts).
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../../core/errors.js';
import { maxSequenceLength, type ModelConfig } from '../../model/config.js';
import { ensureBackend, type ActiveBackend, type BackendName } from '../backend.js';
import type { Engine, ForwardOptions, ForwardOutput, GradientOptions, OptimizerSettings, StepOptions, StepResult } from '../types.js';
import type { TargetedBatch, TokenBatch } from '../../core/batches.js';
import type { HostTensor, NamedTensors, OptimizerState } from '../../core/tensors.js';
import { AdamW, clipCoefficient, globalNorm } from './adamw.js';
import { noDropout, seededDropout, type Dropout } from './dropout.js';
import { encode, lmHead, modelInputs, type Captured } from './model.js';
import { gatherRows, meanCrossEntropy, targetLogProbs } from './ops.js';
import { TfjsParams, toHostLayout } from './params.js';

export interface TfjsEngineOptions {
  config: ModelConfig;
  backend: ActiveBackend;
  optimizer: OptimizerSettings;
  weights: NamedTensors;
}

export async function createTfjsEngine(options: TfjsEngineOptions): Promise<Engine> {
  await ensureBackend(options.backend.name);
  return new TfjsEngine(options);
}

class TfjsEngine implements Engine {
  readonly kind = 'tfjs';
  readonly backend: BackendName;
  readonly adapterName?: string;
  readonly config: ModelConfig;
  private readonly params: TfjsParams;
  private readonly optimizer: AdamW;
  private readonly clipNorm: number;
  /** Settles when every call issued so far has finished. */
  private tail: Promise<unknown> = Promise.resolve();
  /** Set when the backend's memory gave out: its heap is undefined from then on, so nothing is freed. */
  private exhausted = false;

  constructor(options: TfjsEngineOptions) {
    this.config = options.config;
    this.backend = options.backend.name;
    this.adapterName = options.backend.adapterName;
    this.params = new TfjsParams(options.config, options.weights);
    this.optimizer = new AdamW(this.params.trainable, options.optimizer);
    this.clipNorm = options.optimizer.clipNorm;
  }

  trainStep(batch: TargetedBatch, options: StepOptions): Promise<StepResult> {
    return this.serially(() => this.trainStepNow(batch, options), batch);
  }

  lossAndGradients(batch: TargetedBatch, options: GradientOptions = {}): Promise<{ loss: number; gradients: NamedTensors }> {
    return this.serially(() => this.lossAndGradientsNow(batch, options), batch);
  }

  targetLogProbs(batch: TargetedBatch): Promise<Float32Array> {
    return this.serially(() => this.targetLogProbsNow(batch), batch);
  }

  forward(batch: TokenBatch, options?: ForwardOptions): Promise<ForwardOutput> {
    return this.serially(() => this.forwardNow(batch, options), batch);
  }

  readWeights(): Promise<NamedTensors> {
    return this.serially(() => this.params.read());
  }

  loadWeights(weights: NamedTensors): Promise<void> {
    return this.serially(async () => {
      await ensureBackend(this.backend);
      this.params.load(weights);
    });
  }

  readOptimizerState(): Promise<OptimizerState> {
    return this.serially(() => this.optimizer.read());
  }

  loadOptimizerState(state: OptimizerState): Promise<void> {
    return this.serially(async () => {
      await ensureBackend(this.backend);
      this.optimizer.load(state);
    });
  }

  dispose(): void {
    if (this.exhausted) return;
    this.optimizer.dispose();
    this.params.dispose();
  }

  /**
   * Runs `call` once every earlier call has settled; a failed call does not stop later ones. A batch too large
   * for the backend's memory becomes one line naming its shape (see outOfMemory).
   */
  private serially<T>(call: () => Promise<T>, batch?: TokenBatch): Promise<T> {
    const result = this.tail.then(call).catch((error: unknown) => {
      const message = batch && outOfMemory(error, this.backend, batch);
      if (!message) throw error;
      this.exhausted = true;
      throw new UserError(message);
    });
    this.tail = result.catch(() => undefined);
    return result;
  }

  private async trainStepNow(batch: TargetedBatch, options: StepOptions): Promise<StepResult> {
    await ensureBackend(this.backend);
    const [loss, norm] = tf.tidy(() => {
      const { value, grads } = this.lossAndGrads(batch, this.dropout(batch, options.dropoutSeed));
      const norm = globalNorm(grads);
      this.optimizer.apply(grads, options.lr, clipCoefficient(norm, this.clipNorm));
      return [value, norm];
    });
    return { loss: await readScalar(loss), gradNorm: await readScalar(norm) };
  }

  private async lossAndGradientsNow(batch: TargetedBatch, options: GradientOptions): Promise<{ loss: number; gradients: NamedTensors }> {
    await ensureBackend(this.backend);
    const { value, grads } = tf.tidy(() => this.lossAndGrads(batch, this.dropout(batch, options.dropoutSeed)));
    const gradients: NamedTensors = new Map();
    for (const [i, { spec }] of this.params.trainable.entries()) {
      gradients.set(spec.name, await toHostLayout(spec, grads[i]));
    }
    tf.dispose(grads);
    return { loss: await readScalar(value), gradients };
  }

  private async targetLogProbsNow(batch: TargetedBatch): Promise<Float32Array> {
    await ensureBackend(this.backend);
    const logProbs = tf.tidy(() => {
      const inputs = modelInputs(this.config, batch);
      const hidden = encode(this.params.lookup, this.config, inputs, noDropout); // [N, H]
      const rows = tf.gather(hidden, tf.tensor1d(batch.targetPositions, 'int32')); // [M, H]
      return targetLogProbs(lmHead(this.params.lookup, this.config, rows), tf.tensor1d(batch.targetIds, 'int32')); // [M]
    });
    const data = new Float32Array(await logProbs.data());
    logProbs.dispose();
    return data;
  }

  private async forwardNow(batch: TokenBatch, options: ForwardOptions = {}): Promise<ForwardOutput> {
    await ensureBackend(this.backend);
    const { batchSize: b, seqLen: t } = batch;
    const captured: Captured = { attentions: options.attentions ? [] : undefined, keys: options.keys ? [] : undefined };
    const logits = tf.tidy(() => {
      const inputs = modelInputs(this.config, batch);
      const hidden = encode(this.params.lookup, this.config, inputs, noDropout, captured);
      for (const tensor of [...(captured.attentions ?? []), ...(captured.keys ?? [])]) tf.keep(tensor);
      return lmHead(this.params.lookup, this.config, hidden); // [B*T, V]
    });
    const output: ForwardOutput = { logits: { shape: [b, t, this.config.vocabSize], data: await readAll(logits) } };
    const host = async (tensors: tf.Tensor[]) => {
      const out: HostTensor[] = [];
      for (const tensor of tensors) out.push({ shape: [...tensor.shape], data: await readAll(tensor) });
      return out;
    };
    if (captured.attentions) output.attentions = await host(captured.attentions);
    if (captured.keys) output.keys = await host(captured.keys);
    return output;
  }

  /** Dropout under `key` for this batch; off without a key. */
  private dropout(batch: TokenBatch, key: number | undefined): Dropout {
    return key === undefined ? noDropout : seededDropout(key, batch.seqLen, maxSequenceLength(this.config));
  }

  /** Mean masked-LM loss and the gradients of the trainable parameters, in `params.trainable` order. */
  private lossAndGrads(batch: TargetedBatch, dropout: Dropout): { value: tf.Scalar; grads: tf.Tensor[] } {
    const inputs = modelInputs(this.config, batch);
    const positions = tf.tensor1d(batch.targetPositions, 'int32');
    const targets = tf.tensor1d(batch.targetIds, 'int32');
    const variables = this.params.trainable.map((p) => p.variable);
    const { value, grads } = tf.variableGrads(() => {
      const hidden = encode(this.params.lookup, this.config, inputs, dropout); // [N, H]
      // Only the M target rows go through the LM head: the [M, V] logits are all the loss needs.
      const rows = gatherRows(hidden, positions); // [M, H]
      return meanCrossEntropy(lmHead(this.params.lookup, this.config, rows), targets);
    }, variables);
    return { value, grads: variables.map((v) => grads[v.name]) };
  }
}

/**
 * The user-facing line for a call that ran out of memory, or undefined for any other failure. wasm reports a
 * failed allocation as a WebAssembly.RuntimeError ("Aborted()" or "memory access out of bounds"), the pure-JS
 * cpu backend as a RangeError from the ArrayBuffer it could not allocate.
 */
export function outOfMemory(error: unknown, backend: BackendName, batch: TokenBatch): string | undefined {
  const wasmFailure = backend === 'wasm' && error instanceof WebAssembly.RuntimeError;
  const allocationFailure = error instanceof RangeError && /allocation failed|Invalid typed array length|Array buffer/i.test(error.message);
  if (!wasmFailure && !allocationFailure) return undefined;
  const reason = (error as Error).message.split('\n')[0];
  return `the ${backend} backend ran out of memory on a batch of ${batch.batchSize} sequences × ${batch.seqLen} tokens (${reason}); lower --batch-size`;
}

async function readScalar(t: tf.Tensor): Promise<number> {
  const [value] = await t.data();
  t.dispose();
  return value;
}

/** A tensor's values as a fresh Float32Array; disposes the tensor. */
async function readAll(t: tf.Tensor): Promise<Float32Array> {
  const data = new Float32Array(await t.data());
  t.dispose();
  return data;
}
