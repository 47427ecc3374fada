// Learning rate as a pure function of the step: linear warm-up to the peak, then linear decay to 0 at the
// last step (BabyBERTa and the HF Trainer's "linear" schedule). Steps count from 1.
export function learningRate(step: number, peak: number, warmupSteps: number, totalSteps: number): number {
  if (warmupSteps > 0 && step <= warmupSteps) return (peak * step) / warmupSteps;
  const remaining = totalSteps - step;
  const decaySteps = totalSteps - warmupSteps;
  return decaySteps <= 0 ? peak : Math.max(0, (peak * remaining) / decaySteps);
}
