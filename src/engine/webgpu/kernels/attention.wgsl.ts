// Fused self-attention, generated per head size D: scaled logits, Softmax or SSA in log space
// (t = n·sgn(x)·log1p(b|x|)), boolean key mask (masked keys get weight exactly 0), attention dropout and the
// context; and its backward in two passes (rows: dS, dQ and the dn/db partial sums; columns: dK, dV).
// Activations stay in row layout, no permutes: q, k and v side by side in one [N, 3·heads·d] activation (the
// fused QKV projection's output), the context in [N, heads·d]. Softmax or SSA, and per-head or per-layer n and b,
// are each slot's own (the member table), so members of either kind share every dispatch.
// Layout of the work: a workgroup per (slot, sequence, head, block of 64 rows), one thread per row (a query row in the
// forward and row passes, a key row in the column pass). The other side's rows stream through workgroup memory
// in tiles of KT rows, loaded cooperatively and coalesced, read by every thread at the same address (broadcast);
// per-row vectors (q, dctx, accumulators) live in registers, sized by the compile-time D.
import { DROPOUT_WGSL, LOG1P_WGSL, workgroupReduceWgsl } from './common.wgsl.js';
import { MEMBER_FLAGS, MEMBER_TABLE_WGSL } from './members.wgsl.js';

/** Longest sequence and head size the kernels take. */
export const ATTENTION_MAX_SEQ = 256;
export const ATTENTION_MAX_HEAD_DIM = 128;
/** Rows per workgroup: the grid is [ceil(T / ATTENTION_ROWS), heads, slots · batch]. */
export const ATTENTION_ROWS = 64;

/** Rows per streamed tile: two tiles of KT·D floats stay within 8 KB of workgroup memory. */
function tileRows(d: number): number {
  return Math.max(4, Math.min(64, Math.floor(1024 / d)));
}

function shared(d: number, subgroups: boolean): string {
  return /* wgsl */ `
struct Params {
  batch: u32, seq: u32, heads: u32, offN: u32, offB: u32, site: u32, offMask: u32, offPartial: u32, maxSeq: u32,
  paramStride: u32, scale: f32, dropP: f32,
}
@group(0) @binding(0) var<uniform> u: Params;
${MEMBER_TABLE_WGSL}
${workgroupReduceWgsl(ATTENTION_ROWS, subgroups)}
const D: u32 = ${d}u;
const KT: u32 = ${tileRows(d)}u;
// The workgroup's slot and sequence.
fn slot_of(wg: vec3u) -> u32 { return wg.z / u.batch; }
fn seq_of(wg: vec3u) -> u32 { return wg.z % u.batch; }
fn is_ssa(slot: u32) -> bool { return slot_has(slot, ${MEMBER_FLAGS.ssa}u); }
// Where head h's n and b sit in the member's parameters: one pair per head, or the layer's pair for every head.
fn scalar_at(slot: u32, off: u32, h: u32) -> u32 {
  return slot_member(slot) * u.paramStride + off + select(0u, h, slot_has(slot, ${MEMBER_FLAGS.perHead}u));
}
// Offset of row r's head-h slice of part p (0 q, 1 k, 2 v) in the slot's [B·T, 3·heads·D] activation.
fn qkv_at(slot: u32, b: u32, r: u32, h: u32, p: u32) -> u32 {
  return ((slot * u.batch + b) * u.seq + r) * 3u * u.heads * D + p * u.heads * D + h * D;
}
// Offset of row r's head-h slice in the slot's [B·T, heads·D] context (or its gradient).
fn ctx_at(slot: u32, b: u32, r: u32, h: u32) -> u32 { return ((slot * u.batch + b) * u.seq + r) * u.heads * D + h * D; }
// Start of query row i of head h in the slot's [B, heads, T, T] weights (and in dS, which shares the layout).
fn scores_at(slot: u32, b: u32, h: u32, i: u32) -> u32 { return (((slot * u.batch + b) * u.heads + h) * u.seq + i) * u.seq; }
// Dropout of weight (i, j) of head h, indexed within the sequence as if it had the model's full length maxSeq.
fn attention_keep(key: u32, b: u32, h: u32, i: u32, j: u32) -> f32 {
  return dropout_scale(key, u.site, b, (h * u.maxSeq + i) * u.maxSeq + j, u.dropP);
}
`;
}

