// The counter-based dropout generator both engines use (the fused engine's WGSL twin is DROPOUT_WGSL in
// src/engine/webgpu/kernels/common.wgsl.ts; a test runs both on the same tuples and compares bits). A mask
// element is a pure function of (step key, site, sequence, element), so no mask is stored, the backward pass
// recomputes the forward's masks, a resumed run (on either engine) sees the masks the uninterrupted one did,
// and padding a batch to a longer length changes no mask: the element index counts within one sequence.

/** PCG hash (RXS-M-XS output of one LCG step): a bijection on u32, so distinct inputs never collide. */
export function pcg(x: number): number {
  const s = (Math.imul(x, 747796405) + 2891336453) >>> 0;
  const w = Math.imul((s >>> ((s >>> 28) + 4)) ^ s, 277803737) >>> 0;
  return ((w >>> 22) ^ w) >>> 0;
}

/** Weyl increment (2³²/φ) that spreads consecutive site numbers across the key space. */
const SITE_STRIDE = 0x9e3779b9;

/**
 * The dropout key of training step `step` (1-based) of the run seeded `runSeed` (any safe non-negative integer;
 * both 32-bit halves enter): distinct for every step of a run, since pcg is a bijection.
 */
export function dropoutKey(runSeed: number, step: number): number {
  const low = runSeed >>> 0;
  const high = Math.floor(runSeed / 2 ** 32) >>> 0;
  return pcg((step >>> 0) ^ pcg(low ^ pcg(high)));
}

/** The hash of (key, site, sequence) that every element of that sequence's mask starts from. */
export function sequenceHash(key: number, site: number, seq: number): number {
  return pcg((seq >>> 0) ^ pcg((key + Math.imul(site, SITE_STRIDE)) >>> 0));
}

/**
 * The drop threshold of rate p: an element is dropped when the top 24 bits of its hash, as u ∈ [0,1), fall
 * below float32(p); as integers, when they fall below ⌈float32(p)·2²⁴⌉.
 */
export function dropThreshold(p: number): number {
  return Math.ceil(Math.fround(p) * 16777216);
}

/** Whether element `elem` of the sequence whose hash is `hash` (sequenceHash) is dropped. */
export function isDropped(hash: number, elem: number, threshold: number): boolean {
  return pcg((elem ^ hash) >>> 0) >>> 8 < threshold;
}

/** 1/(1−p) in float32 arithmetic, as the kernels compute it (inverted dropout keeps the expectation). */
export function keptScale(p: number): number {
  return Math.fround(1 / Math.fround(1 - Math.fround(p)));
}

/** The keep factor of one element: 0 if dropped, else 1/(1−p); 1 when p ≤ 0 (dropout off). */
export function keepFactor(key: number, site: number, seq: number, elem: number, p: number): number {
  if (p <= 0) return 1;
  return isDropped(sequenceHash(key, site, seq), elem, dropThreshold(p)) ? 0 : keptScale(p);
}
