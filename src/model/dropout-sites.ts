// Where the model drops, numbered once for both engines: a site number enters every mask's hash
// (src/core/dropout.ts), so each place gets an independent mask and both engines draw the same one there.
// Hidden-state sites mask [tokens, hidden]; the attention site masks each layer's [heads, T, T] weights.

export const DROPOUT_SITES = {
  /** The embeddings' LayerNorm output. */
  embeddings: 0,
  /** The attention weights of layer l, after Softmax/SSA. */
  attentionProbs: (layer: number) => 1 + 4 * layer,
  /** The attention output dense (before the residual sum) of layer l. */
  attentionOutput: (layer: number) => 2 + 4 * layer,
  /** The FFN output dense (before the residual sum) of layer l. */
  ffnOutput: (layer: number) => 3 + 4 * layer,
} as const;
