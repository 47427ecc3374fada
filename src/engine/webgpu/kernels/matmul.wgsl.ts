// Tiled matmul C[M,N] = op(A)·op(B) with fused epilogues: bias, GELU (saving the pre-activation), dropout,
// residual add, GELU-gradient multiply, accumulate. Every dense layer of the model, forward and backward.
import { DROPOUT_WGSL, GELU_WGSL } from './common.wgsl.js';

/** Epilogue switches (bit flags in the uniform), applied in this order. */
export const MATMUL_FLAGS = {
  bias: 1, // + bias[j]
  gelu: 2, // aux ← v (pre-activation); v ← gelu(v)
  dropout: 4, // v ← v · keep(seed, site, i·N + j)
  residual: 8, // v ← v + aux[i, j]
  geluGrad: 16, // v ← v · gelu'(aux[i, j])
  accumulate: 32, // v ← v + C[i, j]
  splitK: 64, // raw partial sum of K-chunk z to aux[z·M·N + i·N + j]; SPLIT_REDUCE sums the chunks
} as const;

export const MATMUL_TILE = 64;
export const MATMUL_SMALL_TILE = 32;
/** Below this many 64-tile workgroups the 32-tile kernel keeps more of the GPU busy. */
const SMALL_TILE_BELOW = 128;

/** The tile size for an M×N output split `splits` ways along K. */
export function matmulTile(m: number, n: number, splits: number): 32 | 64 {
  const tiles = Math.ceil(m / MATMUL_TILE) * Math.ceil(n / MATMUL_TILE) * splits;
  return tiles < SMALL_TILE_BELOW ? MATMUL_SMALL_TILE : MATMUL_TILE;
}
/** Split-K spreads a matmul over at most this many workgroups… */
const SPLIT_K_WORKGROUPS = 256;
/** …giving each K-chunk at least this many steps of K. */
const SPLIT_K_MIN_CHUNK = 128;
/** Upper bound of split · M · N (split ≤ workgroups / tiles): the partials buffer size. */
export const SPLIT_K_MAX_PARTIALS = SPLIT_K_WORKGROUPS * MATMUL_TILE * MATMUL_TILE;

/** Number of K-chunks for an M×N×K product: 1 unless the output is small and K long (weight gradients). */
export function splitKCount(m: number, n: number, k: number): number {
  const tiles = Math.ceil(m / MATMUL_TILE) * Math.ceil(n / MATMUL_TILE);
  return Math.max(1, Math.min(Math.floor(k / SPLIT_K_MIN_CHUNK), Math.floor(SPLIT_K_WORKGROUPS / tiles)));
}

/**
 * The matmul kernel for square output tiles of 64 (4×4 outputs per thread) or 32 (2×2; four times the
 * workgroups, for small outputs). Uniform fields in order: u32 M N K transA transB offA offB offBias offC
 * flags seed site kChunk, f32 dropP, u32 seqLen (T: the dropout epilogue's rows are b·T + t).
 */
export function matmulSource(tile: 32 | 64): string {
  const per = tile / 16;
  return /* wgsl */ `
${GELU_WGSL}
${DROPOUT_WGSL}
struct Params {
  M: u32, N: u32, K: u32, transA: u32, transB: u32, offA: u32, offB: u32, offBias: u32,
  offC: u32, flags: u32, seed: u32, site: u32, kChunk: u32, dropP: f32, seqLen: u32,
}
@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read> A: array<f32>;
@group(0) @binding(2) var<storage, read> B: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> aux: array<f32>;
@group(0) @binding(5) var<storage, read_write> C: array<f32>;

const TILE: u32 = ${tile}u;
const TK: u32 = 16u;
// Rows padded by 2: the K-fastest stores of an untransposed A (or a transposed B) then hit distinct banks.
var<workgroup> As: array<array<f32, ${tile + 2}>, 16>; // [k][m]
var<workgroup> Bs: array<array<f32, ${tile + 2}>, 16>; // [k][n]
var<private> nextA: array<f32, ${per}>;
var<private> nextB: array<f32, ${per}>;

// Loads the K-tile at k0 into registers; called one tile ahead so the global loads overlap the FMAs.
fn load_tile(row0: u32, col0: u32, k0: u32, kEnd: u32, tid: u32) {
  for (var l = 0u; l < ${per}u; l++) {
    let e = tid + l * 256u;
    // Loads walk memory contiguously for either storage order of each operand.
    var m: u32; var ka: u32;
    if (u.transA == 1u) { m = e % TILE; ka = e / TILE; } else { ka = e % TK; m = e / TK; }
    let gm = row0 + m; let gka = k0 + ka;
    var a = 0.0;
    if (gm < u.M && gka < kEnd) {
      if (u.transA == 1u) { a = A[u.offA + gka * u.M + gm]; } else { a = A[u.offA + gm * u.K + gka]; }
    }
    nextA[l] = a;
    var n: u32; var kb: u32;
    if (u.transB == 1u) { kb = e % TK; n = e / TK; } else { n = e % TILE; kb = e / TILE; }
    let gn = col0 + n; let gkb = k0 + kb;
    var b = 0.0;
    if (gn < u.N && gkb < kEnd) {
      if (u.transB == 1u) { b = B[u.offB + gn * u.K + gkb]; } else { b = B[u.offB + gkb * u.N + gn]; }
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
  var acc: array<array<f32, ${per}>, ${per}>;
  // Workgroup z reduces K-chunk z (split-K: many workgroups for a small output with a long K).
  let kBegin = wg.z * u.kChunk;
  let kEnd = min(u.K, kBegin + u.kChunk);
  load_tile(row0, col0, kBegin, kEnd, tid);
  for (var k0 = kBegin; k0 < kEnd; k0 += TK) {
    store_tile(tid);
    workgroupBarrier();
    if (k0 + TK < kEnd) { load_tile(row0, col0, k0 + TK, kEnd, tid); }
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
      if ((u.flags & 64u) != 0u) { aux[wg.z * u.M * u.N + at] = v; continue; }
      if ((u.flags & 1u) != 0u) { v += bias[u.offBias + j]; }
      if ((u.flags & 2u) != 0u) { aux[at] = v; v = gelu(v); }
      if ((u.flags & 4u) != 0u) { v *= dropout_scale_row(u.seed, u.site, i, j, u.seqLen, u.N, u.dropP); }
      if ((u.flags & 8u) != 0u) { v += aux[at]; }
      if ((u.flags & 16u) != 0u) { v *= gelu_grad(aux[at]); }
      if ((u.flags & 32u) != 0u) { v += C[u.offC + at]; }
      C[u.offC + at] = v;
    }
  }
}
`;
}

/**
 * out[off_p + c] (+)= Σ_z partial[z·parts·width + p·width + c] for c < width, p < parts: finishes split-K
 * matmuls (parts 1, width M·N) and chunked column sums (LayerNorm: parts 2, γ and β).
 * Uniform: u32 width parts splits offOut0 offOut1 flags(1 = accumulate).
 */
export const SPLIT_REDUCE_WGSL = /* wgsl */ `
struct Params { width: u32, parts: u32, splits: u32, offOut0: u32, offOut1: u32, flags: u32 }
@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read> partial: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let i = (wg.y * 65535u + wg.x) * 256u + lid.x;
  let total = u.parts * u.width;
  if (i >= total) { return; }
  var s = 0.0;
  for (var z = 0u; z < u.splits; z++) { s += partial[z * total + i]; }
  let at = select(u.offOut0 + i, u.offOut1 + i - u.width, i >= u.width);
  if ((u.flags & 1u) != 0u) { s += out[at]; }
  out[at] = s;
}
`;
