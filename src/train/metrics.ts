// metrics.jsonl: one line per logging interval, means over the interval. On resume, lines past the resumed
// step are dropped so the file reads as if the run had never stopped.
import { appendFile, readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { diskFullError, isDiskFull } from '../core/disk-full.js';
import { writeFileAtomic } from '../core/files.js';

export interface MetricsLine {
  step: number;
  loss: number;
  lr: number;
  grad_norm: number;
  tokens_per_s: number;
  elapsed_s: number;
  /** The loss has stayed far above chance for a while at this step (src/train/divergence.ts). */
  diverged: boolean;
}

export async function truncateMetrics(path: string, lastStep: number): Promise<void> {
  const text = await readFile(path, 'utf8').catch(() => '');
  const kept = text.split('\n').filter((line) => line.trim() !== '' && (JSON.parse(line) as MetricsLine).step <= lastStep);
  await writeFileAtomic(path, kept.map((line) => line + '\n').join(''));
}

/** Accumulates step results and emits interval means. */
export class MetricsWindow {
  private loss = 0;
  private gradNorm = 0;
  private tokens = 0;
  private steps = 0;
  private started = performance.now();

  add(loss: number, gradNorm: number, tokens: number): void {
    this.loss += loss;
    this.gradNorm += gradNorm;
    this.tokens += tokens;
    this.steps++;
  }

  get empty(): boolean {
    return this.steps === 0;
  }

  flush(step: number, lr: number, elapsedS: number, diverged: boolean): MetricsLine {
    const seconds = (performance.now() - this.started) / 1000;
    const line = {
      step,
      loss: this.loss / this.steps,
      lr,
      grad_norm: this.gradNorm / this.steps,
      tokens_per_s: seconds > 0 ? this.tokens / seconds : 0,
      elapsed_s: elapsedS,
      diverged,
    };
    this.loss = this.gradNorm = this.tokens = this.steps = 0;
    this.started = performance.now();
    return line;
  }
}

export async function appendMetrics(path: string, line: MetricsLine): Promise<void> {
  const text = JSON.stringify(line) + '\n';
  try {
    await appendFile(path, text);
  } catch (error) {
    if (isDiskFull(error)) throw diskFullError(error, dirname(path), Buffer.byteLength(text), basename(path));
    throw error;
  }
}
