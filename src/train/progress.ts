// Human progress on stderr: a bar with loss, lr, tokens/s and ETA on a terminal; a plain line every ~10 s
// when stderr is a file or pipe (CI logs, GPU commands).
import cliProgress from 'cli-progress';

export interface RunFacts {
  params: number;
  backend: string;
  adapter?: string;
  /** One run folder, or a group's (trained in lockstep). */
  runDirs: string[];
  sequences: number;
  passLength: number;
}

export class TrainingProgress {
  private readonly bar: cliProgress.SingleBar;
  private readonly began = performance.now();
  private tokensAtStart = -1;
  private stopped = false;

  constructor(total: number, startStep: number, facts: RunFacts) {
    const device = facts.adapter ? `${facts.backend} (${facts.adapter})` : facts.backend;
    process.stderr.write(
      `babyssa: ${(facts.params / 1e6).toFixed(2)}M parameters on ${device}; ${facts.sequences} sequences, ` +
        `${facts.passLength} masked instances per pass; ` +
        (facts.runDirs.length === 1 ? `run folder ${facts.runDirs[0]}\n` : `${facts.runDirs.length} runs as one group: ${facts.runDirs.join(', ')}\n`),
    );
    this.bar = new cliProgress.SingleBar(
      {
        stream: process.stderr,
        format: 'step {value}/{total} {bar} loss {loss} | lr {lr} | {tps} tok/s | ETA {eta_formatted}',
        barsize: 24,
        noTTYOutput: true,
        notTTYSchedule: 10_000,
        etaBuffer: 50,
        hideCursor: true,
      },
      cliProgress.Presets.shades_classic,
    );
    this.bar.start(total, startStep, { loss: '-', lr: '-', tps: '-' });
  }

  /** `loss` as shown: one run's loss, or a group's range. */
  update(step: number, loss: string, lr: number, tokensSeen: number): void {
    if (this.tokensAtStart < 0) this.tokensAtStart = tokensSeen;
    const seconds = (performance.now() - this.began) / 1000;
    const tps = seconds > 0 ? Math.round((tokensSeen - this.tokensAtStart) / seconds) : 0;
    this.bar.update(step, { loss, lr: lr.toExponential(2), tps });
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.bar.stop();
  }
}
