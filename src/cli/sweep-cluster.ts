// The parts of `babyssa sweep` that reach past one process on one adapter: --gpus (one GPU per unit on this
// host), --emit slurm (a job array) and --unit (one unit alone: what each array task runs). Kept apart from
// sweep.ts so the local runner stays readable.
import { resolve } from 'node:path';
import { resultsDirForRun } from '../probe/output.js';
import { mergeManifest, type SweepPlan } from '../sweep/manifest.js';
import { checkpointCompletion, type RunLauncher } from '../sweep/run.js';
import { checkPin, chooseGpus, listGpus, pinEnv, type Gpu } from '../sweep/gpus.js';
import { updateManifest } from '../sweep/manifest-lock.js';
import { checkSbatchOptions, requeueThisTask, slurmPlacement, writeSlurmScripts, type SbatchOptions } from '../sweep/slurm.js';
import { planUnits, runSweepUnit } from '../sweep/unit.js';
import { fail } from './errors.js';

export const CLUSTER_OPTIONS = {
  gpus: { type: 'string', describe: 'place units on GPUs of this host, one process per GPU: all | 0,2,… (indices as `babyssa gpus` lists them); --parallel then counts units per GPU' },
  emit: { type: 'string', choices: ['slurm'], describe: 'write a Slurm job array (one task per unit) and a dependent compare + report job instead of running' },
  partition: { type: 'string', describe: '--emit slurm: partition' },
  account: { type: 'string', describe: '--emit slurm: account' },
  time: { type: 'string', describe: '--emit slurm: time limit per task (HH:MM:SS); longer runs save, requeue and resume' },
  'gpus-per-task': { type: 'number', describe: '--emit slurm: GPUs per task, 0 or 1 (default 1, or 0 with --backend cpu|wasm)' },
  'cpus-per-task': { type: 'number', describe: '--emit slurm: CPUs per task' },
  mem: { type: 'string', describe: '--emit slurm: memory per task, e.g. 16G' },
  'out-dir': { type: 'string', describe: '--emit slurm: folder for the scripts and logs (default <root>/<name>/slurm)' },
  unit: { type: 'number', describe: 'run unit K of the sweep alone and exit (what each Slurm array task runs)' },
} as const;

const SLURM_ONLY = ['partition', 'account', 'time', 'gpus-per-task', 'cpus-per-task', 'mem', 'out-dir'] as const;
const CPU_BACKENDS = new Set(['cpu', 'wasm']);

/** Refuses combinations that cannot mean anything. */
export function checkClusterFlags(argv: Record<string, unknown>): void {
  for (const flag of SLURM_ONLY) if (argv[flag] !== undefined && argv.emit === undefined) fail(`--${flag} is a Slurm setting: add --emit slurm`);
  if (argv.emit !== undefined && argv.gpus !== undefined) fail('--gpus places units on this host; with --emit slurm, Slurm places them (--gpus-per-task)');
  if (argv.emit !== undefined && argv.unit !== undefined) fail('--unit runs one unit; --emit slurm writes the scripts that run them all');
  if (argv.unit !== undefined && (argv.parallel as number) > 1) fail('--unit runs one unit; --parallel does not apply');
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
    for (const gpu of gpus) {
      const pin = checkPin(gpu);
      if (!pin.ok) fail(`--gpus: cannot pin a process to GPU ${gpu.index} (${gpu.pci_bus}): ${pin.problem}`);
      log(`GPU ${gpu.index} ${gpu.pci_bus} ${gpu.name}: pinned adapter "${pin.adapter}"`);
    }
  }
  return { gpus, slots: gpus.length * perGpu, gpuFor: (slot) => gpus[slot % gpus.length] };
}

/** The environment a child on `slot` starts with (the pin), for the sweep's launcher. */
export function placementEnv(placement: GpuPlacement | null): ((slot: number) => Record<string, string>) | undefined {
  return placement ? (slot) => pinEnv(placement.gpuFor(slot)) : undefined;
}

/** `--emit slurm`: records the plan in sweep.json, writes the scripts, prints where they are and how to submit. */
export async function emitSlurm(argv: Record<string, unknown>, plan: SweepPlan, sweepArgs: string[]): Promise<void> {
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
  await updateManifest(plan.dir, (existing) => mergeManifest(existing, plan));
  const units = planUnits(plan).length;
  const sweepDir = resolve(plan.dir);
  const paths = await writeSlurmScripts({
    name: plan.name,
    scriptDir: resolve((argv['out-dir'] as string | undefined) ?? `${plan.dir}/slurm`),
    workdir: process.cwd(),
    babyssa: [process.execPath, ...process.execArgv, resolve(process.argv[1])],
    // In a task with a GPU, --gpus all is the GPU Slurm gave it: the unit is pinned to it in Vulkan too.
    unitArgs: [...sweepArgs, ...(sbatch.gpusPerTask > 0 ? ['--gpus', 'all'] : [])],
    units,
    sweepDir,
    resultsDir: resultsDirForRun(sweepDir),
    sbatch,
  });
  if (!plan.pretrainFlags.includes('--probe-every')) {
    process.stderr.write('babyssa: warning: the runs are not probed (no --probe-every), so the compare + report job will find no probe results\n');
  }
  process.stdout.write(
    `sweep ${plan.name}: ${units} array tasks (one per unit), then compare + report\n` +
      `  ${paths.array}\n  ${paths.report}\n  ${paths.submit}\nsubmit with:\n  bash ${paths.submit}\n`,
  );
}

/** `--unit K`: runs one unit; inside Slurm, a unit that stopped early (time limit) requeues its task. */
export async function runUnit(argv: Record<string, unknown>, plan: SweepPlan, launch: RunLauncher, placement: GpuPlacement | null, log: (line: string) => void): Promise<void> {
  const where = [slurmPlacement(), placement ? `GPU ${placement.gpus[0].index} (${placement.gpus[0].pci_bus})` : null].filter((p) => p !== null).join(', ');
  const outcome = await runSweepUnit(plan, argv.unit as number, {
    launch,
    completion: checkpointCompletion((argv.steps as number | undefined) ?? null),
    placement: where || null,
    log,
  });
  if (outcome.state === 'failed') process.exitCode = outcome.exitCode;
  if (outcome.state !== 'pending') return;
  if (requeueThisTask()) log(`sweep ${plan.name}: unit ${String(argv.unit)} saved and stopped early; requeued its Slurm task to resume`);
  else if (process.env.SLURM_JOB_ID) {
    log(`sweep ${plan.name}: unit ${String(argv.unit)} stopped early and \`scontrol requeue\` failed; submit the array again to resume`);
    // Not done: the dependent compare + report job must not start.
    process.exitCode = 1;
  } else log(`sweep ${plan.name}: unit ${String(argv.unit)} stopped early; run the same command again to resume`);
}
