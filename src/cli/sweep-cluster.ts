// The parts of `babyssa sweep` that reach past one process on one adapter: --gpus (one unit per GPU of this host,
// each process pinned) and --emit slurm (the sweep's units as a job array). Kept apart from sweep.ts so the local
// runner stays readable.
import { resolve } from 'node:path';
import type { TrainConfig } from '../config/schema.js';
import { resultsDirForRun } from '../probe/output.js';
import { chooseGpus, listGpus, pinEnv, requirePin, type Gpu } from '../sweep/gpus.js';
import { mergeManifest, plannedRuns, type SweepPlan } from '../sweep/manifest.js';
import { updateManifest } from '../sweep/manifest-lock.js';
import { checkSbatchOptions, writeSlurmScripts, type SbatchOptions } from '../sweep/slurm.js';
import { autoLockstepSize, lockstepSize } from '../sweep/units.js';
import { fail } from './errors.js';

export const CLUSTER_OPTIONS = {
  gpus: { type: 'string', describe: 'place units on GPUs of this host, one process per GPU: all | 0,2,… (indices as `babyssa gpus` lists them); --parallel then counts units per GPU' },
  emit: { type: 'string', choices: ['slurm'], describe: 'plan the units into sweep.json and write a Slurm job array (one task per unit) and a dependent compare + report job instead of running' },
  partition: { type: 'string', describe: '--emit slurm: partition' },
  account: { type: 'string', describe: '--emit slurm: account' },
  time: { type: 'string', describe: '--emit slurm: time limit per task (HH:MM:SS); longer units save, requeue and resume' },
  'gpus-per-task': { type: 'number', describe: '--emit slurm: GPUs per task, 0 or 1 (default 1, or 0 with --backend cpu|wasm)' },
  'cpus-per-task': { type: 'number', describe: '--emit slurm: CPUs per task' },
  mem: { type: 'string', describe: '--emit slurm: memory per task, e.g. 16G' },
  'out-dir': { type: 'string', describe: '--emit slurm: folder for the scripts and logs (default <root>/<name>/slurm)' },
} as const;

const SLURM_ONLY = ['partition', 'account', 'time', 'gpus-per-task', 'cpus-per-task', 'mem', 'out-dir'] as const;
const CPU_BACKENDS = new Set(['cpu', 'wasm']);

/** Refuses combinations that cannot mean anything. */
export function checkClusterFlags(argv: Record<string, unknown>): void {
  for (const flag of SLURM_ONLY) if (argv[flag] !== undefined && argv.emit === undefined) fail(`--${flag} is a Slurm setting: add --emit slurm`);
  if (argv.emit !== undefined && argv.gpus !== undefined) fail('--gpus places units on this host; with --emit slurm, Slurm places them (--gpus-per-task)');
  if (argv.emit !== undefined && (argv.parallel as number) > 1) fail('--parallel runs units at once here; with --emit slurm, Slurm runs them');
  if (argv.gpus !== undefined && CPU_BACKENDS.has(String(argv.backend))) fail(`--gpus places units on GPUs; --backend ${String(argv.backend)} trains on the CPU`);
}

export interface GpuPlacement {
  gpus: Gpu[];
  /** Concurrent units: --parallel per GPU. */
  slots: number;
  /** Slot s runs on GPU s mod |gpus|. */
  gpuFor(slot: number): Gpu;
}

/** The GPUs --gpus names, each checked to pin (WebGPU backends), or null without --gpus. */
export async function gpuPlacement(argv: Record<string, unknown>, perGpu: number, log: (line: string) => void): Promise<GpuPlacement | null> {
  if (argv.gpus === undefined) return null;
  const gpus = chooseGpus(String(argv.gpus), await listGpus());
  if (argv.backend !== 'tensorflow') {
    for (const gpu of gpus) log(`GPU ${gpu.index} ${gpu.pci_bus} ${gpu.name}: pinned adapter "${requirePin(gpu)}"`);
  }
  return { gpus, slots: gpus.length * perGpu, gpuFor: (slot) => gpus[slot % gpus.length] };
}

