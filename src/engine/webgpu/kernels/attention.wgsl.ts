// Fused self-attention for one (sequence, head, query row) per workgroup: scaled logits, Softmax or SSA in
// log space (t = n·sgn(x)·log1p(b|x|)), boolean key mask (masked keys get weight exactly 0), attention
// dropout and the context; and its backward in two passes (rows: dS, dQ and the dn/db partial sums;
// columns: dK, dV). Activations stay in [N, heads·d] layout: no permutes.
import { DROPOUT_WGSL, LOG1P_WGSL, workgroupReduceWgsl } from './common.wgsl.js';

/** Longest sequence and head size the shared-memory rows hold. */
export const ATTENTION_MAX_SEQ = 256;
export const ATTENTION_MAX_HEAD_DIM = 128;

export const ATTENTION_FLAGS = { ssa: 1, perHead: 2 } as const;

const SHARED = /* wgsl */ `
struct Params {
  batch: u32, seq: u32, heads: u32, dim: u32, offN: u32, offB: u32, flags: u32, seed: u32, site: u32,
  offMask: u32, offPartial: u32, scale: f32, dropP: f32,
}
@group(0) @binding(0) var<uniform> u: Params;
${workgroupReduceWgsl(64)}
fn scalar_index(h: u32) -> u32 { return select(0u, h, (u.flags & 2u) != 0u); }
`;

/** Bindings: q k v (read), batch u32 (mask at offMask), params, P (weights [B,H,T,T]), ctx. */
export const ATTENTION_FWD_WGSL = /* wgsl */ `
${DROPOUT_WGSL}
${LOG1P_WGSL}
${SHARED}
@group(0) @binding(1) var<storage, read> q: array<f32>;
@group(0) @binding(2) var<storage, read> k: array<f32>;
@group(0) @binding(3) var<storage, read> v: array<f32>;
@group(0) @binding(4) var<storage, read> batchData: array<u32>;
@group(0) @binding(5) var<storage, read> params: array<f32>;
@group(0) @binding(6) var<storage, read_write> P: array<f32>;
@group(0) @binding(7) var<storage, read_write> ctx: array<f32>;
var<workgroup> qrow: array<f32, ${ATTENTION_MAX_HEAD_DIM}>;
var<workgroup> prow: array<f32, ${ATTENTION_MAX_SEQ}>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let i = wg.x; let h = wg.y; let b = wg.z; let tid = lid.x;
  let T = u.seq; let d = u.dim; let width = u.heads * d;
  let qbase = (b * T + i) * width + h * d;
  for (var e = tid; e < d; e += 64u) { qrow[e] = q[qbase + e]; }
  workgroupBarrier();
  let ssa = (u.flags & 1u) != 0u;
  let n = params[u.offN + scalar_index(h)];
  let bs = params[u.offB + scalar_index(h)];
  var mx = -3.0e38;
  for (var j = tid; j < T; j += 64u) {
    var t = 0.0;
    if (batchData[u.offMask + b * T + j] != 0u) {
      let kbase = (b * T + j) * width + h * d;
      var x = 0.0;
      for (var e = 0u; e < d; e++) { x = fma(qrow[e], k[kbase + e], x); }
      x *= u.scale;
      t = select(x, n * sign(x) * log1p_accurate(bs * abs(x)), ssa);
      mx = max(mx, t);
    }
    prow[j] = t;
  }
  mx = reduce64(mx, tid, true);
  var s = 0.0;
  for (var j = tid; j < T; j += 64u) {
    let w = select(0.0, exp(prow[j] - mx), batchData[u.offMask + b * T + j] != 0u);
    prow[j] = w;
    s += w;
  }
  let total = reduce64(s, tid, false);
  let pbase = ((b * u.heads + h) * T + i) * T;
  for (var j = tid; j < T; j += 64u) {
    let p = prow[j] / total;
    P[pbase + j] = p;
    prow[j] = p * dropout_scale(u.seed, u.site, pbase + j, u.dropP);
  }
  workgroupBarrier();
  for (var e = tid; e < d; e += 64u) {
    var acc = 0.0;
    for (var j = 0u; j < T; j++) { acc = fma(prow[j], v[(b * T + j) * width + h * d + e], acc); }
    ctx[qbase + e] = acc;
  }
}
`;

