// From utterances to the id sequences the model sees, and from sequences to padded batches.
// BabyBERTa drops (never truncates) sequences longer than the maximum length: a truncated utterance is a
// different, usually ungrammatical, sentence.
import type { TokenBatch } from '../core/batches.js';
import type { Tokenizer } from '../tokenizer/types.js';

/** BabyBERTa's maximum sequence length, counting <s> and </s>. */
export const DEFAULT_MAX_LENGTH = 128;

export interface EncodedUtterances {
  /** Kept sequences, each with <s> … </s>, in corpus order. */
  sequences: Int32Array[];
  droppedTooLong: number;
  /** BPE tokens (incl. <s></s>) over all utterances, kept or not. */
  totalTokens: number;
  /** BPE length (incl. <s></s>) of every utterance, kept or not, in corpus order. */
  lengths: Int32Array;
}

export function encodeUtterances(utterances: readonly string[], tokenizer: Pick<Tokenizer, 'encode'>, maxLength = DEFAULT_MAX_LENGTH): EncodedUtterances {
  if (!Number.isInteger(maxLength) || maxLength < 3) throw new RangeError(`maxLength must be an integer ≥ 3, got ${maxLength}`);
  const sequences: Int32Array[] = [];
  const lengths = new Int32Array(utterances.length);
  let droppedTooLong = 0;
  let totalTokens = 0;
  utterances.forEach((utterance, index) => {
    const { ids } = tokenizer.encode(utterance);
    lengths[index] = ids.length;
    totalTokens += ids.length;
    if (ids.length > maxLength) droppedTooLong++;
    else sequences.push(Int32Array.from(ids));
  });
  return { sequences, droppedTooLong, totalTokens, lengths };
}

/** Pads every sequence with padId to the longest in the batch; the mask marks real tokens. */
export function padBatch(sequences: readonly ArrayLike<number>[], padId: number): TokenBatch {
  if (sequences.length === 0) throw new RangeError('padBatch needs at least one sequence');
  const batchSize = sequences.length;
  const seqLen = Math.max(...sequences.map((s) => s.length));
  const inputIds = new Int32Array(batchSize * seqLen).fill(padId); // [B*T]
  const attentionMask = new Uint8Array(batchSize * seqLen); // [B*T]
  sequences.forEach((sequence, b) => {
    for (let t = 0; t < sequence.length; t++) {
      inputIds[b * seqLen + t] = sequence[t];
      attentionMask[b * seqLen + t] = 1;
    }
  });
  return { batchSize, seqLen, inputIds, attentionMask };
}
