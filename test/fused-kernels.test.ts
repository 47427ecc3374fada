// The fused engine's matmul kernel on its own, against a float64 product: both tile sizes, every
// transpose combination, split-K with its reduction, and the bias / GELU / accumulate epilogues.
import { describe, expect, it } from 'vitest';
import { MATMUL_FLAGS, matmulSource, SPLIT_REDUCE_WGSL } from '../src/engine/webgpu/kernels/matmul.wgsl.js';
import { streamFromSeed } from '../src/core/random.js';
import { webGpuForTests } from './webgpu-env.js';

const gpu = await webGpuForTests();

interface Case { tile: 32 | 64; m: number; n: number; k: number; transA: boolean; transB: boolean; splits: number; flags: number }

const cases: Case[] = [];
for (const tile of [32, 64] as const) {
  for (const transA of [false, true]) {
    for (const transB of [false, true]) cases.push({ tile, m: 70, n: 45, k: 37, transA, transB, splits: 1, flags: 0 });
  }
  cases.push({ tile, m: 33, n: 66, k: 700, transA: true, transB: false, splits: 3, flags: 0 });
  cases.push({ tile, m: 20, n: 40, k: 24, transA: false, transB: true, splits: 1, flags: MATMUL_FLAGS.bias | MATMUL_FLAGS.gelu });
  cases.push({ tile, m: 20, n: 40, k: 24, transA: false, transB: false, splits: 1, flags: MATMUL_FLAGS.accumulate });
}

function erf(x: number): number {
  // The same Abramowitz–Stegun approximation the kernel uses (it is also what tfjs computes).
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const poly = ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t;
  return Math.sign(x) * (1 - poly * Math.exp(-x * x));
}

function expected(c: Case, a: Float32Array, b: Float32Array, bias: Float32Array, before: Float32Array): Float64Array {
  const out = new Float64Array(c.m * c.n);
  for (let i = 0; i < c.m; i++) {
    for (let j = 0; j < c.n; j++) {
      let s = 0;
      for (let k = 0; k < c.k; k++) {
        s += (c.transA ? a[k * c.m + i] : a[i * c.k + k]) * (c.transB ? b[j * c.k + k] : b[k * c.n + j]);
      }
      if (c.flags & MATMUL_FLAGS.bias) s += bias[j];
      if (c.flags & MATMUL_FLAGS.gelu) s = 0.5 * s * (1 + erf(s / Math.SQRT2));
      if (c.flags & MATMUL_FLAGS.accumulate) s += before[i * c.n + j];
      out[i * c.n + j] = s;
    }
  }
  return out;
}

describe.skipIf(gpu === null)('fused matmul kernel', () => {
  it.each(cases)('tile $tile, $m×$n×$k, Aᵀ $transA, Bᵀ $transB, split $splits, flags $flags', async (c) => {
    const device = gpu!.device;
    const random = streamFromSeed(`${c.tile}/${c.m}/${c.k}/${c.transA}/${c.transB}/${c.flags}`);
    const fill = (n: number) => Float32Array.from({ length: n }, () => random.next() * 2 - 1);
    const [a, b, bias, before] = [fill(c.m * c.k), fill(c.k * c.n), fill(c.n), fill(c.m * c.n)];
    const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
    const buffer = (data: Float32Array) => {
      const buf = device.createBuffer({ size: data.byteLength, usage });
      device.queue.writeBuffer(buf, 0, data.buffer as ArrayBuffer, data.byteOffset, data.byteLength);
      return buf;
    };
    const [bufA, bufB, bufBias, bufC] = [buffer(a), buffer(b), buffer(bias), buffer(before)];
    const aux = buffer(new Float32Array(Math.max(c.splits, 1) * c.m * c.n));
    const kChunk = Math.ceil(c.k / c.splits / 16) * 16;
    const uniforms = new Uint32Array([c.m, c.n, c.k, +c.transA, +c.transB, 0, 0, 0, 0, c.splits > 1 ? MATMUL_FLAGS.splitK : c.flags, 0, 0, kChunk, 0, 0, 0]);
    const uniform = device.createBuffer({ size: uniforms.byteLength, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    device.queue.writeBuffer(uniform, 0, uniforms);
    const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module: device.createShaderModule({ code: matmulSource(c.tile) }), entryPoint: 'main' } });
    const bind = device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: [uniform, bufA, bufB, bufBias, aux, bufC].map((buf, binding) => ({ binding, resource: { buffer: buf } })),
    });
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bind);
    pass.dispatchWorkgroups(Math.ceil(c.n / c.tile), Math.ceil(c.m / c.tile), c.splits);
    if (c.splits > 1) {
      const reduce = device.createComputePipeline({ layout: 'auto', compute: { module: device.createShaderModule({ code: SPLIT_REDUCE_WGSL }), entryPoint: 'main' } });
      const reduceUniform = device.createBuffer({ size: 32, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
      device.queue.writeBuffer(reduceUniform, 0, new Uint32Array([c.m * c.n, 1, c.splits, 0, 0, 0, 0, 0]));
      pass.setPipeline(reduce);
      pass.setBindGroup(0, device.createBindGroup({
        layout: reduce.getBindGroupLayout(0),
        entries: [reduceUniform, aux, bufC].map((buf, binding) => ({ binding, resource: { buffer: buf } })),
      }));
      pass.dispatchWorkgroups(Math.ceil((c.m * c.n) / 256));
    }
    pass.end();
    const staging = device.createBuffer({ size: before.byteLength, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    encoder.copyBufferToBuffer(bufC, 0, staging, 0, before.byteLength);
    device.queue.submit([encoder.finish()]);
    await staging.mapAsync(GPUMapMode.READ);
    const actual = new Float32Array(staging.getMappedRange().slice(0));
    const want = expected(c, a, b, bias, before);
    let worst = 0;
    for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(actual[i] - want[i]));
    expect(worst).toBeLessThan(1e-5 * Math.sqrt(c.k) * 4);
    for (const buf of [bufA, bufB, bufBias, bufC, aux, uniform, staging]) buf.destroy();
  });
});
