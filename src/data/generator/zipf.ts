// Zipf-ranked word lists: the draws that give the corpus a child-directed frequency profile (a few words very
// often, most words a few times).
import { WeightedList } from '../../core/random.js';

/**
 * A list whose order is its frequency rank, drawn with p(rank r) ∝ 1 / (r + offset)^exponent. The offset
 * flattens the head so the first few words do not swamp the rest.
 */
export function zipfList<T>(items: readonly T[], exponent = 1, offset = 2): WeightedList<T> {
  if (items.length === 0) throw new RangeError('a Zipf list needs at least one item');
  return new WeightedList(items, items.map((_, rank) => 1 / (rank + offset) ** exponent));
}

/** A whitespace-separated word list, in the order written (= frequency rank). */
export function words(list: string): string[] {
  return list.trim().split(/\s+/);
}
