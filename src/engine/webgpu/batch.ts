// The host half of a run: the member table (one entry per slot) and each slot's batch (position ids, key mask,
// targets, and the id segments the embedding gradient needs), packed into one u32 array uploaded with a single
// write per run. A slot's batch is padded to the run's common B × T (extra sequences are all padding, mask 0)
// and its targets to the run's M rows; a batch every slot shares (scoring) is packed once.
import type { TokenBatch } from '../../core/batches.js';
import { SPECIAL_IDS } from '../../model/config.js';
import { positionIds } from '../../model/positions.js';
import { INFO, INFO_WORDS } from './kernels/members.wgsl.js';

/** Fixed u32 offsets of each section within a slot's region, for a capacity of `rows` tokens and `targets` rows. */
export interface BatchSections {
  ids: number;
  positions: number;
  mask: number;
  targets: number;
  targetIds: number;
  /** Per token row: 1 + index of the target row reading it, 0 for none. */
  inverse: number;
  word: SegmentSections;
  position: SegmentSections;
  length: number;
}

/** A table's gradient segments: ids[s], rows of segment s are rows[starts[s] .. starts[s+1]). */
export interface SegmentSections {
  ids: number;
  starts: number;
  rows: number;
}

export function batchSections(rows: number, targets: number): BatchSections {
  let at = 0;
  const take = (n: number) => {
    const offset = at;
    at += n;
    return offset;
  };
  const segments = (): SegmentSections => ({ ids: take(rows), starts: take(rows + 1), rows: take(rows) });
  const sections = {
    ids: take(rows), positions: take(rows), mask: take(rows), targets: take(targets), targetIds: take(targets),
    inverse: take(rows), word: segments(), position: segments(),
  };
  return { ...sections, length: at };
}

/** One slot's entry in the member table. */
export interface SlotEntry {
  member: number;
  flags: number;
  /** Dropout key of this step (0 when dropout is off). */
  key: number;
  lr: number;
  stepSize: number;
  sqrtBc2: number;
}

/** A batch with the rows the LM head reads and their target ids. */
export interface SlotBatch {
  batch: TokenBatch;
  targets: Int32Array;
  targetIds: Int32Array;
}

/** The run's common shape: B sequences of T tokens, M target rows per slot. */
export interface PaddedShape {
  batch: number;
  seq: number;
  targets: number;
}

export interface PackedRun {
  /** The words to upload at the start of the batch buffer. */
  data: Uint32Array;
  /** Most segments of any slot, per table: the embedding-gradient dispatches' size. */
  wordSegments: number;
  positionSegments: number;
}

/** Packs runs into reused scratch (a write copies its data at once, so one scratch array serves every run). */
export class BatchPacker {
  private scratch = new Uint32Array(0);
  private readonly floatBits = new Float32Array(1);
  private readonly wordBits = new Uint32Array(this.floatBits.buffer);
  private readonly counts: Int32Array;

  constructor(
    private readonly sections: BatchSections, private readonly tableSlots: number, private readonly vocabSize: number,
    maxPositions: number,
  ) {
    this.counts = new Int32Array(Math.max(vocabSize, maxPositions) + 1);
  }

