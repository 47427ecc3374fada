// Batches of token ids as the data, training, probing and engine layers share them.

/** Token ids of B sequences padded to T with the pad id. */
export interface TokenBatch {
  batchSize: number;
  seqLen: number;
  inputIds: Int32Array; // [B*T]
  /** 1 for a real token, 0 for padding. */
  attentionMask: Uint8Array; // [B*T]
}

/** Positions whose original token the model must predict, with those tokens. */
export interface TargetedBatch extends TokenBatch {
  targetPositions: Int32Array; // [M] flat indices b*T + t
  targetIds: Int32Array; // [M]
}
