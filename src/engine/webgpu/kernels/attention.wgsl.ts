// Fused self-attention, generated per head size D: scaled logits, Softmax or SSA in log space
// (t = n·sgn(x)·log1p(b|x|)), boolean key mask (masked keys get weight exactly 0), attention dropout and the
// context; and its backward in two passes (rows: dS, dQ and the dn/db partial sums; columns: dK, dV).
// Activations stay in [N, heads·d] layout: no permutes.
// Layout of the work: a workgroup per (sequence, head, block of 64 rows), one thread per row (a query row in the
// forward and row passes, a key row in the column pass). The other side's rows stream through workgroup memory
// in tiles of KT rows, loaded cooperatively and coalesced, read by every thread at the same address (broadcast);
// per-row vectors (q, dctx, accumulators) live in registers, sized by the compile-time D.
import { DROPOUT_WGSL, LOG1P_WGSL, workgroupReduceWgsl } from './common.wgsl.js';

/** Longest sequence and head size the kernels take. */
export const ATTENTION_MAX_SEQ = 256;
export const ATTENTION_MAX_HEAD_DIM = 128;
/** Rows per workgroup: the grid is [ceil(T / ATTENTION_ROWS), heads, batch]. */
export const ATTENTION_ROWS = 64;

export const ATTENTION_FLAGS = { ssa: 1, perHead: 2 } as const;

/** Rows per streamed tile: two tiles of KT·D floats stay within 8 KB of workgroup memory. */
function tileRows(d: number): number {
  return Math.max(4, Math.min(64, Math.floor(1024 / d)));
}

function shared(d: number, subgroups: boolean): string {
  return /* wgsl */ `
struct Params {
  batch: u32, seq: u32, heads: u32, dim: u32, offN: u32, offB: u32, flags: u32, seed: u32, site: u32,
  offMask: u32, offPartial: u32, scale: f32, dropP: f32, maxSeq: u32,
}
@group(0) @binding(0) var<uniform> u: Params;
${workgroupReduceWgsl(ATTENTION_ROWS, subgroups)}
const D: u32 = ${d}u;
const KT: u32 = ${tileRows(d)}u;
fn scalar_index(h: u32) -> u32 { return select(0u, h, (u.flags & 2u) != 0u); }
// Offset of row r's head-h slice in a [B·T, heads·D] activation.
fn row_base(b: u32, r: u32, h: u32) -> u32 { return (b * u.seq + r) * u.heads * D + h * D; }
// Keep factor of the weight of query i on key j, head h, sequence b: counted in the model's longest
// sequence (maxSeq), not the batch's T, so padding never moves a mask.
fn attention_keep(b: u32, h: u32, i: u32, j: u32) -> f32 {
  return dropout_scale(u.seed, u.site, b, (h * u.maxSeq + i) * u.maxSeq + j, u.dropP);
}
`;
}

/**
 * WGSL (inside a kernel's main, where b, h, T and tid are defined) that copies rows r0 … r0+KT−1 of head h of
 * each source activation into its workgroup tile, cooperatively and coalesced; rows past T become zeros.
 */
function loadTilesWgsl(r0: string, copies: [tile: string, source: string][]): string {
  const load = copies.map(([tile, source]) => `${tile}[e] = ${source}[row_base(b, row, h) + e % D];`).join(' ');
  const zero = copies.map(([tile]) => `${tile}[e] = 0.0;`).join(' ');
  return /* wgsl */ `for (var e = tid; e < KT * D; e += ${ATTENTION_ROWS}u) {
      let row = ${r0} + e / D;
      if (row < T) { ${load} } else { ${zero} }
    }`;
}