/**
 * WGSL (inside a kernel's main, where T and tid are defined) that copies rows r0 … r0+KT−1 into workgroup tiles,
 * cooperatively and coalesced; `copies` pairs a tile with the WGSL of element e of row `row`'s head slice
 * (e.g. `qkv[qkv_at(slot, b, row, h, 1u) + e % D]`); rows past T become zeros.
 */
function loadTilesWgsl(r0: string, copies: [tile: string, source: string][]): string {
  const load = copies.map(([tile, source]) => `${tile}[e] = ${source};`).join(' ');
  const zero = copies.map(([tile]) => `${tile}[e] = 0.0;`).join(' ');
  return /* wgsl */ `for (var e = tid; e < KT * D; e += ${ATTENTION_ROWS}u) {
      let row = ${r0} + e / D;
      if (row < T) { ${load} } else { ${zero} }
    }`;
}

/** Bindings: batch (member table, mask at offMask), qkv, params (read), P (weights [B,H,T,T]), ctx. */
export function attentionForwardWgsl(d: number, subgroups: boolean): string {
  return /* wgsl */ `
${DROPOUT_WGSL}
${LOG1P_WGSL}
${shared(d, subgroups)}
@group(0) @binding(2) var<storage, read> qkv: array<f32>;
@group(0) @binding(3) var<storage, read> params: array<f32>;
@group(0) @binding(4) var<storage, read_write> P: array<f32>;
@group(0) @binding(5) var<storage, read_write> ctx: array<f32>;
var<workgroup> kt: array<f32, ${tileRows(d) * d}>;
var<workgroup> vt: array<f32, ${tileRows(d) * d}>;
var<workgroup> keyOn: array<u32, ${tileRows(d)}>;

@compute @workgroup_size(${ATTENTION_ROWS})
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let h = wg.y; let slot = slot_of(wg); let b = seq_of(wg); let tid = lid.x;
  let T = u.seq;
  let i = wg.x * ${ATTENTION_ROWS}u + tid;
  let inRange = i < T;
  let ssa = is_ssa(slot);
  let n = params[scalar_at(slot, u.offN, h)];
  let bs = params[scalar_at(slot, u.offB, h)];
  let key = slot_key(slot);
  let mask = slot_base(slot) + u.offMask + b * T;
  let pbase = scores_at(slot, b, h, i);
  var qreg: array<f32, D>;
  var acc: array<f32, D>;
  if (inRange) { for (var e = 0u; e < D; e++) { qreg[e] = qkv[qkv_at(slot, b, i, h, 0u) + e]; } }
  // Online softmax: running max m and sum l of exp(t − m); acc holds Σ exp(t − m)·keep·v.
  var m = -3.0e38;
  var l = 0.0;
  for (var j0 = 0u; j0 < T; j0 += KT) {
    ${loadTilesWgsl('j0', [['kt', 'qkv[qkv_at(slot, b, row, h, 1u) + e % D]'], ['vt', 'qkv[qkv_at(slot, b, row, h, 2u) + e % D]']])}
    for (var jj = tid; jj < KT; jj += ${ATTENTION_ROWS}u) {
      keyOn[jj] = select(0u, batchData[mask + j0 + jj], j0 + jj < T);
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
        let kept = w * attention_keep(key, b, h, i, j0 + jj);
        for (var e = 0u; e < D; e++) { acc[e] = fma(kept, vt[jj * D + e], acc[e]); }
      }
    }
    workgroupBarrier();
  }
  if (!inRange) { return; }
  let inv = select(0.0, 1.0 / l, l > 0.0);
  for (var j = 0u; j < T; j++) {
    let on = batchData[mask + j] != 0u;
    P[pbase + j] = select(0.0, exp(P[pbase + j] - m) * inv, on);
  }
  for (var e = 0u; e < D; e++) { ctx[ctx_at(slot, b, i, h) + e] = acc[e] * inv; }
}
`;
}

/**
 * Row pass, a thread per query row i: dP = dctx·vᵀ (through the dropout mask), dt = P ⊙ (dP − Σ P·dP),
 * dx = dt·dt/dx, dS = dx·scale; dQ = dS·K (into the q part of dqkv); the workgroup's sums of dt·∂t/∂n and dt·∂t/∂b
 * at dS[offPartial + 2·(((slot·batch + b)·heads + h)·blocks + block)] (after every slot's scores). dS holds dP
 * between the two key sweeps. Masked keys have P = 0 and so contribute nothing. Bindings: batch, qkv dctx P
 * params (read), dS, dqkv.
 */
