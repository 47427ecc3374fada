// The one dropout generator of both engines (src/core/dropout.ts and its WGSL twin): the TS and WGSL keep
// factors agree bit for bit, masks differ between steps, sites and sequences, and padding a batch to a longer
// length leaves every real token's mask (and so the loss and gradients) unchanged in both engines.
import { describe, expect, it } from 'vitest';
import { dropoutKey, keepFactor } from '../src/core/dropout.js';
import { createEngine } from '../src/engine/index.js';
import { attentionMask, rowMask } from '../src/engine/tfjs/dropout.js';
import type { TargetedBatch } from '../src/core/batches.js';
import type { Engine } from '../src/engine/types.js';
import { DROPOUT_WGSL } from '../src/engine/webgpu/kernels/common.wgsl.js';
import { randomTargetedBatch, relativeError } from '../src/engine/webgpu/parity.js';
import { webGpuForTests } from './webgpu-env.js';
import { SPECIAL_IDS } from '../src/model/config.js';
import { initWeights } from '../src/model/init.js';
import { streamFromSeed } from '../src/core/random.js';
import { tinyConfig } from './engine-fixtures.js';

const gpu = await webGpuForTests();

/** Runs WGSL dropout_scale on every (key, site, seq, elem) tuple with its rate; returns the factors. */
async function wgslKeepFactors(tuples: Uint32Array, rates: Float32Array): Promise<Float32Array> {
  const device = gpu!.device;
  const code = /* wgsl */ `
${DROPOUT_WGSL}
@group(0) @binding(0) var<storage, read> tuples: array<vec4u>;
@group(0) @binding(1) var<storage, read> rates: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3u) {
  let i = id.x;
  if (i >= arrayLength(&rates)) { return; }
  let t = tuples[i];
  out[i] = dropout_scale(t.x, t.y, t.z, t.w, rates[i]);
}`;
  const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
  const input = (data: Uint32Array | Float32Array) => {
    const buffer = device.createBuffer({ size: data.byteLength, usage });
    device.queue.writeBuffer(buffer, 0, data.buffer as ArrayBuffer, data.byteOffset, data.byteLength);
    return buffer;
  };
  const buffers = [input(tuples), input(rates), input(new Float32Array(rates.length))];
  const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module: device.createShaderModule({ code }), entryPoint: 'main' } });
  const staging = device.createBuffer({ size: rates.byteLength, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const encoder = device.createCommandEncoder();
  const pass = encoder.beginComputePass();
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, device.createBindGroup({
    layout: pipeline.getBindGroupLayout(0), entries: buffers.map((buffer, binding) => ({ binding, resource: { buffer } })),
  }));
  pass.dispatchWorkgroups(Math.ceil(rates.length / 64));
  pass.end();
  encoder.copyBufferToBuffer(buffers[2], 0, staging, 0, rates.byteLength);
  device.queue.submit([encoder.finish()]);
  await staging.mapAsync(GPUMapMode.READ);
  const result = new Float32Array(staging.getMappedRange().slice(0));
  for (const buffer of [...buffers, staging]) buffer.destroy();
  return result;
}

/** The same sequences padded with `extra` more pad tokens each (targets move with their rows). */
function padded(batch: TargetedBatch, extra: number): TargetedBatch {
  const { batchSize: B, seqLen: T } = batch;
  const L = T + extra;
  const inputIds = new Int32Array(B * L).fill(SPECIAL_IDS.pad);
  const attentionMask = new Uint8Array(B * L);
  for (let b = 0; b < B; b++) {
    inputIds.set(batch.inputIds.subarray(b * T, (b + 1) * T), b * L);
    attentionMask.set(batch.attentionMask.subarray(b * T, (b + 1) * T), b * L);
  }
  const targetPositions = batch.targetPositions.map((at) => Math.floor(at / T) * L + (at % T));
  return { batchSize: B, seqLen: L, inputIds, attentionMask, targetPositions, targetIds: batch.targetIds };
}

const RATES = [0, 0.1, 0.25, 1 / 3, 0.5, 0.9];

