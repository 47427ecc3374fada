// The training data as a stream of masked batches. Each utterance appears min(10, C(n,2)) times per pass,
// each time with a fresh mask drawn from the run's stream; the pass order is a shuffle derived from the seed and
// the pass number, so a cursor (pass, position) plus the stream's state restores the exact continuation.
import { padBatch } from '../data/sequences.js';
import type { TargetedBatch } from '../core/batches.js';
import { SPECIAL_IDS } from '../model/config.js';
import { maskPatternCount, maskSequence, type MaskingScheme } from './masking.js';
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
  private order: Int32Array;
  private orderEpoch = -1;
  private readonly instancesPerPass: number;

  constructor(
    private readonly sequences: Int32Array[],
    private readonly masking: MaskingSettings,
    private readonly seed: number,
    public cursor: DataCursor = { epoch: 0, position: 0 },
  ) {
    if (sequences.length === 0) throw new Error('no training sequences');
    this.instancesPerPass = sequences.reduce((sum, s) => sum + this.patterns(s), 0);
    this.order = new Int32Array(0);
  }

  /** Masked instances in one pass over the data. */
  get passLength(): number {
    return this.instancesPerPass;
  }

  private patterns(sequence: Int32Array): number {
    return maskPatternCount(sequence.length - 2, this.masking.maxPatterns, this.masking.scheme);
  }

  private orderFor(epoch: number): Int32Array {
    if (this.orderEpoch !== epoch) {
      const order = new Int32Array(this.instancesPerPass);
      let k = 0;
      this.sequences.forEach((sequence, index) => {
        for (let p = this.patterns(sequence); p > 0; p--) order[k++] = index;
      });
      shuffleInPlace(order, derivedStream(this.seed, `order/${epoch}`));
      this.order = order;
      this.orderEpoch = epoch;
    }
    return this.order;
  }

  next(batchSize: number, random: RandomStream): TargetedBatch {
    const masked = [];
    for (let b = 0; b < batchSize; b++) {
      if (this.cursor.position >= this.instancesPerPass) this.cursor = { epoch: this.cursor.epoch + 1, position: 0 };
      const sequence = this.sequences[this.orderFor(this.cursor.epoch)[this.cursor.position]];
      this.cursor = { ...this.cursor, position: this.cursor.position + 1 };
      masked.push(maskSequence(sequence, this.masking.probability, this.masking.scheme, this.masking.vocabSize, random));
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
