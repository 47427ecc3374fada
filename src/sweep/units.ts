// A sweep's units of work: each unit is one child process that trains up to K runs of one shape as a group
// (`--lockstep`), and one command line, the same on every attempt: `babyssa sweep-unit <sweep-dir> <index>`
// resumes by itself (NOTICES.md "grid: units"), so a unit can go to another GPU or a Slurm array task as is.
import { modelConfigFor } from '../config/resolve.js';
import type { TrainConfig } from '../config/schema.js';
import { UserError } from '../core/errors.js';
import { resolveEngineKind } from '../engine/index.js';
import { requestWebGpu } from '../engine/webgpu-runtime.js';

/** The hidden command that runs one unit. */
export const UNIT_COMMAND = 'sweep-unit';

export function unitArgv(sweepDir: string, index: number): string[] {
  return [UNIT_COMMAND, sweepDir, String(index)];
}

/**
 * Splits runs (in plan order) into as few units of at most `size` as possible, of sizes differing by at most
 * one: on several GPUs the units then finish together, and a unit's wall time barely depends on its K.
 */
export function splitIntoUnits<T>(runs: readonly T[], size: number): T[][] {
  if (runs.length === 0) return [];
  const count = Math.ceil(runs.length / size);
  const base = Math.floor(runs.length / count);
  const larger = runs.length % count;
  const units: T[][] = [];
  let at = 0;
  for (let u = 0; u < count; u++) {
    const length = base + (u < larger ? 1 : 0);
    units.push(runs.slice(at, at + length));
    at += length;
  }
  return units;
}

/** `--lockstep off|K` as a group size (off is 1); `auto` is settled by autoLockstepSize. */
export function lockstepSize(value: string): number {
  if (value === 'off') return 1;
  const size = Number(value);
  if (!Number.isInteger(size) || size < 1) throw new UserError(`--lockstep must be auto, off or a positive integer (got ${value})`);
  return size;
}

/**
 * `--lockstep auto`: on the fused engine, as many of the sweep's `runs` as fit the GPU's buffer limits at the
 * largest batch the run can meet (batch size × --max-length: one long utterance pads a whole batch, and the
 * engine refuses a batch that outgrows the group); elsewhere 1, since the tfjs engine gains nothing from a group.
 */
export async function autoLockstepSize(config: TrainConfig, runs: number): Promise<number> {
  if ((await resolveEngineKind(config.engine, config.backend)).kind !== 'fused') return 1;
  const gpu = await requestWebGpu();
  const { maxGroupSize } = await import('../engine/webgpu/engine.js');
  const fits = maxGroupSize(gpu!.device.limits, modelConfigFor(config), { batch: config.batchSize, seq: config.maxLength });
  if (fits < 1) throw new UserError(`not even one ${config.preset} model fits this GPU's buffer limits at batch ${config.batchSize}×${config.maxLength}`);
  return Math.min(runs, fits);
}
