// One Slurm array task (`babyssa sweep-task <sweep-dir> <index>`, what array.sbatch runs): one attempt at unit
// <index> of the sweep, exactly as a local sweep attempts it (attemptUnit: the unit's own command line, its runs
// read back from their folders, its record written to sweep.json under the lock), plus what only Slurm needs:
// where the task ran, the GPU Slurm gave it pinned below Dawn, and the task's own requeue when its unit stopped
// early on the signal Slurm sends before the time limit.
import { spawnSync } from 'node:child_process';
import { UserError } from '../core/errors.js';
import { listGpus, requirePin, type Gpu } from './gpus.js';
import { readManifest } from './manifest.js';
import { attemptUnit, checkpointCompletion, type RunLauncher } from './run.js';

/** Inside a Slurm task: where it runs, for sweep.json ("slurm job 41 (array 37_2) on node07"), or null outside Slurm. */
export function slurmPlacement(env: NodeJS.ProcessEnv = process.env): string | null {
  if (!env.SLURM_JOB_ID) return null;
  const array = env.SLURM_ARRAY_JOB_ID ? ` (array ${env.SLURM_ARRAY_JOB_ID}_${env.SLURM_ARRAY_TASK_ID})` : '';
  return `slurm job ${env.SLURM_JOB_ID}${array} on ${env.SLURMD_NODENAME ?? 'unknown node'}`;
}

/**
 * The id that names this task alone to scontrol: <array job>_<task> in an array, since the bare SLURM_JOB_ID of
 * the array's first task is also the array's own id, which scontrol applies to every task of the array.
 */
export function taskJobId(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.SLURM_ARRAY_JOB_ID && env.SLURM_ARRAY_TASK_ID) return `${env.SLURM_ARRAY_JOB_ID}_${env.SLURM_ARRAY_TASK_ID}`;
  return env.SLURM_JOB_ID ?? null;
}

/**
 * Asks Slurm to requeue this task (after its unit stopped early and saved, e.g. before the time limit): it starts
 * again later and resumes. Returns whether Slurm accepted.
 */
export function requeueThisTask(env: NodeJS.ProcessEnv = process.env): boolean {
  const id = taskJobId(env);
  if (!id) return false;
  const result = spawnSync('scontrol', ['requeue', id], { encoding: 'utf8', timeout: 60_000 });
  return result.status === 0;
}

/**
 * The one GPU Slurm gave this task (nvidia-smi under the task's CUDA_VISIBLE_DEVICES), checked to pin: NVIDIA's
 * Vulkan driver ignores CUDA_VISIBLE_DEVICES, so without the pin every task of a node would train on its first GPU.
 */
export async function slurmTaskGpu(env: NodeJS.ProcessEnv = process.env): Promise<Gpu> {
  const { gpus, tried } = await listGpus(env);
  if (gpus.length !== 1) {
    const seen = gpus.length === 0 ? `none (${tried.join('; ')})` : gpus.map((g) => `${g.index} ${g.pci_bus}`).join(', ');
    throw new UserError(`this task should see exactly the one GPU Slurm gave it (CUDA_VISIBLE_DEVICES=${env.CUDA_VISIBLE_DEVICES ?? 'unset'}); it sees ${seen}`);
  }
  requirePin(gpus[0], env);
  return gpus[0];
}

export interface TaskOptions {
  launch: RunLauncher;
  log: (line: string) => void;
  /** The GPU the unit is pinned to (the launcher's environment pins it), or null. */
  gpu: Gpu | null;
  /** True once Slurm sent SIGTERM (scancel, a hard requeue, preemption): Slurm itself decides what comes next. */
  terminated: () => boolean;
  requeue?: () => boolean;
  env?: NodeJS.ProcessEnv;
}

export interface TaskOutcome {
  /**
   * 0 when every run of the unit is settled (done, or stopped on a NaN, which is a result), or the unit stopped
   * early and either the task requeued itself or Slurm is ending it (SIGTERM); the unit's code when a run failed
   * (retried by the next submission; the compare + report job, afterok, waits for it); 1 when the unit stopped
   * early and its requeue failed.
   */
  exitCode: number;
  /** The task asked Slurm to requeue it: it must now wait for Slurm to end it (waitForRequeue). */
  requeued: boolean;
}

/**
 * 300 s: Slurm ends a job it requeues at once (its SIGTERM, then SIGKILL after KillWait, 30 s by default). A task
 * that ended itself first could be counted as completed with exit 0, which satisfies the compare + report job's
 * afterok before the requeued task has run again.
 */
export const REQUEUE_WAIT_S = 300;

/** After a requeue: waits for Slurm to end this process; returns only if it did not within REQUEUE_WAIT_S. */
export function waitForRequeue(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, REQUEUE_WAIT_S * 1000));
}

export async function runTask(dir: string, index: number, options: TaskOptions): Promise<TaskOutcome> {
  const { log, env = process.env, requeue = () => requeueThisTask(env) } = options;
  const manifest = await readManifest(dir);
  if (!manifest) throw new UserError(`no sweep.json in ${dir}: write the job with \`babyssa sweep … --emit slurm\` first`);
  const unit = manifest.units[index];
  if (!Number.isInteger(index) || !unit) throw new UserError(`${dir} has units 0 … ${manifest.units.length - 1}, not ${index}`);
  const gpu = options.gpu && `GPU ${options.gpu.index} (${options.gpu.pci_bus})`;
  const placement = [slurmPlacement(env), gpu].filter((p) => p).join(', ') || null;
  const attempt = await attemptUnit(manifest, unit, 0, {
    launch: options.launch, completion: checkpointCompletion(null, manifest.final_probe), log, placementOf: () => placement,
  });
  const runs = unit.runs.map((id) => manifest.runs.find((r) => r.id === id)!);
  if (attempt.settled) {
    if (attempt.code === null) log(`sweep ${manifest.name}: unit ${index} is already done`);
    return { exitCode: 0, requeued: false };
  }
  if (runs.some((r) => r.state === 'failed')) return { exitCode: attempt.code || 1, requeued: false };
  if (options.terminated()) {
    // Resumable, as a unit's own 0 says; whether the task counts as done is Slurm's (a cancelled task never is).
    log(`sweep ${manifest.name}: unit ${index} saved and stopped on SIGTERM; Slurm requeues or ends the task`);
    return { exitCode: 0, requeued: false };
  }
  if (requeue()) {
    log(`sweep ${manifest.name}: unit ${index} saved and stopped early; requeued its Slurm task to resume`);
    return { exitCode: 0, requeued: true };
  }
  if (!env.SLURM_JOB_ID) {
    log(`sweep ${manifest.name}: unit ${index} stopped early; run the same command again to resume`);
    return { exitCode: 0, requeued: false };
  }
  // Not done: the dependent compare + report job must not start.
  log(`sweep ${manifest.name}: unit ${index} stopped early and \`scontrol requeue\` failed; submit the array again to resume`);
  return { exitCode: 1, requeued: false };
}
