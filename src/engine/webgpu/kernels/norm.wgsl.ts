// LayerNorm forward and backward (one workgroup per row), its parameter gradients, and column sums (dense bias
// gradients), for every slot of a run (workgroup z). Activations are per slot, compact [rows, width]; parameters
// and gradients per member (member · paramStride). Statistics are saved as (mean, rstd) per row for the backward.
import { COLUMN_LANES, columnLanesWgsl, DROPOUT_WGSL, GELU_WGSL, workgroupReduceWgsl } from './common.wgsl.js';
import { MEMBER_TABLE_WGSL } from './members.wgsl.js';

export const ROW_THREADS = 64;

/** Uniform: u32 rows width seqLen offGamma offBeta flags(1 = dropout on the output) site paramStride, f32 eps dropP. */
export const layerNormForwardWgsl = (subgroups: boolean): string => /* wgsl */ `
${DROPOUT_WGSL}
${workgroupReduceWgsl(ROW_THREADS, subgroups)}
struct Params {
  rows: u32, width: u32, seqLen: u32, offGamma: u32, offBeta: u32, flags: u32, site: u32, paramStride: u32, eps: f32, dropP: f32,
}
@group(0) @binding(0) var<uniform> u: Params;
${MEMBER_TABLE_WGSL}
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read> params: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;
@group(0) @binding(5) var<storage, read_write> stats: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let row = wg.x + wg.y * 65535u;
  if (row >= u.rows) { return; }
  let slot = wg.z;
  let pbase = slot_member(slot) * u.paramStride;
  let key = slot_key(slot);
  let tid = lid.x;
  let base = (slot * u.rows + row) * u.width;
  var s = 0.0;
  for (var c = tid; c < u.width; c += 64u) { s += x[base + c]; }
  let mean = reduce${ROW_THREADS}(s, tid, false) / f32(u.width);
  var q = 0.0;
  for (var c = tid; c < u.width; c += 64u) { let d = x[base + c] - mean; q += d * d; }
  let rstd = inverseSqrt(reduce${ROW_THREADS}(q, tid, false) / f32(u.width) + u.eps);
  for (var c = tid; c < u.width; c += 64u) {
    var v = (x[base + c] - mean) * rstd * params[pbase + u.offGamma + c] + params[pbase + u.offBeta + c];
    if ((u.flags & 1u) != 0u) { v *= dropout_scale_row(key, u.site, row, c, u.seqLen, u.width, u.dropP); }
    y[base + c] = v;
  }
  let at = 2u * (slot * u.rows + row);
  if (tid == 0u) { stats[at] = mean; stats[at + 1u] = rstd; }
}
`;

/**
 * dx of LayerNorm. flags: 1 = the forward dropped the output (dy is masked with siteIn);
 * 2 = also write dx2 = dx · keep(siteOut) (the dropped dense branch feeding the residual sum);
 * 4 = also write dx2 = dx · gelu'(aux) (LN over a GELU output).
 * Uniform: u32 rows width seqLen offGamma flags siteIn siteOut paramStride, f32 dropP.
 */
export const layerNormBackwardWgsl = (subgroups: boolean): string => /* wgsl */ `
${DROPOUT_WGSL}
${GELU_WGSL}
${workgroupReduceWgsl(ROW_THREADS, subgroups)}
struct Params { rows: u32, width: u32, seqLen: u32, offGamma: u32, flags: u32, siteIn: u32, siteOut: u32, paramStride: u32, dropP: f32 }
@group(0) @binding(0) var<uniform> u: Params;
${MEMBER_TABLE_WGSL}
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read> x: array<f32>;
@group(0) @binding(4) var<storage, read> stats: array<f32>;
@group(0) @binding(5) var<storage, read> params: array<f32>;
@group(0) @binding(6) var<storage, read> aux: array<f32>;
@group(0) @binding(7) var<storage, read_write> dx: array<f32>;
@group(0) @binding(8) var<storage, read_write> dx2: array<f32>;

fn dy_at(i: u32, key: u32, row: u32, c: u32) -> f32 {
  if ((u.flags & 1u) != 0u) { return dy[i] * dropout_scale_row(key, u.siteIn, row, c, u.seqLen, u.width, u.dropP); }
  return dy[i];
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let row = wg.x + wg.y * 65535u;
  if (row >= u.rows) { return; }
  let slot = wg.z;
  let gamma = slot_member(slot) * u.paramStride + u.offGamma;
  let key = slot_key(slot);
  let tid = lid.x;
  let base = (slot * u.rows + row) * u.width;
  let mean = stats[2u * (slot * u.rows + row)];
  let rstd = stats[2u * (slot * u.rows + row) + 1u];
  var sg = 0.0;
  var sgx = 0.0;
  for (var c = tid; c < u.width; c += 64u) {
    let g = dy_at(base + c, key, row, c) * params[gamma + c];
    sg += g;
    sgx += g * (x[base + c] - mean) * rstd;
  }
  let meanG = reduce${ROW_THREADS}(sg, tid, false) / f32(u.width);
  let meanGX = reduce${ROW_THREADS}(sgx, tid, false) / f32(u.width);
  for (var c = tid; c < u.width; c += 64u) {
    let i = base + c;
    let xhat = (x[i] - mean) * rstd;
    let v = rstd * (dy_at(i, key, row, c) * params[gamma + c] - meanG - xhat * meanGX);
    dx[i] = v;
    if ((u.flags & 2u) != 0u) { dx2[i] = v * dropout_scale_row(key, u.siteOut, row, c, u.seqLen, u.width, u.dropP); }
    if ((u.flags & 4u) != 0u) { dx2[i] = v * gelu_grad(aux[i]); }
  }
}
`;