/**
 * Row pass: dP = dctx·vᵀ (through the dropout mask), dt = P ⊙ (dP − Σ P·dP), dx = dt·dt/dx, dS = dx·scale;
 * dQ = dS·K; per-row partial sums of dt·∂t/∂n and dt·∂t/∂b at dS[offPartial + 2·row]. Masked keys have
 * P = 0 and so contribute nothing. Bindings: q k v dctx P params (read), dS, dQ.
 */
export const ATTENTION_BWD_ROWS_WGSL = /* wgsl */ `
${DROPOUT_WGSL}
${LOG1P_WGSL}
${SHARED}
@group(0) @binding(1) var<storage, read> q: array<f32>;
@group(0) @binding(2) var<storage, read> k: array<f32>;
@group(0) @binding(3) var<storage, read> v: array<f32>;
@group(0) @binding(4) var<storage, read> dctx: array<f32>;
@group(0) @binding(5) var<storage, read> P: array<f32>;
@group(0) @binding(6) var<storage, read> params: array<f32>;
@group(0) @binding(7) var<storage, read_write> dS: array<f32>;
@group(0) @binding(8) var<storage, read_write> dQ: array<f32>;
var<workgroup> qrow: array<f32, ${ATTENTION_MAX_HEAD_DIM}>;
var<workgroup> drow: array<f32, ${ATTENTION_MAX_HEAD_DIM}>;
var<workgroup> dsrow: array<f32, ${ATTENTION_MAX_SEQ}>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let i = wg.x; let h = wg.y; let b = wg.z; let tid = lid.x;
  let T = u.seq; let d = u.dim; let width = u.heads * d;
  let qbase = (b * T + i) * width + h * d;
  for (var e = tid; e < d; e += 64u) { qrow[e] = q[qbase + e]; drow[e] = dctx[qbase + e]; }
  workgroupBarrier();
  let pbase = ((b * u.heads + h) * T + i) * T;
  var rowdot = 0.0;
  for (var j = tid; j < T; j += 64u) {
    let vbase = (b * T + j) * width + h * d;
    var dp = 0.0;
    for (var e = 0u; e < d; e++) { dp = fma(drow[e], v[vbase + e], dp); }
    dp *= dropout_scale(u.seed, u.site, pbase + j, u.dropP);
    dsrow[j] = dp;
    rowdot += P[pbase + j] * dp;
  }
  rowdot = reduce64(rowdot, tid, false);
  let ssa = (u.flags & 1u) != 0u;
  let n = params[u.offN + scalar_index(h)];
  let bs = params[u.offB + scalar_index(h)];
  var sn = 0.0;
  var sb = 0.0;
  for (var j = tid; j < T; j += 64u) {
    let dt = P[pbase + j] * (dsrow[j] - rowdot);
    var dx = dt;
    if (ssa) {
      let kbase = (b * T + j) * width + h * d;
      var x = 0.0;
      for (var e = 0u; e < d; e++) { x = fma(qrow[e], k[kbase + e], x); }
      x *= u.scale;
      let ax = abs(x);
      let sg = sign(x);
      let denom = 1.0 + bs * ax;
      dx = dt * n * bs / denom;
      sn += dt * sg * log1p_accurate(bs * ax);
      sb += dt * n * sg * ax / denom;
    }
    let ds = dx * u.scale;
    dsrow[j] = ds;
    dS[pbase + j] = ds;
  }
  if (ssa) {
    sn = reduce64(sn, tid, false);
    sb = reduce64(sb, tid, false);
    if (tid == 0u) {
      let row = (b * u.heads + h) * T + i;
      dS[u.offPartial + 2u * row] = sn;
      dS[u.offPartial + 2u * row + 1u] = sb;
    }
  }
  workgroupBarrier();
  for (var e = tid; e < d; e += 64u) {
    var acc = 0.0;
    for (var j = 0u; j < T; j++) { acc = fma(dsrow[j], k[(b * T + j) * width + h * d + e], acc); }
    dQ[qbase + e] = acc;
  }
}
`;

