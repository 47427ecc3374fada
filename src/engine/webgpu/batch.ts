// The host half of a batch: position ids, key mask, targets, and the id segments the embedding gradient
// needs, packed into one u32 array that is uploaded with a single write per step.
import type { TokenBatch } from '../../core/batches.js';
import { positionIds } from '../../model/positions.js';

/** Fixed u32 offsets of each section for a capacity of `rows` tokens and `targets` target rows. */
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

export interface PackedBatch {
  data: Uint32Array;
  wordSegments: number;
  positionSegments: number;
}

export function packBatch(
  sections: BatchSections, batch: TokenBatch, targets: Int32Array, targetIds: Int32Array, vocabSize: number,
): PackedBatch {
  const rows = batch.batchSize * batch.seqLen;
  const data = new Uint32Array(sections.length);
  for (let i = 0; i < rows; i++) {
    const id = batch.inputIds[i];
    if (id < 0 || id >= vocabSize) throw new Error(`token id ${id} is outside the vocabulary of ${vocabSize}`);
  }
  data.set(batch.inputIds, sections.ids);
  const positions = positionIds(batch);
  data.set(positions, sections.positions);
  data.set(batch.attentionMask, sections.mask);
  data.set(targets, sections.targets);
  data.set(targetIds, sections.targetIds);
  for (let m = 0; m < targets.length; m++) {
    const row = targets[m];
    if (row < 0 || row >= rows) throw new Error(`target position ${row} is outside the batch of ${rows} tokens`);
    if (targetIds[m] < 0 || targetIds[m] >= vocabSize) throw new Error(`target id ${targetIds[m]} is outside the vocabulary`);
    if (data[sections.inverse + row] !== 0) throw new Error(`target position ${row} appears twice`);
    data[sections.inverse + row] = m + 1;
  }
  const wordSegments = writeSegments(data, sections.word, batch.inputIds, rows);
  const positionSegments = writeSegments(data, sections.position, positions, rows);
  return { data, wordSegments, positionSegments };
}

/** Groups rows by id (a counting sort); returns the number of segments. */
function writeSegments(data: Uint32Array, at: SegmentSections, ids: ArrayLike<number>, rows: number): number {
  const byId = new Map<number, number[]>();
  for (let r = 0; r < rows; r++) {
    const list = byId.get(ids[r]);
    if (list) list.push(r);
    else byId.set(ids[r], [r]);
  }
  let s = 0;
  let k = 0;
  for (const [id, list] of byId) {
    data[at.ids + s] = id;
    data[at.starts + s] = k;
    for (const r of list) data[at.rows + k++] = r;
    s++;
  }
  data[at.starts + s] = k;
  return s;
}
