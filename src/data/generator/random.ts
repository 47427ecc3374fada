// The generator's one random source (seedrandom's alea, seeded from the user's seed) and the Zipf-weighted
// choice that gives the corpus a child-directed frequency profile: a few words very often, most words a few times.
import seedrandom from 'seedrandom';
import { pickCumulative } from '../../train/rng.js';

export class Random {
  private readonly prng: seedrandom.PRNG;

  constructor(seed: number | string) {
    this.prng = seedrandom.alea(`babyssa-corpus/${seed}`);
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.prng();
  }

  int(n: number): number {
    return Math.floor(this.prng() * n);
  }

  chance(p: number): boolean {
    return this.prng() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  /** One of the options, by weight: `[[weight, value], …]`. */
  weighted<T>(options: readonly (readonly [number, T])[]): T {
    const total = options.reduce((sum, [weight]) => sum + weight, 0);
    let u = this.prng() * total;
    for (const [weight, value] of options) {
      u -= weight;
      if (u < 0) return value;
    }
    return options[options.length - 1][1];
  }
}

/**
 * Draws from a list whose order is its frequency rank, with p(rank r) ∝ 1 / (r + offset)^exponent. The offset
 * flattens the head so the first few words do not swamp the rest; the cumulative table makes a draw O(log n).
 */
export class ZipfList<T> {
  private readonly cumulative: Float64Array;

  constructor(readonly items: readonly T[], exponent = 1, offset = 2) {
    if (items.length === 0) throw new RangeError('ZipfList needs at least one item');
    this.cumulative = new Float64Array(items.length);
    let sum = 0;
    items.forEach((_, rank) => {
      sum += 1 / Math.pow(rank + offset, exponent);
      this.cumulative[rank] = sum;
    });
  }

  draw(random: Random): T {
    return this.items[pickCumulative(this.cumulative, random.next())];
  }
}

/** A whitespace-separated word list, in the order written (= frequency rank). */
export function words(list: string): string[] {
  return list.trim().split(/\s+/);
}
