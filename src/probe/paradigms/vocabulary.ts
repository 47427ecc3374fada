// Which lexicon words a suite may use, and how often: like Zorro, only words the model's tokenizer keeps
// whole (one `Ġword` token, so every sentence of a pair tokenizes word by word) and that occur in the training
// corpus, drawn favouring frequent ones.
import { whitespaceTokens } from '../../data/corpus.js';
import { WeightedList } from '../../core/random.js';
import type { Tokenizer } from '../../tokenizer/types.js';

export type WordCounts = ReadonlyMap<string, number>;

/** How often each lower-cased whitespace token occurs in the corpus lines. */
export function countWords(lines: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of lines) {
    for (const word of whitespaceTokens(line.toLowerCase())) counts.set(word, (counts.get(word) ?? 0) + 1);
  }
  return counts;
}

export interface Vocabulary {
  /**
   * Sampling weight of an item whose slots hold these words: 0 unless every word is a whole-word token seen at
   * least `minCount` times. The weight is √(count of its rarest word): frequent words come up more often, yet
   * not so much more that the few most frequent words crowd out the variety 2,000 unique pairs need.
   */
  weightOf(words: readonly string[]): number;
}

export function buildVocabulary(tokenizer: Pick<Tokenizer, 'isWholeWord'>, counts: WordCounts, minCount: number): Vocabulary {
  const wholeWord = new Map<string, boolean>();
  const isWhole = (word: string): boolean => {
    let known = wholeWord.get(word);
    if (known === undefined) {
      known = tokenizer.isWholeWord(word);
      wholeWord.set(word, known);
    }
    return known;
  };
  return {
    weightOf(words) {
      let rarest = Infinity;
      for (const word of words) {
        const count = counts.get(word) ?? 0;
        if (count < minCount || !isWhole(word)) return 0;
        rarest = Math.min(rarest, count);
      }
      return words.length === 0 ? 0 : Math.sqrt(rarest);
    },
  };
}

/** Items whose words the vocabulary allows, drawn with their weights. */
export function poolOf<T>(vocabulary: Vocabulary, candidates: readonly T[], wordsOf: (item: T) => readonly string[]): WeightedList<T> {
  const items: T[] = [];
  const weights: number[] = [];
  for (const candidate of candidates) {
    const weight = vocabulary.weightOf(wordsOf(candidate));
    if (weight > 0) {
      items.push(candidate);
      weights.push(weight);
    }
  }
  return new WeightedList(items, weights);
}
