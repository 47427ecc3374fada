// LayerNorm forward and backward (one workgroup per row), its parameter gradients, and column sums
// (dense bias gradients). Statistics are saved as (mean, rstd) per row for the backward pass.
import { DROPOUT_WGSL, GELU_WGSL, workgroupReduceWgsl } from './common.wgsl.js';

export const ROW_THREADS = 64;

/** Uniform: u32 rows width offGamma offBeta flags(1 = dropout on the output) seed site, f32 eps dropP, u32 seqLen. */
export const layerNormForwardWgsl = (subgroups: boolean): string => /* wgsl */ `
${DROPOUT_WGSL}
${workgroupReduceWgsl(ROW_THREADS, subgroups)}
struct Params { rows: u32, width: u32, offGamma: u32, offBeta: u32, flags: u32, seed: u32, site: u32, eps: f32, dropP: f32, seqLen: u32 }
@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> params: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<storage, read_write> stats: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let row = wg.x + wg.y * 65535u;
  if (row >= u.rows) { return; }
  let tid = lid.x;
  let base = row * u.width;
  var s = 0.0;
  for (var c = tid; c < u.width; c += 64u) { s += x[base + c]; }
  let mean = reduce${ROW_THREADS}(s, tid, false) / f32(u.width);
  var q = 0.0;
  for (var c = tid; c < u.width; c += 64u) { let d = x[base + c] - mean; q += d * d; }
  let rstd = inverseSqrt(reduce${ROW_THREADS}(q, tid, false) / f32(u.width) + u.eps);
  for (var c = tid; c < u.width; c += 64u) {
    var v = (x[base + c] - mean) * rstd * params[u.offGamma + c] + params[u.offBeta + c];
    if ((u.flags & 1u) != 0u) { v *= dropout_scale_row(u.seed, u.site, row, c, u.seqLen, u.width, u.dropP); }
    y[base + c] = v;
  }
  if (tid == 0u) { stats[2u * row] = mean; stats[2u * row + 1u] = rstd; }
}
`;

/**
 * dx of LayerNorm. flags: 1 = the forward dropped the output (dy is masked with siteIn);
 * 2 = also write dx2 = dx · keep(siteOut) (the dropped dense branch feeding the residual sum);
 * 4 = also write dx2 = dx · gelu'(aux) (LN over a GELU output).
 * Uniform: u32 rows width offGamma flags seed siteIn siteOut, f32 dropP, u32 seqLen.
 */
export const layerNormBackwardWgsl = (subgroups: boolean): string => /* wgsl */ `
${DROPOUT_WGSL}
${GELU_WGSL}
${workgroupReduceWgsl(ROW_THREADS, subgroups)}
struct Params { rows: u32, width: u32, offGamma: u32, flags: u32, seed: u32, siteIn: u32, siteOut: u32, dropP: f32, seqLen: u32 }
@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read> stats: array<f32>;
@group(0) @binding(4) var<storage, read> params: array<f32>;
@group(0) @binding(5) var<storage, read> aux: array<f32>;
@group(0) @binding(6) var<storage, read_write> dx: array<f32>;
@group(0) @binding(7) var<storage, read_write> dx2: array<f32>;

fn dy_at(row: u32, c: u32) -> f32 {
  let i = row * u.width + c;
  if ((u.flags & 1u) != 0u) { return dy[i] * dropout_scale_row(u.seed, u.siteIn, row, c, u.seqLen, u.width, u.dropP); }
  return dy[i];
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let row = wg.x + wg.y * 65535u;
  if (row >= u.rows) { return; }
  let tid = lid.x;
  let base = row * u.width;
  let mean = stats[2u * row];
  let rstd = stats[2u * row + 1u];
  var sg = 0.0;
  var sgx = 0.0;
  for (var c = tid; c < u.width; c += 64u) {
    let g = dy_at(row, c) * params[u.offGamma + c];
    sg += g;
    sgx += g * (x[base + c] - mean) * rstd;
  }
  let meanG = reduce${ROW_THREADS}(sg, tid, false) / f32(u.width);
  let meanGX = reduce${ROW_THREADS}(sgx, tid, false) / f32(u.width);
  for (var c = tid; c < u.width; c += 64u) {
    let i = base + c;
    let xhat = (x[i] - mean) * rstd;
    let v = rstd * (dy_at(row, c) * params[u.offGamma + c] - meanG - xhat * meanGX);
    dx[i] = v;
    if ((u.flags & 2u) != 0u) { dx2[i] = v * dropout_scale_row(u.seed, u.siteOut, row, c, u.seqLen, u.width, u.dropP); }
    if ((u.flags & 4u) != 0u) { dx2[i] = v * gelu_grad(aux[i]); }
  }
}
`;