describe('the dropout generator', () => {
  it('gives every step of a run its own key, and other runs other keys', () => {
    const keys = new Set(Array.from({ length: 10_000 }, (_, i) => dropoutKey(7, i + 1)));
    expect(keys.size).toBe(10_000);
    expect(dropoutKey(8, 1)).not.toBe(dropoutKey(7, 1));
    expect(dropoutKey(2 ** 32 + 7, 1)).not.toBe(dropoutKey(7, 1));
    expect(dropoutKey(7, 1)).toBe(dropoutKey(7, 1));
  });

  it('drops about a fraction p, differently per step, site and sequence', () => {
    const [rows, width, seqLen, p] = [64, 32, 16, 0.25];
    const mask = (step: number, site: number) => rowMask(dropoutKey(0, step), site, rows, width, seqLen, p);
    const base = mask(1, 0);
    const droppedShare = base.filter((x) => x === 0).length / base.length;
    expect(droppedShare).toBeGreaterThan(0.22);
    expect(droppedShare).toBeLessThan(0.28);
    const differing = (a: Float32Array, b: Float32Array) => a.filter((x, i) => x !== b[i]).length / a.length;
    expect(differing(base, mask(2, 0))).toBeGreaterThan(0.3);
    expect(differing(base, mask(1, 1))).toBeGreaterThan(0.3);
    // Rows 0 and 16 are the same position of sequences 0 and 1.
    expect(differing(base.subarray(0, width * seqLen), base.subarray(width * seqLen, 2 * width * seqLen))).toBeGreaterThan(0.3);
  });

  it('builds the reference masks from keepFactor in the fused coordinates, unchanged by padding', () => {
    const key = dropoutKey(3, 5);
    const [B, heads, T, maxSeq, width, p] = [3, 2, 5, 9, 4, 0.3];
    for (const L of [T, T + 4]) {
      const rows = rowMask(key, 2, B * L, width, L, p);
      const probs = attentionMask(key, 1, [B, heads, L, L], maxSeq, p);
      for (let b = 0; b < B; b++) {
        for (let t = 0; t < T; t++) {
          for (let c = 0; c < width; c++) expect(rows[(b * L + t) * width + c]).toBe(keepFactor(key, 2, b, t * width + c, p));
        }
        for (let h = 0; h < heads; h++) {
          for (let i = 0; i < T; i++) {
            for (let j = 0; j < T; j++) {
              expect(probs[((b * heads + h) * L + i) * L + j]).toBe(keepFactor(key, 1, b, (h * maxSeq + i) * maxSeq + j, p));
            }
          }
        }
      }
    }
  });

  it.skipIf(gpu === null)('agrees bit for bit with the WGSL kernels\' dropout_scale', async () => {
    const random = streamFromSeed('dropout-wgsl');
    const count = 6000;
    const tuples = new Uint32Array(4 * count);
    const rates = new Float32Array(count);
    for (let i = 0; i < count; i++) {
      const edge = i < 8 ? [0, 0xffffffff][i % 2] : undefined;
      tuples[4 * i] = edge ?? dropoutKey(random.int(1000), 1 + random.int(200_000));
      tuples[4 * i + 1] = edge ?? random.int(40);
      tuples[4 * i + 2] = edge ?? random.int(64);
      tuples[4 * i + 3] = edge ?? random.int(8 * 128 * 128);
      rates[i] = RATES[i % RATES.length];
    }
    const actual = await wgslKeepFactors(tuples, rates);
    const expected = Float32Array.from({ length: count }, (_, i) => keepFactor(tuples[4 * i], tuples[4 * i + 1], tuples[4 * i + 2], tuples[4 * i + 3], rates[i]));
    expect(new Uint32Array(actual.buffer)).toEqual(new Uint32Array(expected.buffer));
    expect(expected.filter((x) => x === 0).length).toBeGreaterThan(count / 4);
  });
});

describe('dropout in the engines', () => {
  const config = tinyConfig({ scoring: 'ssa', ssaN: 1.5, ssaB: 0.8, ssaNTrainable: true, ssaBTrainable: true }, { hiddenDropout: 0.2, attentionDropout: 0.2 });
  const weights = initWeights(config, streamFromSeed(4).next);
  const batch = randomTargetedBatch(config, 3, 7, streamFromSeed(9));
  const key = dropoutKey(0, 3);

  async function checkPadding(kind: 'tfjs' | 'fused'): Promise<void> {
    const engine: Engine = await createEngine({ config, engine: kind, backend: kind === 'tfjs' ? 'cpu' : 'webgpu', weights });
    const plain = await engine.lossAndGradients(batch);
    const short = await engine.lossAndGradients(batch, { dropoutSeed: key });
    const long = await engine.lossAndGradients(padded(batch, 5), { dropoutSeed: key });
    const other = await engine.lossAndGradients(batch, { dropoutSeed: dropoutKey(0, 4) });
    expect(Math.abs(short.loss - plain.loss)).toBeGreaterThan(1e-3);
    expect(Math.abs(short.loss - other.loss)).toBeGreaterThan(1e-3);
    expect(Math.abs(long.loss - short.loss) / short.loss).toBeLessThan(1e-6);
    for (const [name, gradient] of short.gradients) {
      expect(relativeError(long.gradients.get(name)!.data, gradient.data, 1e-6), name).toBeLessThan(1e-5);
    }
    engine.dispose();
  }
  const padding = 'padding a batch to a longer length changes neither loss nor gradients with dropout on';
  it(`tfjs: ${padding}`, () => checkPadding('tfjs'));
  it.skipIf(gpu === null)(`fused: ${padding}`, () => checkPadding('fused'));
});
