// Masked-LM cross-entropy over the target rows only (the LM head never runs elsewhere), with the gradient
// (softmax − onehot)/M written over the logits in place, and the mean loss reduced on the device.
import { workgroupReduceWgsl } from './common.wgsl.js';

/** One workgroup per target row. Uniform: u32 rows vocab offTargets flags(1 = gradient), f32 invCount. */
export const crossEntropyWgsl = (subgroups: boolean): string => /* wgsl */ `
struct Params { rows: u32, vocab: u32, offTargets: u32, flags: u32, invCount: f32 }
@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read> batchData: array<u32>;
@group(0) @binding(2) var<storage, read_write> logits: array<f32>;
@group(0) @binding(3) var<storage, read_write> rowLoss: array<f32>;
${workgroupReduceWgsl(256, subgroups)}
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let row = wg.y * 65535u + wg.x;
  if (row >= u.rows) { return; }
  let tid = lid.x;
  let base = row * u.vocab;
  var mx = -3.0e38;
  for (var c = tid; c < u.vocab; c += 256u) { mx = max(mx, logits[base + c]); }
  mx = reduce256(mx, tid, true);
  var s = 0.0;
  for (var c = tid; c < u.vocab; c += 256u) { s += exp(logits[base + c] - mx); }
  let lse = mx + log(reduce256(s, tid, false));
  let tgt = batchData[u.offTargets + row];
  if (tid == 0u) { rowLoss[row] = lse - logits[base + tgt]; }
  // Every thread must have read the target logit before any thread overwrites the row.
  storageBarrier();
  workgroupBarrier();
  if ((u.flags & 1u) != 0u) {
    for (var c = tid; c < u.vocab; c += 256u) {
      let p = exp(logits[base + c] - lse);
      logits[base + c] = (p - select(0.0, 1.0, c == tgt)) * u.invCount;
    }
  }
}
`;

/** scalars[0] = Σ rowLoss / rows, one workgroup. Uniform: u32 rows. */
export const LOSS_REDUCE_WGSL = /* wgsl */ `
struct Params { rows: u32 }
@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read> rowLoss: array<f32>;
@group(0) @binding(2) var<storage, read_write> scalars: array<f32>;
var<workgroup> red: array<f32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_id) lid: vec3u) {
  var s = 0.0;
  for (var r = lid.x; r < u.rows; r += 256u) { s += rowLoss[r]; }
  red[lid.x] = s;
  workgroupBarrier();
  for (var w = 128u; w > 0u; w >>= 1u) {
    if (lid.x < w) { red[lid.x] += red[lid.x + w]; }
    workgroupBarrier();
  }
  if (lid.x == 0u) { scalars[0] = red[0] / f32(u.rows); }
}
`;
