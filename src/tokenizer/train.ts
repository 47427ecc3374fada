// Byte-level BPE training with the semantics of HF's ByteLevelBPETokenizer.train as BabyBERTa used it
// (Lowercase, ByteLevel with add_prefix_space, the full 256-symbol alphabet, min_frequency), written here
// because the `tokenizers` node binding's train() takes no options.
//
// Vocabulary ids: the special tokens, then the 256 byte symbols in code-point order, then one id per merge
// in the order merges were chosen. Each step merges the adjacent pair with the highest count (summed over
// word occurrences, overlapping pairs like "a a" in "aaa" counted each time); ties go to the pair with the
// smaller (left id, right id) — HF's BpeTrainer rule, so the merges equal HF's. Pair counts and the words
// holding each pair are updated incrementally, so a merge costs only the words it touches.
import { UserError } from '../core/errors.js';
import { SPECIAL_TOKENS } from '../model/config.js';
import { BYTE_ALPHABET, preTokenize } from './byte-level.js';
import { PairQueue } from './pair-queue.js';

/** Pair keys pack two ids in one number; ids stay below this bound. */
const PAIR_KEY_BASE = 1 << 21;

export interface BpeTrainOptions {
  vocabSize: number;
  /** Pairs seen fewer times than this are never merged (BabyBERTa: 2). */
  minFrequency: number;
  /** Called now and then with the vocabulary size reached so far. */
  onProgress?: (vocabSize: number, target: number) => void;
}

export interface TrainedBpe {
  /** Token strings by id: specials, byte alphabet, merge results. */
  vocab: string[];
  /** Merges in rank order, as [left, right] token strings. */
  merges: [string, string][];
}

export const SPECIALS_AND_ALPHABET = SPECIAL_TOKENS.length + BYTE_ALPHABET.length;

/** How often each byte-level word occurs in the corpus lines. */
export function countWords(lines: Iterable<string>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of lines) {
    for (const word of preTokenize(line)) counts.set(word, (counts.get(word) ?? 0) + 1);
  }
  return counts;
}

interface PairChange {
  key: number;
  delta: number;
}

/**
 * Replaces every non-overlapping (left, right), scanning left to right, with `merged`, as HF's Word::merge does,
 * and reports the pair-count changes (per occurrence of the word) it causes around each replacement.
 */
function mergeInWord(symbols: number[], left: number, right: number, merged: number, changes: PairChange[]): void {
  for (let i = 0; i < symbols.length - 1; i++) {
    if (symbols[i] !== left || symbols[i + 1] !== right) continue;
    if (i > 0) {
      const previous = symbols[i - 1];
      changes.push({ key: previous * PAIR_KEY_BASE + left, delta: -1 });
      changes.push({ key: previous * PAIR_KEY_BASE + merged, delta: 1 });
    }
    symbols.splice(i, 2, merged);
    if (i < symbols.length - 1) {
      const next = symbols[i + 1];
      changes.push({ key: right * PAIR_KEY_BASE + next, delta: -1 });
      changes.push({ key: merged * PAIR_KEY_BASE + next, delta: 1 });
    }
  }
}

export function trainBpe(wordCounts: Map<string, number>, options: BpeTrainOptions): TrainedBpe {
  const { vocabSize, minFrequency, onProgress } = options;
  if (!Number.isInteger(vocabSize) || vocabSize < SPECIALS_AND_ALPHABET || vocabSize >= PAIR_KEY_BASE) {
    throw new UserError(`vocab size must be an integer from ${SPECIALS_AND_ALPHABET} (5 specials + 256 bytes) to ${PAIR_KEY_BASE - 1}, not ${vocabSize}`);
  }
  if (!Number.isInteger(minFrequency) || minFrequency < 0) throw new UserError(`min frequency must be a non-negative integer, not ${minFrequency}`);

  const vocab: string[] = [...SPECIAL_TOKENS, ...BYTE_ALPHABET];
  const idOf = new Map(vocab.map((token, id) => [token, id]));
  const merges: [string, string][] = [];

  const words: number[][] = [];
  const counts: number[] = [];
  for (const [word, count] of wordCounts) {
    words.push(Array.from(word, (symbol) => idOf.get(symbol) as number));
    counts.push(count);
  }

  const pairCounts = new Map<number, number>();
  const wordsWithPair = new Map<number, Set<number>>();
  const notePair = (key: number, wordIndex: number) => {
    let holders = wordsWithPair.get(key);
    if (!holders) {
      holders = new Set();
      wordsWithPair.set(key, holders);
    }
    holders.add(wordIndex);
  };
  words.forEach((symbols, w) => {
    for (let i = 0; i < symbols.length - 1; i++) {
      const key = symbols[i] * PAIR_KEY_BASE + symbols[i + 1];
      pairCounts.set(key, (pairCounts.get(key) ?? 0) + counts[w]);
      notePair(key, w);
    }
  });
  const queue = new PairQueue();
  for (const [key, count] of pairCounts) queue.push({ key, count });

  const changes: PairChange[] = [];
  while (vocab.length < vocabSize) {
    const top = queue.pop();
    if (!top) break;
    const current = pairCounts.get(top.key) ?? 0;
    if (top.count !== current) {
      if (current > 0) queue.push({ key: top.key, count: current });
      continue;
    }
    if (current < 1 || current < minFrequency) break;

    const left = Math.floor(top.key / PAIR_KEY_BASE);
    const right = top.key % PAIR_KEY_BASE;
    const token = vocab[left] + vocab[right];
    merges.push([vocab[left], vocab[right]]);
    // Two different merges can spell the same string ("a"+"bc", "ab"+"c"); like HF, they share one id.
    let merged = idOf.get(token);
    if (merged === undefined) {
      merged = vocab.length;
      vocab.push(token);
      idOf.set(token, merged);
    }

    const touched = new Set<number>();
    for (const w of wordsWithPair.get(top.key) ?? []) {
      changes.length = 0;
      mergeInWord(words[w], left, right, merged, changes);
      for (const { key, delta } of changes) {
        pairCounts.set(key, (pairCounts.get(key) ?? 0) + delta * counts[w]);
        if (delta > 0) {
          notePair(key, w);
          touched.add(key);
        }
      }
    }
    // Merging "a a" inside "a a a" also books a -1 against (a, a) itself; the pair is done, so drop it whole.
    pairCounts.delete(top.key);
    wordsWithPair.delete(top.key);
    for (const key of touched) {
      const count = pairCounts.get(key) ?? 0;
      if (count > 0) queue.push({ key, count });
    }
    if (onProgress && merges.length % 500 === 0) onProgress(vocab.length, vocabSize);
  }

  if (vocab.length < vocabSize) {
    throw new UserError(
      `the corpus supports only ${vocab.length} vocabulary entries at min frequency ${minFrequency} (asked for ${vocabSize}); ` +
        `lower --vocab-size to at most ${vocab.length}, lower --min-frequency, or use a larger corpus`,
    );
  }
  onProgress?.(vocab.length, vocabSize);
  return { vocab, merges };
}