/** Bindings: q k v (read), batch u32 (mask at offMask), params, P (weights [B,H,T,T]), ctx. */
export function attentionForwardWgsl(d: number, subgroups: boolean): string {
  return /* wgsl */ `
${DROPOUT_WGSL}
${LOG1P_WGSL}
${shared(d, subgroups)}
@group(0) @binding(1) var<storage, read> q: array<f32>;
@group(0) @binding(2) var<storage, read> k: array<f32>;
@group(0) @binding(3) var<storage, read> v: array<f32>;
@group(0) @binding(4) var<storage, read> batchData: array<u32>;
@group(0) @binding(5) var<storage, read> params: array<f32>;
@group(0) @binding(6) var<storage, read_write> P: array<f32>;
@group(0) @binding(7) var<storage, read_write> ctx: array<f32>;
var<workgroup> kt: array<f32, ${tileRows(d) * d}>;
var<workgroup> vt: array<f32, ${tileRows(d) * d}>;
var<workgroup> keyOn: array<u32, ${tileRows(d)}>;

@compute @workgroup_size(${ATTENTION_ROWS})
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let h = wg.y; let b = wg.z; let tid = lid.x;
  let T = u.seq;
  let i = wg.x * ${ATTENTION_ROWS}u + tid;
  let inRange = i < T;
  let ssa = (u.flags & 1u) != 0u;
  let n = params[u.offN + scalar_index(h)];
  let bs = params[u.offB + scalar_index(h)];
  let pbase = ((b * u.heads + h) * T + i) * T;
  var qreg: array<f32, D>;
  var acc: array<f32, D>;
  if (inRange) { for (var e = 0u; e < D; e++) { qreg[e] = q[row_base(b, i, h) + e]; } }
  // Online softmax: running max m and sum l of exp(t − m); acc holds Σ exp(t − m)·keep·v.
  var m = -3.0e38;
  var l = 0.0;
  for (var j0 = 0u; j0 < T; j0 += KT) {
    ${loadTilesWgsl('j0', [['kt', 'k'], ['vt', 'v']])}
    for (var jj = tid; jj < KT; jj += ${ATTENTION_ROWS}u) {
      keyOn[jj] = select(0u, batchData[u.offMask + b * T + j0 + jj], j0 + jj < T);
    }
    workgroupBarrier();
    if (inRange) {
      for (var jj = 0u; jj < min(KT, T - j0); jj++) {
        if (keyOn[jj] == 0u) { continue; }
        var x = 0.0;
        for (var e = 0u; e < D; e++) { x = fma(qreg[e], kt[jj * D + e], x); }
        x *= u.scale;
        let t = select(x, n * sign(x) * log1p_accurate(bs * abs(x)), ssa);
        P[pbase + j0 + jj] = t;
        if (t > m) {
          let c = exp(m - t);
          l *= c;
          for (var e = 0u; e < D; e++) { acc[e] *= c; }
          m = t;
        }
        let w = exp(t - m);
        l += w;
        let kept = w * attention_keep(b, h, i, j0 + jj);
        for (var e = 0u; e < D; e++) { acc[e] = fma(kept, vt[jj * D + e], acc[e]); }
      }
    }
    workgroupBarrier();
  }
  if (!inRange) { return; }
  let inv = select(0.0, 1.0 / l, l > 0.0);
  for (var j = 0u; j < T; j++) {
    let on = batchData[u.offMask + b * T + j] != 0u;
    P[pbase + j] = select(0.0, exp(P[pbase + j] - m) * inv, on);
  }
  for (var e = 0u; e < D; e++) { ctx[row_base(b, i, h) + e] = acc[e] * inv; }
}
`;
}

/**
 * Row pass, a thread per query row i: dP = dctx·vᵀ (through the dropout mask), dt = P ⊙ (dP − Σ P·dP),
 * dx = dt·dt/dx, dS = dx·scale; dQ = dS·K; the workgroup's sums of dt·∂t/∂n and dt·∂t/∂b at
 * dS[offPartial + 2·(((b·heads + h)·blocks + block)]. dS holds dP between the two key sweeps. Masked keys have
 * P = 0 and so contribute nothing. Bindings: q k v dctx P params (read), dS, dQ.
 */
export function attentionBackwardRowsWgsl(d: number, subgroups: boolean): string {
  return /* wgsl */ `
${DROPOUT_WGSL}
${LOG1P_WGSL}
${shared(d, subgroups)}
@group(0) @binding(1) var<storage, read> q: array<f32>;
@group(0) @binding(2) var<storage, read> k: array<f32>;
@group(0) @binding(3) var<storage, read> v: array<f32>;
@group(0) @binding(4) var<storage, read> dctx: array<f32>;
@group(0) @binding(5) var<storage, read> P: array<f32>;
@group(0) @binding(6) var<storage, read> params: array<f32>;
@group(0) @binding(7) var<storage, read_write> dS: array<f32>;
@group(0) @binding(8) var<storage, read_write> dQ: array<f32>;
var<workgroup> tile: array<f32, ${tileRows(d) * d}>;

@compute @workgroup_size(${ATTENTION_ROWS})
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let h = wg.y; let b = wg.z; let tid = lid.x;
  let T = u.seq;
  let i = wg.x * ${ATTENTION_ROWS}u + tid;
  let inRange = i < T;
  let pbase = ((b * u.heads + h) * T + i) * T;
  var qreg: array<f32, D>;
  var dreg: array<f32, D>;
  var dq: array<f32, D>;
  if (inRange) {
    for (var e = 0u; e < D; e++) { qreg[e] = q[row_base(b, i, h) + e]; dreg[e] = dctx[row_base(b, i, h) + e]; }
  }
  var rowdot = 0.0;
  for (var j0 = 0u; j0 < T; j0 += KT) {
    ${loadTilesWgsl('j0', [['tile', 'v']])}
    workgroupBarrier();
    if (inRange) {
      for (var jj = 0u; jj < min(KT, T - j0); jj++) {
        var dp = 0.0;
        for (var e = 0u; e < D; e++) { dp = fma(dreg[e], tile[jj * D + e], dp); }
        dp *= attention_keep(b, h, i, j0 + jj);
        dS[pbase + j0 + jj] = dp;
        rowdot += P[pbase + j0 + jj] * dp;
      }
    }
    workgroupBarrier();
  }
  let ssa = (u.flags & 1u) != 0u;
  let n = params[u.offN + scalar_index(h)];
  let bs = params[u.offB + scalar_index(h)];
  var sn = 0.0;
  var sb = 0.0;
  for (var j0 = 0u; j0 < T; j0 += KT) {
    ${loadTilesWgsl('j0', [['tile', 'k']])}
    workgroupBarrier();
    if (inRange) {
      for (var jj = 0u; jj < min(KT, T - j0); jj++) {
        let at = pbase + j0 + jj;
        let dt = P[at] * (dS[at] - rowdot);
        var dx = dt;
        if (ssa) {
          var x = 0.0;
          for (var e = 0u; e < D; e++) { x = fma(qreg[e], tile[jj * D + e], x); }
          x *= u.scale;
          let ax = abs(x);
          let sg = sign(x);
          let denom = 1.0 + bs * ax;
          dx = dt * n * bs / denom;
          sn += dt * sg * log1p_accurate(bs * ax);
          sb += dt * n * sg * ax / denom;
        }
        let ds = dx * u.scale;
        dS[at] = ds;
        for (var e = 0u; e < D; e++) { dq[e] = fma(ds, tile[jj * D + e], dq[e]); }
      }
    }
    workgroupBarrier();
  }
  if (ssa) {
    sn = reduce${ATTENTION_ROWS}(sn, tid, false);
    sb = reduce${ATTENTION_ROWS}(sb, tid, false);
    if (tid == 0u) {
      let slot = (b * u.heads + h) * gridBlocks() + wg.x;
      dS[u.offPartial + 2u * slot] = sn;
      dS[u.offPartial + 2u * slot + 1u] = sb;
    }
  }
  if (inRange) { for (var e = 0u; e < D; e++) { dQ[row_base(b, i, h) + e] = dq[e]; } }
}
fn gridBlocks() -> u32 { return (u.seq + ${ATTENTION_ROWS}u - 1u) / ${ATTENTION_ROWS}u; }
`;
}

