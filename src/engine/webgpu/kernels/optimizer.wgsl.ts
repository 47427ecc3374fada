// Global-norm clipping and AdamW over the packed parameters: two reductions for the norm, then one
// elementwise update. scalars: [0] loss, [1] pre-clip gradient norm, [2] clip factor, [16…] partial sums.
import { BLOCK_FLOOR_SHIFT, BLOCK_FLOORS } from '../layout.js';

export const NORM_PARTIALS = 256;
export const SCALARS_LENGTH = 16 + NORM_PARTIALS;

/** scalars[16 + wg] = Σ g² over a grid stride. Uniform: u32 count. */
export const NORM_PARTIAL_WGSL = /* wgsl */ `
struct Params { count: u32 }
@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read> grads: array<f32>;
@group(0) @binding(2) var<storage, read_write> scalars: array<f32>;
var<workgroup> red: array<f32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  var s = 0.0;
  for (var i = wg.x * 256u + lid.x; i < u.count; i += ${NORM_PARTIALS}u * 256u) { let g = grads[i]; s = fma(g, g, s); }
  red[lid.x] = s;
  workgroupBarrier();
  for (var w = 128u; w > 0u; w >>= 1u) {
    if (lid.x < w) { red[lid.x] += red[lid.x + w]; }
    workgroupBarrier();
  }
  if (lid.x == 0u) { scalars[16u + wg.x] = red[0]; }
}
`;

/** The norm and PyTorch's clip_grad_norm_ factor min(1, clip/(norm + 1e-6)); clip 0 disables. Uniform: f32 clipNorm. */
export const NORM_FINAL_WGSL = /* wgsl */ `
struct Params { clipNorm: f32 }
@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read_write> scalars: array<f32>;
var<workgroup> red: array<f32, ${NORM_PARTIALS}>;

@compute @workgroup_size(${NORM_PARTIALS})
fn main(@builtin(local_invocation_id) lid: vec3u) {
  red[lid.x] = scalars[16u + lid.x];
  workgroupBarrier();
  for (var w = ${NORM_PARTIALS / 2}u; w > 0u; w >>= 1u) {
    if (lid.x < w) { red[lid.x] += red[lid.x + w]; }
    workgroupBarrier();
  }
  if (lid.x == 0u) {
    let norm = sqrt(red[0]);
    scalars[1] = norm;
    scalars[2] = select(1.0, min(1.0, u.clipNorm / (norm + 1e-6)), u.clipNorm > 0.0);
  }
}
`;

/** The projection onto a block's floor (BLOCK_FLOORS by class; class 0 has none), as WGSL statements on `next`. */
const floorsWgsl = BLOCK_FLOORS.map((floor, i) => `if (floorClass == ${i + 1}u) { next = max(next, ${floor}f); }`).join(' else ');

/**
 * PyTorch AdamW on every element whose block flag says trainable (bit 1), decaying where bit 2 is set:
 * p ← p(1 − lr·wd); m, v updates; p ← p − stepSize·m/(√v/sqrtBc2 + eps); then the projection onto the block's
 * floor (bits 2–3: SSA n ≥ 1, b ≥ SSA_B_MIN), as the reference's AdamW does. Flags are per 64-float block
 * (parameters start on 64-float boundaries). Uniform: u32 count, f32 lr beta1 beta2 eps weightDecay stepSize sqrtBc2.
 */
export const ADAMW_WGSL = /* wgsl */ `
struct Params { count: u32, lr: f32, beta1: f32, beta2: f32, eps: f32, weightDecay: f32, stepSize: f32, sqrtBc2: f32 }
@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read_write> params: array<f32>;
@group(0) @binding(2) var<storage, read> grads: array<f32>;
@group(0) @binding(3) var<storage, read_write> m: array<f32>;
@group(0) @binding(4) var<storage, read_write> v: array<f32>;
@group(0) @binding(5) var<storage, read> blockFlags: array<u32>;
@group(0) @binding(6) var<storage, read> scalars: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let i = (wg.y * 65535u + wg.x) * 256u + lid.x;
  if (i >= u.count) { return; }
  let flags = blockFlags[i / 64u];
  if ((flags & 1u) == 0u) { return; }
  let g = grads[i] * scalars[2];
  var p = params[i];
  if ((flags & 2u) != 0u) { p *= 1.0 - u.lr * u.weightDecay; }
  let mi = u.beta1 * m[i] + (1.0 - u.beta1) * g;
  let vi = u.beta2 * v[i] + (1.0 - u.beta2) * g * g;
  m[i] = mi;
  v[i] = vi;
  var next = p - u.stepSize * mi / (sqrt(vi) / u.sqrtBc2 + u.eps);
  let floorClass = (flags >> ${BLOCK_FLOOR_SHIFT}u) & 3u;
  ${floorsWgsl}
  params[i] = next;
}
`;