/** What the sweep's launcher needs of a placement: each slot's environment (its pin) and how sweep.json names it. */
export function placementOptions(placement: GpuPlacement | null) {
  if (!placement) return {};
  return {
    env: (slot: number) => pinEnv(placement.gpuFor(slot)),
    placementOf: (slot: number) => `GPU ${placement.gpuFor(slot).index} (${placement.gpuFor(slot).pci_bus})`,
  };
}

/**
 * `--lockstep` as a group size. auto: as many runs as fit the GPU, but no more than fill every slot once
 * (`--gpus`: one unit per GPU); with --emit slurm the cluster's GPU is not this machine's, so auto is settled
 * here only where no GPU decides it (the tfjs engine).
 */
export async function unitSize(argv: Record<string, unknown>, config: TrainConfig, runs: number, slots: number): Promise<number> {
  if (argv.lockstep !== 'auto') return lockstepSize(String(argv.lockstep));
  const gpuDecides = config.engine === 'fused' || (config.engine === 'auto' && (config.backend === 'auto' || config.backend === 'webgpu'));
  if (argv.emit !== undefined && gpuDecides) {
    fail("--emit slurm: --lockstep auto would size groups by this machine's GPU, not the cluster's; give --lockstep K (or off)");
  }
  return autoLockstepSize(config, Math.ceil(runs / slots));
}

/** `--emit slurm`: plans the units into sweep.json, writes the scripts, prints where they are and how to submit. */
export async function emitSlurm(argv: Record<string, unknown>, plan: SweepPlan): Promise<void> {
  const sbatch: SbatchOptions = {
    partition: argv.partition as string | undefined,
    account: argv.account as string | undefined,
    time: argv.time as string | undefined,
    cpusPerTask: argv['cpus-per-task'] as number | undefined,
    mem: argv.mem as string | undefined,
    // A GPU per task unless the runs train on the CPU by choice.
    gpusPerTask: (argv['gpus-per-task'] as number | undefined) ?? (CPU_BACKENDS.has(String(argv.backend)) ? 0 : 1),
  };
  checkSbatchOptions(sbatch);
  const manifest = await updateManifest(plan.dir, (existing) => mergeManifest(existing, plan));
  const wanted = new Set(plannedRuns(plan).map((r) => r.id));
  const units = manifest.units.filter((u) => u.runs.some((id) => wanted.has(id))).map((u) => u.index);
  const sweepDir = resolve(plan.dir);
  const paths = await writeSlurmScripts({
    name: plan.name,
    scriptDir: resolve((argv['out-dir'] as string | undefined) ?? `${plan.dir}/slurm`),
    workdir: process.cwd(),
    babyssa: [process.execPath, ...process.execArgv, resolve(process.argv[1])],
    sweepDir: manifest.dir,
    units,
    // In a task with a GPU the unit is pinned in Vulkan to the GPU Slurm gave it (tfjs reads CUDA_VISIBLE_DEVICES).
    pinGpu: sbatch.gpusPerTask > 0 && argv.backend !== 'tensorflow',
    resultsDir: resultsDirForRun(sweepDir),
    sbatch,
  });
  if (!plan.pretrainFlags.includes('--probe-every') && !plan.finalProbe) {
    process.stderr.write('babyssa: warning: the runs are not probed (no --probe-every, --no-final-probe), so the compare + report job will find no probe results\n');
  }
  const sizes = units.map((i) => manifest.units[i].runs.length);
  const runsPer = Math.min(...sizes) === Math.max(...sizes) ? String(sizes[0]) : `${Math.min(...sizes)}–${Math.max(...sizes)}`;
  process.stdout.write(
    `sweep ${plan.name}: ${units.length} array tasks (one per unit of ${runsPer} run${runsPer === '1' ? '' : 's'}), then compare + report\n` +
      `  ${paths.array}\n  ${paths.report}\n  ${paths.submit}\nsubmit with:\n  bash ${paths.submit}\n`,
  );
}
