// SSA's legal domain, the paper's: n ≥ 1 and b > 0 (w = (1 + b|x|)^(n·sgn x)). Outside it the engines do not even
// agree: for b·|x| < −1 the fused engine's log1p(b|x|) is NaN while the reference's series goes on with wrong math.
// Training keeps the trainable n and b inside by a projection after every AdamW update, the same in both engines
// (n ← max(n, SSA_N_MIN), b ← max(b, SSA_B_MIN)); checkpoints store n and b themselves, and loading weights or a
// config outside the domain is refused through ssaValueProblem, the one check.

/** The projection's floor for n: SSA's own lower limit (n = 1 is plain log-space scaling). */
export const SSA_N_MIN = 1;
/**
 * The projection's floor for b: far below any b that trains (the default is 0.8; at 1e-6 every SSA logit is
 * ≈ 0), yet b·|x| stays a normal float32 for any logit above 1e-32, so a GPU that flushes denormals computes
 * what the CPU reference does.
 */
export const SSA_B_MIN = 1e-6;

/** What is wrong with `value` as SSA's n or b (NaN included), or null when it is legal. */
export function ssaValueProblem(which: 'n' | 'b', value: number): string | null {
  if (which === 'n') return value >= SSA_N_MIN ? null : `SSA needs n ≥ ${SSA_N_MIN}, got ${value}`;
  return value > 0 ? null : `SSA needs b > 0, got ${value}`;
}