  /**
   * Slot s computes `entries[s]` on `batches[s]`, or every slot on `batches[0]` when only one is given. Throws on
   * a batch the engine cannot take (ids or targets out of range, a target twice).
   */
  pack(entries: readonly SlotEntry[], batches: readonly SlotBatch[], shape: PaddedShape): PackedRun {
    const regionsStart = this.tableSlots * INFO_WORDS;
    const words = regionsStart + batches.length * this.sections.length;
    if (this.scratch.length < words) this.scratch = new Uint32Array(words);
    const data = this.scratch.subarray(0, words);
    data.fill(0);
    let wordSegments = 0;
    let positionSegments = 0;
    const counts = batches.map((batch, i) => {
      const segments = this.packBatch(data, regionsStart + i * this.sections.length, batch, shape);
      wordSegments = Math.max(wordSegments, segments.word);
      positionSegments = Math.max(positionSegments, segments.position);
      return { ...segments, targets: batch.targets.length };
    });
    entries.forEach((entry, s) => {
      const i = batches.length === 1 ? 0 : s;
      const at = s * INFO_WORDS;
      data[at + INFO.member] = entry.member;
      data[at + INFO.base] = regionsStart + i * this.sections.length;
      data[at + INFO.flags] = entry.flags;
      data[at + INFO.key] = entry.key >>> 0;
      data[at + INFO.targets] = counts[i].targets;
      data[at + INFO.wordSegments] = counts[i].word;
      data[at + INFO.positionSegments] = counts[i].position;
      data[at + INFO.lr] = this.bits(entry.lr);
      data[at + INFO.stepSize] = this.bits(entry.stepSize);
      data[at + INFO.sqrtBc2] = this.bits(entry.sqrtBc2);
    });
    return { data, wordSegments, positionSegments };
  }

  private bits(value: number): number {
    this.floatBits[0] = value;
    return this.wordBits[0];
  }

  /** Writes one batch padded to `shape` at `base`; returns its segment counts. */
  private packBatch(data: Uint32Array, base: number, input: SlotBatch, shape: PaddedShape): { word: number; position: number } {
    const { batch, targets, targetIds } = input;
    const { batchSize: b0, seqLen: t0 } = batch;
    const { batch: B, seq: T } = shape;
    const at = this.sections;
    const positions = positionIds(batch);
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < T; t++) {
        const row = b * T + t;
        const real = b < b0 && t < t0;
        const src = b * t0 + t;
        const id = real ? batch.inputIds[src] : SPECIAL_IDS.pad;
        if (id < 0 || id >= this.vocabSize) throw new Error(`token id ${id} is outside the vocabulary of ${this.vocabSize}`);
        data[base + at.ids + row] = id;
        data[base + at.positions + row] = real ? positions[src] : SPECIAL_IDS.pad;
        data[base + at.mask + row] = real ? batch.attentionMask[src] : 0;
      }
    }
    for (let m = 0; m < targets.length; m++) {
      const flat = targets[m];
      if (flat < 0 || flat >= b0 * t0) throw new Error(`target position ${flat} is outside the batch of ${b0 * t0} tokens`);
      if (targetIds[m] < 0 || targetIds[m] >= this.vocabSize) throw new Error(`target id ${targetIds[m]} is outside the vocabulary`);
      const row = Math.floor(flat / t0) * T + (flat % t0);
      if (data[base + at.inverse + row] !== 0) throw new Error(`target position ${flat} appears twice`);
      data[base + at.targets + m] = row;
      data[base + at.targetIds + m] = targetIds[m];
      data[base + at.inverse + row] = m + 1;
    }
    const rows = B * T;
    return {
      word: this.writeSegments(data, base, at.ids, at.word, rows),
      position: this.writeSegments(data, base, at.positions, at.position, rows),
    };
  }

  /** Groups the rows by id (a counting sort: ascending ids, rows in order within each); returns the segment count. */
  private writeSegments(data: Uint32Array, base: number, idsAt: number, seg: SegmentSections, rows: number): number {
    const counts = this.counts;
    counts.fill(0);
    for (let r = 0; r < rows; r++) counts[data[base + idsAt + r]]++;
    let s = 0;
    let k = 0;
    for (let id = 0; id < counts.length; id++) {
      const n = counts[id];
      if (n === 0) continue;
      data[base + seg.ids + s] = id;
      data[base + seg.starts + s] = k;
      counts[id] = k;
      k += n;
      s++;
    }
    data[base + seg.starts + s] = k;
    for (let r = 0; r < rows; r++) data[base + seg.rows + counts[data[base + idsAt + r]]++] = r;
    return s;
  }
}
