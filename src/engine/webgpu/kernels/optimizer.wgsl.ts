// Global-norm clipping and AdamW over each member's packed parameters: two reductions for the norm, then one
// elementwise update, every slot in one dispatch each (workgroup z). Nothing is ever reduced across slots, so a
// NaN in one member stays in that member. scalars: [4·slot + 0] loss, [+1] pre-clip gradient norm, [+2] clip factor.
import { BLOCK_FLOOR_SHIFT, BLOCK_FLOORS } from '../layout.js';
import { MEMBER_TABLE_WGSL } from './members.wgsl.js';

export const NORM_PARTIALS = 256;
/** Floats of `scalars` per slot. */
export const SCALARS_PER_SLOT = 4;

/** partial[256·slot + wg] = Σ g² over a grid stride of the member's gradients. Uniform: u32 count (the member stride). */
export const NORM_PARTIAL_WGSL = /* wgsl */ `
struct Params { count: u32 }
@group(0) @binding(0) var<uniform> u: Params;
${MEMBER_TABLE_WGSL}
@group(0) @binding(2) var<storage, read> grads: array<f32>;
@group(0) @binding(3) var<storage, read_write> partial: array<f32>;
var<workgroup> red: array<f32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let slot = wg.z;
  let first = slot_member(slot) * u.count;
  var s = 0.0;
  for (var i = wg.x * 256u + lid.x; i < u.count; i += ${NORM_PARTIALS}u * 256u) { let g = grads[first + i]; s = fma(g, g, s); }
  red[lid.x] = s;
  workgroupBarrier();
  for (var w = 128u; w > 0u; w >>= 1u) {
    if (lid.x < w) { red[lid.x] += red[lid.x + w]; }
    workgroupBarrier();
  }
  if (lid.x == 0u) { partial[slot * ${NORM_PARTIALS}u + wg.x] = red[0]; }
}
`;

/**
 * The norm and PyTorch's clip_grad_norm_ factor min(1, clip/(norm + 1e-6)); clip 0 disables. Reads only the slot's
 * partial sums (no member table at binding 1). Uniform: f32 clipNorm.
 */
export const NORM_FINAL_WGSL = /* wgsl */ `
struct Params { clipNorm: f32 }
@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(2) var<storage, read> partial: array<f32>;
@group(0) @binding(3) var<storage, read_write> scalars: array<f32>;
var<workgroup> red: array<f32, ${NORM_PARTIALS}>;

@compute @workgroup_size(${NORM_PARTIALS})
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let slot = wg.z;
  red[lid.x] = partial[slot * ${NORM_PARTIALS}u + lid.x];
  workgroupBarrier();
  for (var w = ${NORM_PARTIALS / 2}u; w > 0u; w >>= 1u) {
    if (lid.x < w) { red[lid.x] += red[lid.x + w]; }
    workgroupBarrier();
  }
  if (lid.x == 0u) {
    let norm = sqrt(red[0]);
    scalars[${SCALARS_PER_SLOT}u * slot + 1u] = norm;
    scalars[${SCALARS_PER_SLOT}u * slot + 2u] = select(1.0, min(1.0, u.clipNorm / (norm + 1e-6)), u.clipNorm > 0.0);
  }
}
`;

/** The projection onto a block's floor (BLOCK_FLOORS by class; class 0 has none), as WGSL statements on `next`. */
const floorsWgsl = BLOCK_FLOORS.map((floor, i) => `if (floorClass == ${i + 1}u) { next = max(next, ${floor}f); }`).join(' else ');

/**
 * PyTorch AdamW on every element of the slot's member whose block flag says trainable (bit 1), decaying where
 * bit 2 is set: p ← p(1 − lr·wd); m, v updates; p ← p − stepSize·m/(√v/sqrtBc2 + eps); then the projection onto
 * the block's floor (bits 2–3: SSA n ≥ 1, b ≥ SSA_B_MIN, NOTICES.md contract 3), with the member's own lr,
 * stepSize and sqrtBc2 (its own step count) from the member table. Flags are per member and per 64-float block
 * (parameters start on 64-float boundaries). Uniform: u32 count (the member stride), f32 beta1 beta2 eps weightDecay.
 */
export const ADAMW_WGSL = /* wgsl */ `
struct Params { count: u32, beta1: f32, beta2: f32, eps: f32, weightDecay: f32 }
@group(0) @binding(0) var<uniform> u: Params;
${MEMBER_TABLE_WGSL}
@group(0) @binding(2) var<storage, read_write> params: array<f32>;
@group(0) @binding(3) var<storage, read> grads: array<f32>;
@group(0) @binding(4) var<storage, read_write> m: array<f32>;
@group(0) @binding(5) var<storage, read_write> v: array<f32>;
@group(0) @binding(6) var<storage, read> blockFlags: array<u32>;
@group(0) @binding(7) var<storage, read> scalars: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let e = (wg.y * 65535u + wg.x) * 256u + lid.x;
  if (e >= u.count) { return; }
  let slot = wg.z;
  let member = slot_member(slot);
  let flags = blockFlags[member * (u.count / 64u) + e / 64u];
  if ((flags & 1u) == 0u) { return; }
  let i = member * u.count + e;
  let lr = slot_lr(slot);
  let g = grads[i] * scalars[${SCALARS_PER_SLOT}u * slot + 2u];
  var p = params[i];
  if ((flags & 2u) != 0u) { p *= 1.0 - lr * u.weightDecay; }
  let mi = u.beta1 * m[i] + (1.0 - u.beta1) * g;
  let vi = u.beta2 * v[i] + (1.0 - u.beta2) * g * g;
  m[i] = mi;
  v[i] = vi;
  var next = p - slot_stepSize(slot) * mi / (sqrt(vi) / slot_sqrtBc2(slot) + u.eps);
  let floorClass = (flags >> ${BLOCK_FLOOR_SHIFT}u) & 3u;
  ${floorsWgsl}
  params[i] = next;
}
`;