export function attentionBackwardRowsWgsl(d: number, subgroups: boolean): string {
  return /* wgsl */ `
${DROPOUT_WGSL}
${LOG1P_WGSL}
${shared(d, subgroups)}
@group(0) @binding(2) var<storage, read> qkv: array<f32>;
@group(0) @binding(3) var<storage, read> dctx: array<f32>;
@group(0) @binding(4) var<storage, read> P: array<f32>;
@group(0) @binding(5) var<storage, read> params: array<f32>;
@group(0) @binding(6) var<storage, read_write> dS: array<f32>;
@group(0) @binding(7) var<storage, read_write> dqkv: array<f32>;
var<workgroup> tile: array<f32, ${tileRows(d) * d}>;

@compute @workgroup_size(${ATTENTION_ROWS})
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let h = wg.y; let slot = slot_of(wg); let b = seq_of(wg); let tid = lid.x;
  let T = u.seq;
  let i = wg.x * ${ATTENTION_ROWS}u + tid;
  let inRange = i < T;
  let key = slot_key(slot);
  let pbase = scores_at(slot, b, h, i);
  var qreg: array<f32, D>;
  var dreg: array<f32, D>;
  var dq: array<f32, D>;
  if (inRange) {
    for (var e = 0u; e < D; e++) { qreg[e] = qkv[qkv_at(slot, b, i, h, 0u) + e]; dreg[e] = dctx[ctx_at(slot, b, i, h) + e]; }
  }
  var rowdot = 0.0;
  for (var j0 = 0u; j0 < T; j0 += KT) {
    ${loadTilesWgsl('j0', [['tile', 'qkv[qkv_at(slot, b, row, h, 2u) + e % D]']])}
    workgroupBarrier();
    if (inRange) {
      for (var jj = 0u; jj < min(KT, T - j0); jj++) {
        var dp = 0.0;
        for (var e = 0u; e < D; e++) { dp = fma(dreg[e], tile[jj * D + e], dp); }
        dp *= attention_keep(key, b, h, i, j0 + jj);
        dS[pbase + j0 + jj] = dp;
        rowdot += P[pbase + j0 + jj] * dp;
      }
    }
    workgroupBarrier();
  }
  let ssa = is_ssa(slot);
  let n = params[scalar_at(slot, u.offN, h)];
  let bs = params[scalar_at(slot, u.offB, h)];
  var sn = 0.0;
  var sb = 0.0;
  for (var j0 = 0u; j0 < T; j0 += KT) {
    ${loadTilesWgsl('j0', [['tile', 'qkv[qkv_at(slot, b, row, h, 1u) + e % D]']])}
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
  // Reduced for softmax slots too (sums of zeros, unused): the member table is not uniform control flow.
  sn = reduce${ATTENTION_ROWS}(sn, tid, false);
  sb = reduce${ATTENTION_ROWS}(sb, tid, false);
  if (ssa && tid == 0u) {
    let at = u.offPartial + 2u * (((slot * u.batch + b) * u.heads + h) * gridBlocks() + wg.x);
    dS[at] = sn;
    dS[at + 1u] = sb;
  }
  if (inRange) { for (var e = 0u; e < D; e++) { dqkv[qkv_at(slot, b, i, h, 0u) + e] = dq[e]; } }
}
fn gridBlocks() -> u32 { return (u.seq + ${ATTENTION_ROWS}u - 1u) / ${ATTENTION_ROWS}u; }
`;
}

/**
 * Column pass, a thread per key row j: dK = dSᵀ·Q, dV = (P·keep)ᵀ·dctx, into the k and v parts of dqkv.
 * Bindings: batch, qkv dctx dS P (read), dqkv.
 */
