// Row movement: embedding lookup (word + position + type 0), gathering the target rows for the LM head,
// scattering their gradient back, and the embedding-table gradient by id segments (the host sorts each slot's
// ids into segments, so every table row has exactly one writer and no float atomics are needed). Every slot of a
// run in one dispatch (workgroup z); batch sections start at the slot's base in the batch buffer.
import { COLUMN_LANES, columnLanesWgsl } from './common.wgsl.js';
import { INFO, INFO_WORDS, MEMBER_TABLE_WGSL } from './members.wgsl.js';

/** Element index of a 1-D dispatch of 256-thread workgroups over a 2-D grid (x up to 65535). */
const FLAT_INDEX = /* wgsl */ `
fn flat(wg: vec3u, lid: vec3u) -> u32 { return (wg.y * 65535u + wg.x) * 256u + lid.x; }
`;

/** Uniform: u32 rows width offIds offPositions offWord offPositionTable offType paramStride. */
export const EMBED_FWD_WGSL = /* wgsl */ `
${FLAT_INDEX}
struct Params {
  rows: u32, width: u32, offIds: u32, offPositions: u32, offWord: u32, offPositionTable: u32, offType: u32, paramStride: u32,
}
@group(0) @binding(0) var<uniform> u: Params;
${MEMBER_TABLE_WGSL}
@group(0) @binding(2) var<storage, read> params: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let at = flat(wg, lid);
  if (at >= u.rows * u.width) { return; }
  let slot = wg.z;
  let p = slot_member(slot) * u.paramStride;
  let base = slot_base(slot);
  let r = at / u.width;
  let c = at % u.width;
  let id = batchData[base + u.offIds + r];
  let pos = batchData[base + u.offPositions + r];
  out[slot * u.rows * u.width + at] =
    params[p + u.offWord + id * u.width + c] + params[p + u.offPositionTable + pos * u.width + c] + params[p + u.offType + c];
}
`;

const embedLanes = columnLanesWgsl(['acc']);

/**
 * grads[table row id] += Σ dE over the slot's rows holding that id; one workgroup per segment, up to the slot's own
 * segment count (member-table field `countField`). Uniform: u32 rows width offSegIds offSegStarts offSegRows
 * offTable paramStride countField.
 */
export const EMBED_GRAD_WGSL = /* wgsl */ `
struct Params {
  rows: u32, width: u32, offSegIds: u32, offSegStarts: u32, offSegRows: u32, offTable: u32, paramStride: u32, countField: u32,
}
@group(0) @binding(0) var<uniform> u: Params;
${MEMBER_TABLE_WGSL}
@group(0) @binding(2) var<storage, read> dE: array<f32>;
@group(0) @binding(3) var<storage, read_write> grads: array<f32>;
${embedLanes.declare}

// Row lanes per column: a segment of a frequent id or a position shared by the whole batch has many rows.
@compute @workgroup_size(64, ${COLUMN_LANES})
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let s = wg.y * 65535u + wg.x;
  let slot = wg.z;
  let base = slot_base(slot);
  // Workgroups past the slot's own segment count still take part in the barriers (the count is not uniform).
  let live = s < batchData[slot * ${INFO_WORDS}u + u.countField];
  var id = 0u;
  var start = 0u;
  var end = 0u;
  if (live) {
    id = batchData[base + u.offSegIds + s];
    start = batchData[base + u.offSegStarts + s];
    end = batchData[base + u.offSegStarts + s + 1u];
  }
  let table = slot_member(slot) * u.paramStride + u.offTable + id * u.width;
  let rowsAt = slot * u.rows * u.width;
  for (var c0 = 0u; c0 < u.width; c0 += 64u) {
    let c = c0 + lid.x;
    var acc = 0.0;
    if (c < u.width) {
      for (var k = start + lid.y; k < end; k += ${COLUMN_LANES}u) { acc += dE[rowsAt + batchData[base + u.offSegRows + k] * u.width + c]; }
    }
    ${embedLanes.reduce(/* wgsl */ `if (live && c < u.width) { grads[table + c] += accTotal; }`)}
    workgroupBarrier();
  }
}
`;

/** out[m] = src[index[m]] row-wise. Uniform: u32 rows (targets) width offIndex srcRows. */
export const GATHER_ROWS_WGSL = /* wgsl */ `
${FLAT_INDEX}
struct Params { rows: u32, width: u32, offIndex: u32, srcRows: u32 }
@group(0) @binding(0) var<uniform> u: Params;
${MEMBER_TABLE_WGSL}
@group(0) @binding(2) var<storage, read> src: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let at = flat(wg, lid);
  if (at >= u.rows * u.width) { return; }
  let slot = wg.z;
  let r = at / u.width;
  let source = batchData[slot_base(slot) + u.offIndex + r];
  out[slot * u.rows * u.width + at] = src[(slot * u.srcRows + source) * u.width + at % u.width];
}
`;

/**
 * out[n] = src[inverse[n] − 1] where inverse[n] > 0, else 0 (rows no target reads). Uniform: u32 rows width
 * offInverse srcRows (targets).
 */
export const SCATTER_ROWS_WGSL = /* wgsl */ `
${FLAT_INDEX}
struct Params { rows: u32, width: u32, offInverse: u32, srcRows: u32 }
@group(0) @binding(0) var<uniform> u: Params;
${MEMBER_TABLE_WGSL}
@group(0) @binding(2) var<storage, read> src: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let at = flat(wg, lid);
  if (at >= u.rows * u.width) { return; }
  let slot = wg.z;
  let source = batchData[slot_base(slot) + u.offInverse + at / u.width];
  let read = (slot * u.srcRows + source - 1u) * u.width + at % u.width;
  out[slot * u.rows * u.width + at] = select(0.0, src[read], source > 0u);
}
`;

/** Member-table field holding each table's segment count (EMBED_GRAD's countField). */
export const SEGMENT_COUNT_FIELD = { word: INFO.wordSegments, position: INFO.positionSegments } as const;
