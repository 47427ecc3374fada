// The fused engine's matmul kernel on its own, against a float64 product: the three tile sizes, every
// transpose combination, split-K with its reduction, and the bias / GELU / accumulate epilogues; two slots in
// one dispatch, A and C per slot, B and the bias per member, slot s running member 1 − s.
import { describe, expect, it } from 'vitest';
import { MATMUL_BY_MEMBER, MATMUL_FLAGS, matmulSource, matmulTile, SPLIT_REDUCE_WGSL, type MatmulTile } from '../src/engine/webgpu/kernels/matmul.wgsl.js';
import { INFO, INFO_WORDS } from '../src/engine/webgpu/kernels/members.wgsl.js';
import { streamFromSeed } from '../src/core/random.js';
import { webGpuForTests } from './webgpu-env.js';

const gpu = await webGpuForTests();
const SLOTS = 2;
/** Slot s computes member MEMBER_OF[s]: the reversed order shows slots and members are addressed apart. */
const MEMBER_OF = [1, 0];

interface Case { tile: MatmulTile; m: number; n: number; k: number; transA: boolean; transB: boolean; splits: number; flags: number }

const cases: Case[] = [];
for (const tile of [32, 64] as const) {
  for (const transA of [false, true]) {
    for (const transB of [false, true]) cases.push({ tile, m: 70, n: 45, k: 37, transA, transB, splits: 1, flags: 0 });
  }
  cases.push({ tile, m: 150, n: 140, k: 40, transA: false, transB: true, splits: 1, flags: 0 });
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
    // Per member: B [k·n] then the bias [n], one member stride apart; per slot: A [m·k] and C [m·n].
    const stride = c.k * c.n + c.n;
    const [a, params, before] = [fill(SLOTS * c.m * c.k), fill(SLOTS * stride), fill(SLOTS * c.m * c.n)];
    const table = new Uint32Array(SLOTS * INFO_WORDS);
    MEMBER_OF.forEach((member, slot) => { table[slot * INFO_WORDS + INFO.member] = member; });
    const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
    const buffer = (data: Float32Array | Uint32Array) => {
      const buf = device.createBuffer({ size: data.byteLength, usage });
      device.queue.writeBuffer(buf, 0, data.buffer as ArrayBuffer, data.byteOffset, data.byteLength);
      return buf;
    };
    const [bufTable, bufA, bufParams, bufC] = [buffer(table), buffer(a), buffer(params), buffer(before)];
    const aux = buffer(new Float32Array(SLOTS * Math.max(c.splits, 1) * c.m * c.n));
    const kChunk = Math.ceil(c.k / c.splits / 16) * 16;
    const uniforms = new Uint32Array([
      c.m, c.n, c.k, +c.transA, +c.transB, 0, 0, c.k * c.n, 0, c.splits > 1 ? MATMUL_FLAGS.splitK : c.flags, 0, kChunk, c.splits,
      1, stride, MATMUL_BY_MEMBER.b, 0, 0, 0, 0,
    ]);
    const uniform = device.createBuffer({ size: uniforms.byteLength, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    device.queue.writeBuffer(uniform, 0, uniforms);
    const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module: device.createShaderModule({ code: matmulSource(c.tile) }), entryPoint: 'main' } });
    const bind = device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: [uniform, bufTable, bufA, bufParams, bufParams, aux, bufC].map((buf, binding) => ({ binding, resource: { buffer: buf } })),
    });
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bind);
    pass.dispatchWorkgroups(Math.ceil(c.n / c.tile), Math.ceil(c.m / c.tile), SLOTS * c.splits);
    if (c.splits > 1) {
      const reduce = device.createComputePipeline({ layout: 'auto', compute: { module: device.createShaderModule({ code: SPLIT_REDUCE_WGSL }), entryPoint: 'main' } });
      const reduceUniform = device.createBuffer({ size: 32, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
      device.queue.writeBuffer(reduceUniform, 0, new Uint32Array([c.m * c.n, 1, c.splits, 0, 0, 0, 0, 0]));
      pass.setPipeline(reduce);
      pass.setBindGroup(0, device.createBindGroup({
        layout: reduce.getBindGroupLayout(0),
        entries: [reduceUniform, bufTable, aux, bufC].map((buf, binding) => ({ binding, resource: { buffer: buf } })),
      }));
      pass.dispatchWorkgroups(Math.ceil((c.m * c.n) / 256), 1, SLOTS);
    }
    pass.end();
    const staging = device.createBuffer({ size: before.byteLength, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    encoder.copyBufferToBuffer(bufC, 0, staging, 0, before.byteLength);
    device.queue.submit([encoder.finish()]);
    await staging.mapAsync(GPUMapMode.READ);
    const actual = new Float32Array(staging.getMappedRange().slice(0));
    let worst = 0;
    for (let slot = 0; slot < SLOTS; slot++) {
      const member = params.subarray(MEMBER_OF[slot] * stride, (MEMBER_OF[slot] + 1) * stride);
      const out = (data: Float32Array) => data.subarray(slot * c.m * c.n, (slot + 1) * c.m * c.n);
      const want = expected(c, a.subarray(slot * c.m * c.k), member, member.subarray(c.k * c.n), out(before));
      const got = out(actual);
      for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
    }
    expect(worst).toBeLessThan(1e-5 * Math.sqrt(c.k) * 4);
    for (const buf of [bufTable, bufA, bufParams, bufC, aux, uniform, staging]) buf.destroy();
  });
});

describe('matmul tile choice', () => {
  // [m, n, splits, slots, tile]: 32 below 128 workgroups of 64.
  const choices: [number, number, number, number, MatmulTile][] = [
    [512, 256, 1, 1, 32],
    [512, 256, 1, 9, 64],
    [512, 1024, 1, 9, 64],
    [8192, 1024, 1, 1, 64],
    [64, 64, 4, 1, 32],
  ];
  it.each(choices)('%i×%i, %i splits, %i slots: %i', (m, n, splits, slots, tile) => {
    expect(matmulTile(m, n, splits, slots)).toBe(tile);
  });
});
