// Flags a run whose loss has diverged without becoming NaN (e.g. --lr 1000: loss 7.5e7, exit 0, no word).
// ln V is the cross-entropy of a uniform guess over the vocabulary, about where the loss of an HF-initialised
// model starts; once learning has begun the loss stays below it. A loss above twice that, step after step,
// is worse than knowing nothing: a run in that state has diverged. One spike (a bad batch at a high lr) recovers
// within a few steps, so the flag needs DIVERGED_STEPS in a row. The run is flagged, never stopped: whether it
// is worth finishing is the user's call.

/** Consecutive steps above the bound before a run counts as diverged: far longer than a spike lasts. */
export const DIVERGED_STEPS = 50;
/** The bound as a multiple of ln V. */
export const DIVERGED_FACTOR = 2;

/** What trainer_state.json keeps so a resumed run flags exactly when the uninterrupted one would. */
export interface DivergenceState {
  /** First step of the current stretch of losses above the bound, or null after a step below it. */
  above_since: number | null;
  /** Step at which the run was first flagged, or null. */
  diverged_at: number | null;
}

export class DivergenceWatch {
  readonly bound: number;
  private state: DivergenceState;
  private flagged = false;

  constructor(vocabSize: number, saved?: DivergenceState, savedStep = 0) {
    this.bound = DIVERGED_FACTOR * Math.log(vocabSize);
    this.state = saved ? { ...saved } : { above_since: null, diverged_at: null };
    this.flagged = this.state.above_since !== null && savedStep - this.state.above_since + 1 >= DIVERGED_STEPS;
  }

  /** Records one step's loss; true at the step a stretch above the bound first counts as diverged. */
  add(step: number, loss: number): boolean {
    if (!(loss > this.bound)) {
      this.state.above_since = null;
      this.flagged = false;
      return false;
    }
    this.state.above_since ??= step;
    if (this.flagged || step - this.state.above_since + 1 < DIVERGED_STEPS) return false;
    this.flagged = true;
    this.state.diverged_at ??= step;
    return true;
  }

  /** Whether the run is in a diverged stretch now (the `diverged` field of a metrics line). */
  get diverged(): boolean {
    return this.flagged;
  }

  /** The first step the run was flagged at, or null. */
  get divergedAt(): number | null {
    return this.state.diverged_at;
  }

  snapshot(): DivergenceState {
    return { ...this.state };
  }

  /** The stderr warning at the step a stretch is flagged. */
  warning(run: string, step: number, loss: number): string {
    return (
      `${run}: the loss has stayed above ${this.bound.toFixed(1)} (${DIVERGED_FACTOR} × ln V, twice a uniform guess) for ${DIVERGED_STEPS} steps ` +
      `(${loss.toPrecision(3)} at step ${step}): this run has diverged; training goes on (a lower --lr may help)`
    );
  }
}
