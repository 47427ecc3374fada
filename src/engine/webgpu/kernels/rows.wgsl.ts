// Row movement: embedding lookup (word + position + type 0), gathering the target rows for the LM head,
// scattering their gradient back, and the embedding-table gradient by id segments (the host sorts the
// batch's ids into segments, so every table row has exactly one writer and no float atomics are needed).

/** Element index of a 1-D dispatch of 256-thread workgroups over a 2-D grid (x up to 65535). */
const FLAT_INDEX = /* wgsl */ `
fn flat(wg: vec3u, lid: vec3u) -> u32 { return (wg.y * 65535u + wg.x) * 256u + lid.x; }
`;

/** Uniform: u32 rows width offIds offPositions offWord offPositionTable offType. */
export const EMBED_FWD_WGSL = /* wgsl */ `
${FLAT_INDEX}
struct Params { rows: u32, width: u32, offIds: u32, offPositions: u32, offWord: u32, offPositionTable: u32, offType: u32 }
@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read> batchData: array<u32>;
@group(0) @binding(2) var<storage, read> params: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let at = flat(wg, lid);
  if (at >= u.rows * u.width) { return; }
  let r = at / u.width;
  let c = at % u.width;
  let id = batchData[u.offIds + r];
  let pos = batchData[u.offPositions + r];
  out[at] = params[u.offWord + id * u.width + c] + params[u.offPositionTable + pos * u.width + c] + params[u.offType + c];
}
`;

/**
 * grads[table row id] += Σ dE over the batch rows holding that id; one workgroup per segment.
 * Uniform: u32 segments width offSegIds offSegStarts offSegRows offTable.
 */
export const EMBED_GRAD_WGSL = /* wgsl */ `
struct Params { segments: u32, width: u32, offSegIds: u32, offSegStarts: u32, offSegRows: u32, offTable: u32 }
@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read> batchData: array<u32>;
@group(0) @binding(2) var<storage, read> dE: array<f32>;
@group(0) @binding(3) var<storage, read_write> grads: array<f32>;

var<workgroup> lanes: array<array<f32, 64>, 4>;

// Four row lanes per column: a segment of a frequent id or a position shared by the whole batch has many rows.
@compute @workgroup_size(64, 4)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let s = wg.y * 65535u + wg.x;
  if (s >= u.segments) { return; }
  let id = batchData[u.offSegIds + s];
  let start = batchData[u.offSegStarts + s];
  let end = batchData[u.offSegStarts + s + 1u];
  for (var c0 = 0u; c0 < u.width; c0 += 64u) {
    let c = c0 + lid.x;
    var acc = 0.0;
    if (c < u.width) {
      for (var k = start + lid.y; k < end; k += 4u) { acc += dE[batchData[u.offSegRows + k] * u.width + c]; }
    }
    lanes[lid.y][lid.x] = acc;
    workgroupBarrier();
    if (lid.y == 0u && c < u.width) {
      grads[u.offTable + id * u.width + c] += lanes[0][lid.x] + lanes[1][lid.x] + lanes[2][lid.x] + lanes[3][lid.x];
    }
    workgroupBarrier();
  }
}
`;

/** out[m] = src[index[m]] row-wise. Uniform: u32 rows width offIndex. */
export const GATHER_ROWS_WGSL = /* wgsl */ `
${FLAT_INDEX}
struct Params { rows: u32, width: u32, offIndex: u32 }
@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read> batchData: array<u32>;
@group(0) @binding(2) var<storage, read> src: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let at = flat(wg, lid);
  if (at >= u.rows * u.width) { return; }
  let r = at / u.width;
  out[at] = src[batchData[u.offIndex + r] * u.width + at % u.width];
}
`;

/** out[n] = src[inverse[n] − 1] where inverse[n] > 0, else 0 (rows no target reads). Uniform: u32 rows width offInverse. */
export const SCATTER_ROWS_WGSL = /* wgsl */ `
${FLAT_INDEX}
struct Params { rows: u32, width: u32, offInverse: u32 }
@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read> batchData: array<u32>;
@group(0) @binding(2) var<storage, read> src: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let at = flat(wg, lid);
  if (at >= u.rows * u.width) { return; }
  let source = batchData[u.offInverse + at / u.width];
  out[at] = select(0.0, src[(source - 1u) * u.width + at % u.width], source > 0u);
}
`;