/** Column pass, one workgroup per key row j: dK = dSᵀ·Q, dV = (P·keep)ᵀ·dctx. Bindings: q dctx dS P, dK, dV. */
export const ATTENTION_BWD_COLS_WGSL = /* wgsl */ `
${DROPOUT_WGSL}
${SHARED}
@group(0) @binding(1) var<storage, read> q: array<f32>;
@group(0) @binding(2) var<storage, read> dctx: array<f32>;
@group(0) @binding(3) var<storage, read> dS: array<f32>;
@group(0) @binding(4) var<storage, read> P: array<f32>;
@group(0) @binding(5) var<storage, read_write> dK: array<f32>;
@group(0) @binding(6) var<storage, read_write> dV: array<f32>;
var<workgroup> scol: array<f32, ${ATTENTION_MAX_SEQ}>;
var<workgroup> pcol: array<f32, ${ATTENTION_MAX_SEQ}>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let j = wg.x; let h = wg.y; let b = wg.z; let tid = lid.x;
  let T = u.seq; let d = u.dim; let width = u.heads * d;
  for (var i = tid; i < T; i += 64u) {
    let at = ((b * u.heads + h) * T + i) * T + j;
    scol[i] = dS[at];
    pcol[i] = P[at] * dropout_scale(u.seed, u.site, at, u.dropP);
  }
  workgroupBarrier();
  let kbase = (b * T + j) * width + h * d;
  for (var e = tid; e < d; e += 64u) {
    var dk = 0.0;
    var dv = 0.0;
    for (var i = 0u; i < T; i++) {
      let row = (b * T + i) * width + h * d + e;
      dk = fma(scol[i], q[row], dk);
      dv = fma(pcol[i], dctx[row], dv);
    }
    dK[kbase + e] = dk;
    dV[kbase + e] = dv;
  }
}
`;

/**
 * Sums the per-row SSA partials into dn and db: one workgroup per scalar (per layer: all heads; per head:
 * that head). flags: 1 = n trainable, 2 = b trainable, 4 = per head. Bindings: dS (partials), grads.
 * Uniform: u32 batch seq heads offPartial offGradN offGradB flags.
 */
export const SSA_REDUCE_WGSL = /* wgsl */ `
struct Params { batch: u32, seq: u32, heads: u32, offPartial: u32, offGradN: u32, offGradB: u32, flags: u32 }
@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read> dS: array<f32>;
@group(0) @binding(2) var<storage, read_write> grads: array<f32>;
var<workgroup> rn: array<f32, 64>;
var<workgroup> rb: array<f32, 64>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let s = wg.x; let tid = lid.x;
  let perHead = (u.flags & 4u) != 0u;
  let rows = u.batch * u.heads * u.seq;
  var sn = 0.0;
  var sb = 0.0;
  for (var r = tid; r < rows; r += 64u) {
    if (perHead && (r / u.seq) % u.heads != s) { continue; }
    sn += dS[u.offPartial + 2u * r];
    sb += dS[u.offPartial + 2u * r + 1u];
  }
  rn[tid] = sn;
  rb[tid] = sb;
  workgroupBarrier();
  for (var w = 32u; w > 0u; w >>= 1u) {
    if (tid < w) { rn[tid] += rn[tid + w]; rb[tid] += rb[tid + w]; }
    workgroupBarrier();
  }
  if (tid == 0u) {
    if ((u.flags & 1u) != 0u) { grads[u.offGradN + s] = rn[0]; }
    if ((u.flags & 2u) != 0u) { grads[u.offGradB + s] = rb[0]; }
  }
}
`;
