// Tiled matmul C[M,N] = op(A)·op(B) with fused epilogues: bias, GELU (saving the pre-activation), dropout,
// residual add, GELU-gradient multiply, accumulate. Every dense layer of the model, forward and backward, for
// every slot of a run in one dispatch (workgroup z = slot · splits + K-chunk).
import { DROPOUT_WGSL, GELU_WGSL } from './common.wgsl.js';
import { MEMBER_TABLE_WGSL } from './members.wgsl.js';

/** Epilogue switches (bit flags in the uniform), applied in this order. */
export const MATMUL_FLAGS = {
  bias: 1, // + bias[j]
  gelu: 2, // aux ← v (pre-activation); v ← gelu(v)
  dropout: 4, // v ← v · keep(key, site, row i of its sequence, column j)
  residual: 8, // v ← v + aux[i, j]
  geluGrad: 16, // v ← v · gelu'(aux[i, j])
  accumulate: 32, // v ← v + C[i, j]
  splitK: 64, // raw partial sum of K-chunk z to aux[z·M·N + i·N + j]; SPLIT_REDUCE sums the chunks
} as const;

/**
 * Which operands live in a per-member buffer (parameters, gradients: member · paramStride) rather than a per-slot
 * activation (slot · its compact [rows, cols] size). The bias is always a parameter.
 */
export const MATMUL_BY_MEMBER = { a: 1, b: 2, c: 4 } as const;

// No 128 tile (8×8 outputs per thread): on the H200 it ran 2.4–3.3× slower than the 64 tile at every shape tried
// (bench/RESULTS.md, 2026-12-02), most likely because its 64 accumulators do not stay in registers.
export type MatmulTile = 32 | 64;
export const MATMUL_TILE = 64;
export const MATMUL_SMALL_TILE = 32;
/** Below this many 64-tile workgroups the 32-tile kernel keeps more of the GPU busy. */
const SMALL_TILE_BELOW = 128;

/**
 * The tile size for an M×N output split `splits` ways along K, computed for `slots` slots at once. Only the
 * workgroup count depends on it, never the arithmetic: each output sums its K-chunk in the same order whatever the tile.
 */
export function matmulTile(m: number, n: number, splits: number, slots = 1): MatmulTile {
  const count = (tile: number) => Math.ceil(m / tile) * Math.ceil(n / tile) * splits * slots;
  return count(MATMUL_TILE) < SMALL_TILE_BELOW ? MATMUL_SMALL_TILE : MATMUL_TILE;
}
/** Split-K spreads a matmul over at most this many workgroups… */
export const SPLIT_K_WORKGROUPS = 256;
/** …giving each K-chunk at least this many steps of K. */
const SPLIT_K_MIN_CHUNK = 128;
/** Upper bound of split · M · N (split ≤ workgroups / tiles): the partials buffer size. */
export const SPLIT_K_MAX_PARTIALS = SPLIT_K_WORKGROUPS * MATMUL_TILE * MATMUL_TILE;

/**
 * Number of K-chunks for an M×N×K product: 1 unless the output is small and K long (weight gradients). It depends
 * on one member's shape only, never on how many slots run: a member's sums are the same in any group.
 */
export function splitKCount(m: number, n: number, k: number): number {
  const tiles = Math.ceil(m / MATMUL_TILE) * Math.ceil(n / MATMUL_TILE);
  return Math.max(1, Math.min(Math.floor(k / SPLIT_K_MIN_CHUNK), Math.floor(SPLIT_K_WORKGROUPS / tiles)));
}

/**
 * The matmul kernel for square output tiles of 64 (4×4 outputs per thread) or 32 (2×2; four times the workgroups,
 * for small outputs). Offsets are within a member's or a slot's region. Uniform fields in order: u32 M N
 * K transA transB offA offB offBias offC flags site kChunk splits seqLen (T: rows are b·T + t) paramStride byMember,
 * f32 dropP.
 */
