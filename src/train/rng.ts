// One random stream per run, derived from --seed, whose state goes into every checkpoint so a resumed run
// draws exactly the numbers the uninterrupted run would have drawn.
import seedrandom from 'seedrandom';

export interface RandomStream {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  state(): unknown;
}

type StatefulAlea = seedrandom.PRNG & { state(): object };

function wrap(prng: StatefulAlea): RandomStream {
  return {
    next: () => prng(),
    int: (n) => Math.floor(prng() * n),
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
