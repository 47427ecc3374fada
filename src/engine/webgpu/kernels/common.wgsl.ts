// WGSL helpers shared by several kernels: exact-erf GELU (the same erf approximation tfjs uses, so the two
// engines agree to rounding), an accurate log1p, the counter-based dropout hash, and the workgroup and column
// reductions.

export const GELU_WGSL = /* wgsl */ `
// Abramowitz–Stegun 7.1.26, the erf tfjs computes; its derivative below is the exact 2/√π·exp(−x²), as in tfjs.
fn erf_approx(x: f32) -> f32 {
  let s = sign(x);
  let a = abs(x);
  let t = 1.0 / (1.0 + 0.3275911 * a);
  let poly = ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t;
  return s * (1.0 - poly * exp(-a * a));
}
fn gelu(x: f32) -> f32 {
  return 0.5 * x * (1.0 + erf_approx(x * 0.70710678118654752));
}
fn gelu_grad(x: f32) -> f32 {
  return 0.5 * (1.0 + erf_approx(x * 0.70710678118654752)) + x * 0.39894228040143268 * exp(-0.5 * x * x);
}
`;

export const LOG1P_WGSL = /* wgsl */ `
// log(1+u) without losing the low bits of small u: the rounding of 1+u is corrected by u/(w−1).
fn log1p_accurate(u: f32) -> f32 {
  let w = 1.0 + u;
  if (w == 1.0) { return u; }
  return log(w) * (u / (w - 1.0));
}
`;

export const DROPOUT_WGSL = /* wgsl */ `
fn pcg_hash(x: u32) -> u32 {
  let s = x * 747796405u + 2891336453u;
  let w = ((s >> ((s >> 28u) + 4u)) ^ s) * 277803737u;
  return (w >> 22u) ^ w;
}
// Keep factor of element 'elem' of sequence 'seq' at dropout site 'site' under the member's step 'key': 0 or
// 1/(1−p) (NOTICES.md contract 2). 'elem' counts within its sequence (t·H + c, or (h·S + i)·S + j for attention
// weights), so padding never moves a mask; the backward pass recomputes the forward's factors, no mask is stored.
fn dropout_scale(key: u32, site: u32, seq: u32, elem: u32, p: f32) -> f32 {
  if (p <= 0.0) { return 1.0; }
  let r = pcg_hash(elem ^ pcg_hash(seq ^ pcg_hash(key + site * 2654435769u)));
  let unit = f32(r >> 8u) * (1.0 / 16777216.0);
  return select(1.0 / (1.0 - p), 0.0, unit < p);
}
// The factor of element 'col' of row 'row' of a [B·T, width] activation (rows b·T + t).
fn dropout_scale_row(key: u32, site: u32, row: u32, col: u32, seqLen: u32, width: u32, p: f32) -> f32 {
  if (p <= 0.0) { return 1.0; }
  return dropout_scale(key, site, row / seqLen, (row % seqLen) * width + col, p);
}
`;

/** Row lanes of the column reductions: a workgroup of 64 columns × COLUMN_LANES rows. */
export const COLUMN_LANES = 4;

/**
 * The 64-column × 4-lane workgroup reduction of the column kernels (LayerNorm parameter gradients, column sums,
 * embedding gradients): `declare` holds one workgroup array per named per-thread sum; `reduce(body)` is inline
 * WGSL that stores every sum in its lane, waits, and in lane 0 runs `body` with `<name>Total` (the 4 lanes'
 * sum, in lane order) defined for each name. It ends without a barrier: a caller that reuses the arrays adds one.
 */
export function columnLanesWgsl(names: string[]): { declare: string; reduce: (body: string) => string } {
  const lanes = Array.from({ length: COLUMN_LANES }, (_, l) => l);
  return {
    declare: names.map((name) => `var<workgroup> ${name}Lanes: array<array<f32, 64>, ${COLUMN_LANES}>;`).join('\n'),
    reduce: (body) => /* wgsl */ `${names.map((name) => `${name}Lanes[lid.y][lid.x] = ${name};`).join(' ')}
    workgroupBarrier();
    if (lid.y == 0u) {
      ${names.map((name) => `let ${name}Total = ${lanes.map((l) => `${name}Lanes[${l}][lid.x]`).join(' + ')};`).join('\n      ')}
      ${body}
    }`,
  };
}

/**
 * `reduce<size>(value, tid, is_max)`: the max or sum of `value` over a workgroup of `size` (a power of two)
 * threads; every thread gets the result. Declares the workgroup array `red`. Without subgroups, a shared-memory
 * tree (log2(size) barriers); with them (the module must `enable subgroups`), one subgroup reduction, each
 * subgroup's total in the slot of its lowest thread id (no assumption about how threads map to subgroups),
 * and a scan of the slots: two barriers.
 */
export function workgroupReduceWgsl(size: number, subgroups = false): string {
  if (subgroups) return subgroupReduceWgsl(size);
  return /* wgsl */ `
var<workgroup> red: array<f32, ${size}>;
fn reduce${size}(value: f32, tid: u32, is_max: bool) -> f32 {
  red[tid] = value;
  workgroupBarrier();
  for (var s = ${size / 2}u; s > 0u; s >>= 1u) {
    if (tid < s) {
      if (is_max) { red[tid] = max(red[tid], red[tid + s]); } else { red[tid] += red[tid + s]; }
    }
    workgroupBarrier();
  }
  let r = red[0];
  workgroupBarrier();
  return r;
}
`;
}

function subgroupReduceWgsl(size: number): string {
  return /* wgsl */ `
var<workgroup> red: array<f32, ${size}>;
fn reduce${size}(value: f32, tid: u32, is_max: bool) -> f32 {
  let identity = select(0.0, -3.0e38, is_max);
  let part = select(subgroupAdd(value), subgroupMax(value), is_max);
  let leader = subgroupMin(tid);
  red[tid] = select(identity, part, tid == leader);
  workgroupBarrier();
  var r = identity;
  for (var i = 0u; i < ${size}u; i++) { r = select(r + red[i], max(r, red[i]), is_max); }
  workgroupBarrier();
  return r;
}
`;
}