export function matmulSource(tile: MatmulTile): string {
  const per = tile / 16;
  return /* wgsl */ `
${GELU_WGSL}
${DROPOUT_WGSL}
struct Params {
  M: u32, N: u32, K: u32, transA: u32, transB: u32, offA: u32, offB: u32, offBias: u32,
  offC: u32, flags: u32, site: u32, kChunk: u32, splits: u32, seqLen: u32, paramStride: u32, byMember: u32, dropP: f32,
}
@group(0) @binding(0) var<uniform> u: Params;
${MEMBER_TABLE_WGSL}
@group(0) @binding(2) var<storage, read> A: array<f32>;
@group(0) @binding(3) var<storage, read> B: array<f32>;
@group(0) @binding(4) var<storage, read> bias: array<f32>;
@group(0) @binding(5) var<storage, read_write> aux: array<f32>;
@group(0) @binding(6) var<storage, read_write> C: array<f32>;

// Start of an operand's region: the member's parameters, or the slot's [rows, cols] activation of 'size' floats.
fn region(bit: u32, slot: u32, member: u32, size: u32) -> u32 {
  return select(slot * size, member * u.paramStride, (u.byMember & bit) != 0u);
}

const TILE: u32 = ${tile}u;
const TK: u32 = 16u;
// Rows padded by 2: the K-fastest stores of an untransposed A (or a transposed B) then hit distinct banks.
var<workgroup> As: array<array<f32, ${tile + 2}>, 16>; // [k][m]
var<workgroup> Bs: array<array<f32, ${tile + 2}>, 16>; // [k][n]
var<private> nextA: array<f32, ${per}>;
var<private> nextB: array<f32, ${per}>;

// Loads the K-tile at k0 into registers; called one tile ahead so the global loads overlap the FMAs.
fn load_tile(baseA: u32, baseB: u32, row0: u32, col0: u32, k0: u32, kEnd: u32, tid: u32) {
  for (var l = 0u; l < ${per}u; l++) {
    let e = tid + l * 256u;
    // Loads walk memory contiguously for either storage order of each operand.
    var m: u32; var ka: u32;
    if (u.transA == 1u) { m = e % TILE; ka = e / TILE; } else { ka = e % TK; m = e / TK; }
    let gm = row0 + m; let gka = k0 + ka;
    var a = 0.0;
    if (gm < u.M && gka < kEnd) {
      if (u.transA == 1u) { a = A[baseA + gka * u.M + gm]; } else { a = A[baseA + gm * u.K + gka]; }
    }
    nextA[l] = a;
    var n: u32; var kb: u32;
    if (u.transB == 1u) { kb = e % TK; n = e / TK; } else { n = e % TILE; kb = e / TILE; }
    let gn = col0 + n; let gkb = k0 + kb;
    var b = 0.0;
    if (gn < u.N && gkb < kEnd) {
      if (u.transB == 1u) { b = B[baseB + gn * u.K + gkb]; } else { b = B[baseB + gkb * u.N + gn]; }
    }
    nextB[l] = b;
  }
}

fn store_tile(tid: u32) {
  for (var l = 0u; l < ${per}u; l++) {
    let e = tid + l * 256u;
    if (u.transA == 1u) { As[e / TILE][e % TILE] = nextA[l]; } else { As[e % TK][e / TK] = nextA[l]; }
    if (u.transB == 1u) { Bs[e % TK][e / TK] = nextB[l]; } else { Bs[e / TILE][e % TILE] = nextB[l]; }
  }
}

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let row0 = wg.y * TILE;
  let col0 = wg.x * TILE;
  let tid = lid.y * 16u + lid.x;
  let slot = wg.z / u.splits;
  let member = slot_member(slot);
  let baseA = region(1u, slot, member, u.M * u.K) + u.offA;
  let baseB = region(2u, slot, member, u.K * u.N) + u.offB;
  let baseC = region(4u, slot, member, u.M * u.N) + u.offC;
  let baseAux = slot * u.M * u.N;
  let baseBias = member * u.paramStride + u.offBias;
  let key = slot_key(slot);
  var acc: array<array<f32, ${per}>, ${per}>;
  // The workgroup reduces K-chunk 'split' (split-K: many workgroups for a small output with a long K).
  let split = wg.z % u.splits;
  let kBegin = split * u.kChunk;
  let kEnd = min(u.K, kBegin + u.kChunk);
  load_tile(baseA, baseB, row0, col0, kBegin, kEnd, tid);
  for (var k0 = kBegin; k0 < kEnd; k0 += TK) {
    store_tile(tid);
    workgroupBarrier();
    if (k0 + TK < kEnd) { load_tile(baseA, baseB, row0, col0, k0 + TK, kEnd, tid); }
    for (var k = 0u; k < TK; k++) {
      var av: array<f32, ${per}>;
      var bv: array<f32, ${per}>;
      for (var r = 0u; r < ${per}u; r++) { av[r] = As[k][lid.y + 16u * r]; bv[r] = Bs[k][lid.x + 16u * r]; }
      for (var r = 0u; r < ${per}u; r++) {
        for (var c = 0u; c < ${per}u; c++) { acc[r][c] = fma(av[r], bv[c], acc[r][c]); }
      }
    }
    workgroupBarrier();
  }
  for (var r = 0u; r < ${per}u; r++) {
    let i = row0 + lid.y + 16u * r;
    if (i >= u.M) { continue; }
    for (var c = 0u; c < ${per}u; c++) {
      let j = col0 + lid.x + 16u * c;
      if (j >= u.N) { continue; }
      let at = i * u.N + j;
      var v = acc[r][c];
      if ((u.flags & 64u) != 0u) { aux[(slot * u.splits + split) * u.M * u.N + at] = v; continue; }
      if ((u.flags & 1u) != 0u) { v += bias[baseBias + j]; }
      if ((u.flags & 2u) != 0u) { aux[baseAux + at] = v; v = gelu(v); }
      if ((u.flags & 4u) != 0u) { v *= dropout_scale_row(key, u.site, i, j, u.seqLen, u.N, u.dropP); }
      if ((u.flags & 8u) != 0u) { v += aux[baseAux + at]; }
      if ((u.flags & 16u) != 0u) { v *= gelu_grad(aux[baseAux + at]); }
      if ((u.flags & 32u) != 0u) { v += C[baseC + at]; }
      C[baseC + at] = v;
    }
  }
}
`;
}

