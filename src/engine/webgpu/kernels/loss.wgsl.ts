// Masked-LM cross-entropy over the target rows only (the LM head never runs elsewhere), with the gradient
// (softmax − onehot)/M_k written over the logits in place, and each slot's mean loss reduced on the device.
// Slots pad their targets to the run's largest count; a padded row (row ≥ the slot's own M_k) gets loss and
// gradient 0, so the mean and every gradient are over the member's own targets.
import { workgroupReduceWgsl } from './common.wgsl.js';
import { MEMBER_TABLE_WGSL } from './members.wgsl.js';

/** One workgroup per (target row, slot). Uniform: u32 rows (the padded count) vocab offTargets flags(1 = gradient). */
export const crossEntropyWgsl = (subgroups: boolean): string => /* wgsl */ `
struct Params { rows: u32, vocab: u32, offTargets: u32, flags: u32 }
@group(0) @binding(0) var<uniform> u: Params;
${MEMBER_TABLE_WGSL}
@group(0) @binding(2) var<storage, read_write> logits: array<f32>;
@group(0) @binding(3) var<storage, read_write> rowLoss: array<f32>;
${workgroupReduceWgsl(256, subgroups)}
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let row = wg.y * 65535u + wg.x;
  if (row >= u.rows) { return; }
  let slot = wg.z;
  let count = slot_targets(slot);
  // A padded row runs like a real one (the member table is not uniform control flow) and writes zeros.
  let live = row < count;
  let tid = lid.x;
  let base = (slot * u.rows + row) * u.vocab;
  var mx = -3.0e38;
  for (var c = tid; c < u.vocab; c += 256u) { mx = max(mx, logits[base + c]); }
  mx = reduce256(mx, tid, true);
  var s = 0.0;
  for (var c = tid; c < u.vocab; c += 256u) { s += exp(logits[base + c] - mx); }
  let lse = mx + log(reduce256(s, tid, false));
  let tgt = batchData[slot_base(slot) + u.offTargets + row];
  if (tid == 0u) { rowLoss[slot * u.rows + row] = select(0.0, lse - logits[base + tgt], live); }
  // Every thread must have read the target logit before any thread overwrites the row.
  storageBarrier();
  workgroupBarrier();
  if ((u.flags & 1u) != 0u) {
    let invCount = 1.0 / f32(max(count, 1u));
    for (var c = tid; c < u.vocab; c += 256u) {
      let p = exp(logits[base + c] - lse);
      logits[base + c] = select(0.0, (p - select(0.0, 1.0, c == tgt)) * invCount, live);
    }
  }
}
`;

/** scalars[4·slot] = Σ rowLoss / M_k over the slot's own targets, one workgroup per slot. Uniform: u32 rows (padded count). */
export const LOSS_REDUCE_WGSL = /* wgsl */ `
struct Params { rows: u32 }
@group(0) @binding(0) var<uniform> u: Params;
${MEMBER_TABLE_WGSL}
@group(0) @binding(2) var<storage, read> rowLoss: array<f32>;
@group(0) @binding(3) var<storage, read_write> scalars: array<f32>;
var<workgroup> red: array<f32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let slot = wg.z;
  let count = slot_targets(slot);
  var s = 0.0;
  for (var r = lid.x; r < count; r += 256u) { s += rowLoss[slot * u.rows + r]; }
  red[lid.x] = s;
  workgroupBarrier();
  for (var w = 128u; w > 0u; w >>= 1u) {
    if (lid.x < w) { red[lid.x] += red[lid.x + w]; }
    workgroupBarrier();
  }
  if (lid.x == 0u) { scalars[4u * slot] = red[0] / f32(count); }
}
`;
