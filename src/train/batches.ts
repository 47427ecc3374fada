// The training data as a stream of masked batches. Each utterance appears min(10, C(n,2)) times per pass, each
// copy under its own pattern: copy c of utterance i in pass e takes the c-th of the distinct patterns drawn from
// a stream derived from (seed, e, i), so the copies never repeat a pattern however far apart the shuffle puts
// them. The pass order is a shuffle derived from the seed and the pass number; <mask>-or-random choices come
// from the run's stream. A cursor (pass, position) plus that stream's state restores the exact continuation.
import { padBatch } from '../data/sequences.js';
import type { TargetedBatch } from '../core/batches.js';
import { SPECIAL_IDS } from '../model/config.js';
import { distinctPatterns, maskPatternCount, maskSequence, type MaskingScheme } from './masking.js';
import { derivedStream, shuffleInPlace, type RandomStream } from '../core/random.js';

export interface DataCursor {
  epoch: number;
  position: number;
}

export interface MaskingSettings {
  scheme: MaskingScheme;
  probability: number;
  maxPatterns: number;
  vocabSize: number;
}

export class MaskedBatchStream {
  /** Instance ids 0 … passLength − 1 in this pass's order; utterance i owns ids firstInstance[i] … firstInstance[i + 1] − 1. */
  private order: Int32Array;
  private orderEpoch = -1;
  private readonly firstInstance: Int32Array;

  constructor(
    private readonly sequences: Int32Array[],
    private readonly masking: MaskingSettings,
    private readonly seed: number,
    public cursor: DataCursor = { epoch: 0, position: 0 },
  ) {
    if (sequences.length === 0) throw new Error('no training sequences');
    this.firstInstance = new Int32Array(sequences.length + 1);
    sequences.forEach((sequence, i) => {
      this.firstInstance[i + 1] = this.firstInstance[i] + maskPatternCount(sequence.length - 2, masking.maxPatterns, masking.scheme);
    });
    this.order = new Int32Array(0);
  }

  /** Masked instances in one pass over the data. */
  get passLength(): number {
    return this.firstInstance[this.sequences.length];
  }

  private orderFor(epoch: number): Int32Array {
    if (this.orderEpoch !== epoch) {
      const order = new Int32Array(this.passLength);
      for (let id = 0; id < order.length; id++) order[id] = id;
      shuffleInPlace(order, derivedStream(this.seed, `order/${epoch}`));
      this.order = order;
      this.orderEpoch = epoch;
    }
    return this.order;
  }

  /** The utterance an instance id belongs to (binary search over firstInstance) and which of its copies it is. */
  private instance(id: number): { sequence: number; copy: number } {
    let lo = 0;
    let hi = this.sequences.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.firstInstance[mid] <= id) lo = mid;
      else hi = mid - 1;
    }
    return { sequence: lo, copy: id - this.firstInstance[lo] };
  }

  /** The mask pattern of one copy: the copy-th distinct pattern of its utterance in this pass. */
  private pattern(epoch: number, sequence: number, copy: number): number[] {
    const random = derivedStream(this.seed, `patterns/${epoch}/${sequence}`);
    return distinctPatterns(this.sequences[sequence].length, copy + 1, this.masking.probability, random)[copy];
  }

  next(batchSize: number, random: RandomStream): TargetedBatch {
    const masked = [];
    for (let b = 0; b < batchSize; b++) {
      if (this.cursor.position >= this.passLength) this.cursor = { epoch: this.cursor.epoch + 1, position: 0 };
      const { epoch, position } = this.cursor;
      const { sequence, copy } = this.instance(this.orderFor(epoch)[position]);
      this.cursor = { epoch, position: position + 1 };
      const ids = this.sequences[sequence];
      masked.push(maskSequence(ids, this.pattern(epoch, sequence, copy), this.masking.scheme, this.masking.vocabSize, random));
    }
    const batch = padBatch(masked.map((m) => m.inputIds), SPECIAL_IDS.pad);
    const targetPositions: number[] = [];
    const targetIds: number[] = [];
    masked.forEach((m, b) => {
      m.positions.forEach((t, i) => {
        targetPositions.push(b * batch.seqLen + t);
        targetIds.push(m.targets[i]);
      });
    });
    return { ...batch, targetPositions: Int32Array.from(targetPositions), targetIds: Int32Array.from(targetIds) };
  }
}
