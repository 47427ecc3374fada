// The one family of seeded random streams (seedrandom's alea): the run's stream, whose state goes into every
// checkpoint so a resumed run draws exactly the numbers the uninterrupted run would have drawn; streams derived
// from a seed for one purpose (an epoch's shuffle, a paradigm's pairs); the corpus generator's stream; and the
// weighted draws all of them make.
import seedrandom from 'seedrandom';

export interface RandomStream {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  /** One of the items, uniformly. */
  pick<T>(items: readonly T[]): T;
  /** One of the options, by weight: `[[weight, value], …]` (a linear scan: for short literal lists). */
  weighted<T>(options: readonly (readonly [number, T])[]): T;
  state(): unknown;
}

type StatefulAlea = seedrandom.PRNG & { state(): object };

function wrap(prng: StatefulAlea): RandomStream {
  const int = (n: number) => Math.floor(prng() * n);
  return {
    next: () => prng(),
    int,
    chance: (p) => prng() < p,
    pick: (items) => items[int(items.length)],
    weighted: (options) => {
      const total = options.reduce((sum, [weight]) => sum + weight, 0);
      let u = prng() * total;
      for (const [weight, value] of options) {
        u -= weight;
        if (u < 0) return value;
      }
      return options[options.length - 1][1];
    },
    state: () => prng.state(),
  };
}

export function streamFromSeed(seed: number | string): RandomStream {
  return wrap(seedrandom.alea(String(seed), { state: true }) as unknown as StatefulAlea);
}

export function streamFromState(state: unknown): RandomStream {
  return wrap(seedrandom.alea('', { state: state as object } as never) as unknown as StatefulAlea);
}

/** A stream for one purpose, derived from the run seed (e.g. the shuffle of epoch 3). */
export function derivedStream(seed: number, purpose: string): RandomStream {
  return streamFromSeed(`${seed}/${purpose}`);
}

/** Fisher–Yates shuffle in place. */
export function shuffleInPlace<T>(items: T[] | Int32Array, random: RandomStream): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = random.int(i + 1);
    const tmp = items[i];
    items[i] = items[j];
    items[j] = tmp;
  }
}

/** The index whose weight interval holds `uniform` ∈ [0, 1): weights given as ascending cumulative sums. */
export function pickCumulative(cumulative: Float64Array, uniform: number): number {
  const u = uniform * cumulative[cumulative.length - 1];
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cumulative[mid] > u) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Items drawn with fixed weights, O(log n) per draw (a Zipf word list, a vocabulary-weighted pool). */
export class WeightedList<T> {
  private readonly cumulative: Float64Array;

  constructor(readonly items: readonly T[], weights: readonly number[]) {
    this.cumulative = new Float64Array(items.length);
    let sum = 0;
    weights.forEach((weight, i) => {
      sum += weight;
      this.cumulative[i] = sum;
    });
  }

  get size(): number {
    return this.items.length;
  }

  draw(random: RandomStream): T {
    if (this.items.length === 0) throw new Error('WeightedList.draw on an empty list (check size first)');
    return this.items[pickCumulative(this.cumulative, random.next())];
  }
}