/**
 * Rows per workgroup of the chunked column reductions; one chunk writes its result directly. Small enough that a
 * 512-row batch already spreads over several workgroups per column block (each thread then sums 32 rows).
 */
export const COLUMN_CHUNK_ROWS = 128;

const paramGradLanes = columnLanesWgsl(['g', 'b']);

/**
 * dγ = Σ dy·x̂ and dβ = Σ dy over the rows of chunk wg.y of slot wg.z; with one chunk straight into the member's
 * gradients, else the slot's partials [chunk, 2, width] for SPLIT_REDUCE. Uniform: u32 rows width seqLen
 * offGradGamma offGradBeta flags site chunks paramStride, f32 dropP.
 */
export const LAYERNORM_PARAM_GRAD_WGSL = /* wgsl */ `
${DROPOUT_WGSL}
struct Params {
  rows: u32, width: u32, seqLen: u32, offGradGamma: u32, offGradBeta: u32, flags: u32, site: u32, chunks: u32, paramStride: u32,
  dropP: f32,
}
@group(0) @binding(0) var<uniform> u: Params;
${MEMBER_TABLE_WGSL}
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read> x: array<f32>;
@group(0) @binding(4) var<storage, read> stats: array<f32>;
@group(0) @binding(5) var<storage, read_write> grads: array<f32>;
@group(0) @binding(6) var<storage, read_write> partial: array<f32>;
${paramGradLanes.declare}

@compute @workgroup_size(64, ${COLUMN_LANES})
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let slot = wg.z;
  let key = slot_key(slot);
  let c = wg.x * 64u + lid.x;
  let rowEnd = min(u.rows, (wg.y + 1u) * ${COLUMN_CHUNK_ROWS}u);
  var g = 0.0;
  var b = 0.0;
  if (c < u.width) {
    for (var r = wg.y * ${COLUMN_CHUNK_ROWS}u + lid.y; r < rowEnd; r += ${COLUMN_LANES}u) {
      let i = (slot * u.rows + r) * u.width + c;
      var d = dy[i];
      if ((u.flags & 1u) != 0u) { d *= dropout_scale_row(key, u.site, r, c, u.seqLen, u.width, u.dropP); }
      let at = 2u * (slot * u.rows + r);
      g += d * (x[i] - stats[at]) * stats[at + 1u];
      b += d;
    }
  }
  ${paramGradLanes.reduce(/* wgsl */ `if (c < u.width) {
        if (u.chunks == 1u) {
          let out = slot_member(slot) * u.paramStride;
          grads[out + u.offGradGamma + c] = gTotal;
          grads[out + u.offGradBeta + c] = bTotal;
        } else {
          let at = (slot * u.chunks + wg.y) * 2u * u.width + c;
          partial[at] = gTotal;
          partial[at + u.width] = bTotal;
        }
      }`)}
}
`;

const columnSumLanes = columnLanesWgsl(['s']);

/**
 * out[off + c] = Σ_r x[r, c] over the rows of chunk wg.y of slot wg.z, into the member's gradients (dense bias
 * gradients, the token-type gradient); with several chunks, the slot's partials [chunk, width] for SPLIT_REDUCE.
 * Uniform: u32 rows width offOut chunks paramStride.
 */
export const COLUMN_SUM_WGSL = /* wgsl */ `
struct Params { rows: u32, width: u32, offOut: u32, chunks: u32, paramStride: u32 }
@group(0) @binding(0) var<uniform> u: Params;
${MEMBER_TABLE_WGSL}
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@group(0) @binding(4) var<storage, read_write> partial: array<f32>;
${columnSumLanes.declare}

@compute @workgroup_size(64, ${COLUMN_LANES})
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let slot = wg.z;
  let c = wg.x * 64u + lid.x;
  let rowEnd = min(u.rows, (wg.y + 1u) * ${COLUMN_CHUNK_ROWS}u);
  var s = 0.0;
  if (c < u.width) {
    for (var r = wg.y * ${COLUMN_CHUNK_ROWS}u + lid.y; r < rowEnd; r += ${COLUMN_LANES}u) { s += x[(slot * u.rows + r) * u.width + c]; }
  }
  ${columnSumLanes.reduce(/* wgsl */ `if (c < u.width) {
        if (u.chunks == 1u) {
          out[slot_member(slot) * u.paramStride + u.offOut + c] = sTotal;
        } else {
          partial[(slot * u.chunks + wg.y) * u.width + c] = sTotal;
        }
      }`)}
}
`;