/**
 * out[off_p + c] (+)= Σ_z partial[z·parts·width + p·width + c] for c < width, p < parts, per slot (workgroup z):
 * finishes split-K matmuls (parts 1, width M·N) and chunked column sums (LayerNorm: parts 2, γ and β). A slot's
 * partials are its splits·parts·width floats; its output is the member's gradients (outByMember) or its activation.
 * Uniform: u32 width parts splits offOut0 offOut1 flags(1 = accumulate) outByMember paramStride.
 */
export const SPLIT_REDUCE_WGSL = /* wgsl */ `
struct Params { width: u32, parts: u32, splits: u32, offOut0: u32, offOut1: u32, flags: u32, outByMember: u32, paramStride: u32 }
@group(0) @binding(0) var<uniform> u: Params;
${MEMBER_TABLE_WGSL}
@group(0) @binding(2) var<storage, read> partial: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let i = (wg.y * 65535u + wg.x) * 256u + lid.x;
  let total = u.parts * u.width;
  if (i >= total) { return; }
  let slot = wg.z;
  let first = slot * u.splits * total;
  var s = 0.0;
  for (var z = 0u; z < u.splits; z++) { s += partial[first + z * total + i]; }
  let region = select(slot * total, slot_member(slot) * u.paramStride, u.outByMember != 0u);
  let at = region + select(u.offOut0 + i, u.offOut1 + i - u.width, i >= u.width);
  if ((u.flags & 1u) != 0u) { s += out[at]; }
  out[at] = s;
}
`;
