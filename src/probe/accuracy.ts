// Turning pair scores into accuracy: an explicit, deterministic tie policy and Wilson score intervals.
// Zorro breaks ties with an unseeded coin and lm-eval counts them correct; we make the choice a flag.
import { createHash } from 'node:crypto';

export const TIE_POLICIES = ['wrong', 'half', 'coin'] as const;
export type TiePolicy = (typeof TIE_POLICIES)[number];

/**
 * Credit for one pair: 1 if the grammatical sentence wins, 0 if it loses; a tie earns 0 (`wrong`),
 * 0.5 (`half`), or a fair coin seeded by (seed, paradigm, pair id) so reruns and reorderings agree (`coin`).
 */
export function pairCredit(goodWins: boolean, tie: boolean, policy: TiePolicy, seed: number, paradigm: string, pairId: number): number {
  if (!tie) return goodWins ? 1 : 0;
  if (policy === 'wrong') return 0;
  if (policy === 'half') return 0.5;
  const digest = createHash('sha256').update(`${seed}\0${paradigm}\0${pairId}`).digest();
  return digest[0] & 1;
}

/** z for a two-sided 95% interval. */
const Z95 = 1.959963984540054;

/** Wilson score interval for `successes` out of `n` (successes may be fractional under --ties half). */
export function wilsonInterval(successes: number, n: number, z = Z95): [number, number] {
  if (n === 0) return [0, 1];
  const p = successes / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  // At p = 0 or 1 the exact bound is 0 or 1; rounding would otherwise leave 1e-16 off it.
  return [p === 0 ? 0 : Math.max(0, centre - half), p === 1 ? 1 : Math.min(1, centre + half)];
}
