// What the rest of babyssa needs from a tokenizer: ids for training and scoring, and word boundaries for probes.

export interface Encoded {
  ids: number[];
  tokens: string[];
}

export interface Tokenizer {
  /** Number of ids, specials included (ids run 0 … vocabSize − 1). */
  vocabSize: number;
  /** Lower-cases, splits and BPE-encodes, wrapped as `<s> … </s>`. */
  encode(text: string): Encoded;
  decode(ids: readonly number[]): string;
  tokenToId(token: string): number | undefined;
  idToToken(id: number): string | undefined;
  /** True when `word` (as typed, e.g. "dog") encodes to one token `Ġdog`: usable in probe templates. */
  isWholeWord(word: string): boolean;
  /** True when the token with this id begins a word (starts with `Ġ`), the boundary PLL-word-l2r uses. */
  isWordStart(id: number): boolean;
  /** The tokenizer.json text, copied into checkpoints. */
  json: string;
}