/**
 * Rows per workgroup of the chunked column reductions; one chunk writes its result directly. Small enough that a
 * 512-row batch already spreads over several workgroups per column block (each thread then sums 32 rows).
 */
export const COLUMN_CHUNK_ROWS = 128;

/**
 * dγ = Σ dy·x̂ and dβ = Σ dy over the rows of chunk wg.y; with one chunk straight into grads, else
 * partials [chunk, 2, width] for SPLIT_REDUCE. Uniform: u32 rows width offGradGamma offGradBeta flags seed site
 * chunks, f32 dropP, u32 seqLen.
 */
export const LAYERNORM_PARAM_GRAD_WGSL = /* wgsl */ `
${DROPOUT_WGSL}
struct Params {
  rows: u32, width: u32, offGradGamma: u32, offGradBeta: u32, flags: u32, seed: u32, site: u32, chunks: u32, dropP: f32, seqLen: u32,
}
@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read> stats: array<f32>;
@group(0) @binding(4) var<storage, read_write> grads: array<f32>;
@group(0) @binding(5) var<storage, read_write> partial: array<f32>;
var<workgroup> sumG: array<array<f32, 64>, 4>;
var<workgroup> sumB: array<array<f32, 64>, 4>;

@compute @workgroup_size(64, 4)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let c = wg.x * 64u + lid.x;
  let rowEnd = min(u.rows, (wg.y + 1u) * ${COLUMN_CHUNK_ROWS}u);
  var g = 0.0;
  var b = 0.0;
  if (c < u.width) {
    for (var r = wg.y * ${COLUMN_CHUNK_ROWS}u + lid.y; r < rowEnd; r += 4u) {
      let i = r * u.width + c;
      var d = dy[i];
      if ((u.flags & 1u) != 0u) { d *= dropout_scale_row(u.seed, u.site, r, c, u.seqLen, u.width, u.dropP); }
      g += d * (x[i] - stats[2u * r]) * stats[2u * r + 1u];
      b += d;
    }
  }
  sumG[lid.y][lid.x] = g;
  sumB[lid.y][lid.x] = b;
  workgroupBarrier();
  if (lid.y == 0u && c < u.width) {
    let tg = sumG[0][lid.x] + sumG[1][lid.x] + sumG[2][lid.x] + sumG[3][lid.x];
    let tb = sumB[0][lid.x] + sumB[1][lid.x] + sumB[2][lid.x] + sumB[3][lid.x];
    if (u.chunks == 1u) {
      grads[u.offGradGamma + c] = tg;
      grads[u.offGradBeta + c] = tb;
    } else {
      partial[wg.y * 2u * u.width + c] = tg;
      partial[wg.y * 2u * u.width + u.width + c] = tb;
    }
  }
}
`;

/**
 * out[off + c] = Σ_r x[r, c] over the rows of chunk wg.y (dense bias gradients, the token-type gradient);
 * with several chunks, partials [chunk, width] for SPLIT_REDUCE. Uniform: u32 rows width offOut chunks.
 */
export const COLUMN_SUM_WGSL = /* wgsl */ `
struct Params { rows: u32, width: u32, offOut: u32, chunks: u32 }
@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<storage, read_write> partial: array<f32>;
var<workgroup> part: array<array<f32, 64>, 4>;

@compute @workgroup_size(64, 4)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let c = wg.x * 64u + lid.x;
  let rowEnd = min(u.rows, (wg.y + 1u) * ${COLUMN_CHUNK_ROWS}u);
  var s = 0.0;
  if (c < u.width) {
    for (var r = wg.y * ${COLUMN_CHUNK_ROWS}u + lid.y; r < rowEnd; r += 4u) { s += x[r * u.width + c]; }
  }
  part[lid.y][lid.x] = s;
  workgroupBarrier();
  if (lid.y == 0u && c < u.width) {
    let total = part[0][lid.x] + part[1][lid.x] + part[2][lid.x] + part[3][lid.x];
    if (u.chunks == 1u) { out[u.offOut + c] = total; } else { partial[wg.y * u.width + c] = total; }
  }
}
`;