/** Column pass, a thread per key row j: dK = dSᵀ·Q, dV = (P·keep)ᵀ·dctx. Bindings: q dctx dS P, dK, dV. */
export function attentionBackwardColsWgsl(d: number, subgroups: boolean): string {
  return /* wgsl */ `
${DROPOUT_WGSL}
${shared(d, subgroups)}
@group(0) @binding(1) var<storage, read> q: array<f32>;
@group(0) @binding(2) var<storage, read> dctx: array<f32>;
@group(0) @binding(3) var<storage, read> dS: array<f32>;
@group(0) @binding(4) var<storage, read> P: array<f32>;
@group(0) @binding(5) var<storage, read_write> dK: array<f32>;
@group(0) @binding(6) var<storage, read_write> dV: array<f32>;
var<workgroup> qt: array<f32, ${tileRows(d) * d}>;
var<workgroup> gt: array<f32, ${tileRows(d) * d}>;

@compute @workgroup_size(${ATTENTION_ROWS})
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let h = wg.y; let b = wg.z; let tid = lid.x;
  let T = u.seq;
  let j = wg.x * ${ATTENTION_ROWS}u + tid;
  let inRange = j < T;
  var dk: array<f32, D>;
  var dv: array<f32, D>;
  for (var i0 = 0u; i0 < T; i0 += KT) {
    ${loadTilesWgsl('i0', [['qt', 'q'], ['gt', 'dctx']])}
    workgroupBarrier();
    if (inRange) {
      for (var ii = 0u; ii < min(KT, T - i0); ii++) {
        // Consecutive threads read consecutive keys of query row i: coalesced.
        let at = ((b * u.heads + h) * T + i0 + ii) * T + j;
        let ds = dS[at];
        let pk = P[at] * attention_keep(b, h, i0 + ii, j);
        for (var e = 0u; e < D; e++) {
          dk[e] = fma(ds, qt[ii * D + e], dk[e]);
          dv[e] = fma(pk, gt[ii * D + e], dv[e]);
        }
      }
    }
    workgroupBarrier();
  }
  if (!inRange) { return; }
  for (var e = 0u; e < D; e++) { dK[row_base(b, j, h) + e] = dk[e]; dV[row_base(b, j, h) + e] = dv[e]; }
}
`;
}

/**
 * Sums the row pass's per-workgroup SSA partials into dn and db: one workgroup per scalar (per layer: all
 * heads; per head: that head). flags: 1 = n trainable, 2 = b trainable, 4 = per head. Bindings: dS
 * (partials), grads. Uniform: u32 batch blocks (row blocks per sequence) heads offPartial offGradN offGradB flags.
 */
export const SSA_REDUCE_WGSL = /* wgsl */ `
struct Params { batch: u32, blocks: u32, heads: u32, offPartial: u32, offGradN: u32, offGradB: u32, flags: u32 }
@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read> dS: array<f32>;
@group(0) @binding(2) var<storage, read_write> grads: array<f32>;
var<workgroup> rn: array<f32, 64>;
var<workgroup> rb: array<f32, 64>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let s = wg.x; let tid = lid.x;
  let perHead = (u.flags & 4u) != 0u;
  let rows = u.batch * u.heads * u.blocks;
  var sn = 0.0;
  var sb = 0.0;
  for (var r = tid; r < rows; r += 64u) {
    if (perHead && (r / u.blocks) % u.heads != s) { continue; }
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