export function attentionBackwardColsWgsl(d: number, subgroups: boolean): string {
  return /* wgsl */ `
${DROPOUT_WGSL}
${shared(d, subgroups)}
@group(0) @binding(2) var<storage, read> qkv: array<f32>;
@group(0) @binding(3) var<storage, read> dctx: array<f32>;
@group(0) @binding(4) var<storage, read> dS: array<f32>;
@group(0) @binding(5) var<storage, read> P: array<f32>;
@group(0) @binding(6) var<storage, read_write> dqkv: array<f32>;
var<workgroup> qt: array<f32, ${tileRows(d) * d}>;
var<workgroup> gt: array<f32, ${tileRows(d) * d}>;

@compute @workgroup_size(${ATTENTION_ROWS})
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let h = wg.y; let slot = slot_of(wg); let b = seq_of(wg); let tid = lid.x;
  let T = u.seq;
  let j = wg.x * ${ATTENTION_ROWS}u + tid;
  let inRange = j < T;
  let key = slot_key(slot);
  var dk: array<f32, D>;
  var dv: array<f32, D>;
  for (var i0 = 0u; i0 < T; i0 += KT) {
    ${loadTilesWgsl('i0', [['qt', 'qkv[qkv_at(slot, b, row, h, 0u) + e % D]'], ['gt', 'dctx[ctx_at(slot, b, row, h) + e % D]']])}
    workgroupBarrier();
    if (inRange) {
      for (var ii = 0u; ii < min(KT, T - i0); ii++) {
        // Consecutive threads read consecutive keys of query row i: coalesced.
        let at = scores_at(slot, b, h, i0 + ii) + j;
        let ds = dS[at];
        let pk = P[at] * attention_keep(key, b, h, i0 + ii, j);
        for (var e = 0u; e < D; e++) {
          dk[e] = fma(ds, qt[ii * D + e], dk[e]);
          dv[e] = fma(pk, gt[ii * D + e], dv[e]);
        }
      }
    }
    workgroupBarrier();
  }
  if (!inRange) { return; }
  for (var e = 0u; e < D; e++) {
    dqkv[qkv_at(slot, b, j, h, 1u) + e] = dk[e];
    dqkv[qkv_at(slot, b, j, h, 2u) + e] = dv[e];
  }
}
`;
}

/**
 * Sums the row pass's per-workgroup SSA partials of slot wg.z into the member's dn and db: one workgroup per
 * scalar wg.x (per layer: workgroup 0 sums all heads; per head: that head's), writing only what the member trains.
 * Bindings: batch, dS (partials), grads. Uniform: u32 batch blocks (row blocks per sequence) heads offPartial
 * offGradN offGradB paramStride.
 */
export const SSA_REDUCE_WGSL = /* wgsl */ `
struct Params { batch: u32, blocks: u32, heads: u32, offPartial: u32, offGradN: u32, offGradB: u32, paramStride: u32 }
@group(0) @binding(0) var<uniform> u: Params;
${MEMBER_TABLE_WGSL}
@group(0) @binding(2) var<storage, read> dS: array<f32>;
@group(0) @binding(3) var<storage, read_write> grads: array<f32>;
var<workgroup> rn: array<f32, 64>;
var<workgroup> rb: array<f32, 64>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let s = wg.x; let slot = wg.z; let tid = lid.x;
  let perHead = slot_has(slot, ${MEMBER_FLAGS.perHead}u);
  let rows = u.batch * u.heads * u.blocks;
  let first = u.offPartial + 2u * slot * rows;
  var sn = 0.0;
  var sb = 0.0;
  for (var r = tid; r < rows; r += 64u) {
    if (perHead && (r / u.blocks) % u.heads != s) { continue; }
    sn += dS[first + 2u * r];
    sb += dS[first + 2u * r + 1u];
  }
  rn[tid] = sn;
  rb[tid] = sb;
  workgroupBarrier();
  for (var w = 32u; w > 0u; w >>= 1u) {
    if (tid < w) { rn[tid] += rn[tid + w]; rb[tid] += rb[tid + w]; }
    workgroupBarrier();
  }
  let ssa = slot_has(slot, ${MEMBER_FLAGS.ssa}u);
  if (tid == 0u && ssa && (perHead || s == 0u)) {
    let out = slot_member(slot) * u.paramStride;
    if (slot_has(slot, ${MEMBER_FLAGS.nTrainable}u)) { grads[out + u.offGradN + s] = rn[0]; }
    if (slot_has(slot, ${MEMBER_FLAGS.bTrainable}u)) { grads[out + u.offGradB + s] = rb[0]; }
  }
}
`;
