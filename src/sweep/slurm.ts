// `sweep --emit slurm`: the sweep's units (planned into sweep.json first) as a Slurm job array, one array task
// per unit (a lockstep group is one task), plus compare + report as a job that depends on every task having
// succeeded (afterok), plus submit.sh, which submits both and wires the dependency. The scripts hold no state:
// each task runs `babyssa sweep-task <sweep-dir> $SLURM_ARRAY_TASK_ID` (slurm-task.ts), which attempts its unit
// through the unit's own command line (resuming each run from its last checkpoint) and records it in sweep.json,
// so a task may start any number of times (--requeue after a node failure or preemption, a time limit, a second
// submission).
//
// Time limits: `--signal=B:INT@SIGNAL_MARGIN_S` has Slurm send SIGINT to the task's process (the script execs
// babyssa, so the batch shell is babyssa, which passes it on to the unit) that long before the limit; every run
// of the unit saves a checkpoint and stops, and the task requeues itself (`scontrol requeue`), so runs longer than
// the partition's limit still finish.
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../core/errors.js';

/** The hidden command an array task runs (src/cli/sweep-task.ts). */
export const TASK_COMMAND = 'sweep-task';

/** 180 s: a BabyBERTa checkpoint saves in seconds (K of them for a lockstep unit); the rest lets a probe finish. */
export const SIGNAL_MARGIN_S = 180;

export interface SbatchOptions {
  partition?: string;
  account?: string;
  /** HH:MM:SS, MM, D-HH:MM:SS … (sbatch --time). */
  time?: string;
  cpusPerTask?: number;
  /** Memory per node, e.g. 16G (sbatch --mem). */
  mem?: string;
  /** GPUs per array task: 0 (CPU runs) or 1 (a unit trains on one GPU). */
  gpusPerTask: number;
}

export interface SlurmJob {
  name: string;
  /** Folder the scripts and logs go to (absolute). */
  scriptDir: string;
  /** Folder every command runs in, so relative paths in the sweep's flags mean what they meant here. */
  workdir: string;
  /** How to start babyssa: [node, …node flags, entry script], as this process was started. */
  babyssa: string[];
  /** The sweep folder as sweep.json records it (relative to `workdir` or absolute). */
  sweepDir: string;
  /** The units the array runs (their indices in sweep.json). */
  units: number[];
  /** Pin each task's unit to the GPU Slurm gave the task (`sweep-task --gpu`). */
  pinGpu: boolean;
  resultsDir: string;
  sbatch: SbatchOptions;
}

/** One shell word: left bare when it is safe, else single-quoted. */
export function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

const command = (words: string[]) => words.map(shellWord).join(' ');

/** sbatch --array's list for unit indices: runs of consecutive indices as ranges ([0, 1, 2, 5] → "0-2,5"). */
export function arraySpec(indices: number[]): string {
  const sorted = [...indices].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    parts.push(i === j ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** Checks the values that go onto #SBATCH lines (sbatch splits them on white space, so nothing else may pass). */
export function checkSbatchOptions(options: SbatchOptions): void {
  const checks: [string, string | undefined, RegExp, string][] = [
    ['--partition', options.partition, /^[\w.,-]+$/, 'a partition name (or several, comma-separated)'],
    ['--account', options.account, /^[\w.-]+$/, 'an account name'],
    ['--time', options.time, /^(\d+-)?\d+(:\d{1,2}){0,2}$/, 'minutes, MM:SS, HH:MM:SS or D-HH:MM:SS'],
    ['--mem', options.mem, /^\d+[KMGT]?$/, 'a size such as 16G'],
  ];
  for (const [flag, value, pattern, what] of checks) {
    if (value !== undefined && !pattern.test(value)) throw new UserError(`${flag} "${value}" is not ${what}`);
  }
  if (options.cpusPerTask !== undefined && (!Number.isInteger(options.cpusPerTask) || options.cpusPerTask < 1)) {
    throw new UserError('--cpus-per-task must be a positive integer');
  }
  if (options.gpusPerTask !== 0 && options.gpusPerTask !== 1) {
    throw new UserError('--gpus-per-task must be 0 or 1: a unit trains on one GPU (more units, more tasks)');
  }
}

function commonSbatch(options: SbatchOptions): string[] {
  return [
    ...(options.partition ? [`--partition=${options.partition}`] : []),
    ...(options.account ? [`--account=${options.account}`] : []),
    ...(options.time ? [`--time=${options.time}`] : []),
  ];
}

export function slurmScripts(job: SlurmJob): { array: string; report: string; submit: string } {
  const { sbatch, scriptDir } = job;
  const logs = join(scriptDir, 'logs');
  const header = (lines: string[]) => lines.map((line) => `#SBATCH ${line}`).join('\n');
  const array = `#!/bin/bash
# babyssa sweep "${job.name}": one array task per unit (${job.units.length} units). Written by \`babyssa sweep --emit slurm\`.
# Each task runs its unit (the unit's command in ${join(job.sweepDir, 'sweep.json')}), which resumes every run
# of the unit from its last checkpoint, and records the unit there: a requeued, preempted or resubmitted task
# continues where it stopped, and a unit already done exits at once. Submit with ${join(scriptDir, 'submit.sh')}.
${header([
  `--job-name=babyssa-${job.name}`,
  `--array=${arraySpec(job.units)}`,
  '--ntasks=1',
  '--requeue',
  '--open-mode=append',
  `--output=${join(logs, 'unit-%a.out')}`,
  `--signal=B:INT@${SIGNAL_MARGIN_S}`,
  ...commonSbatch(sbatch),
  ...(sbatch.gpusPerTask > 0 ? [`--gpus-per-task=${sbatch.gpusPerTask}`] : []),
  ...(sbatch.cpusPerTask ? [`--cpus-per-task=${sbatch.cpusPerTask}`] : []),
  ...(sbatch.mem ? [`--mem=${sbatch.mem}`] : []),
])}
set -euo pipefail
cd ${shellWord(job.workdir)}
echo "babyssa: unit $SLURM_ARRAY_TASK_ID, job $SLURM_JOB_ID, start $((\${SLURM_RESTART_COUNT:-0} + 1)), on $(hostname), $(date -u +%FT%TZ)" >&2
exec ${command([...job.babyssa, TASK_COMMAND, job.sweepDir])} "$SLURM_ARRAY_TASK_ID"${job.pinGpu ? ' --gpu' : ''}
`;
  const report = `#!/bin/bash
# babyssa sweep "${job.name}": compare + report, run by Slurm once every array task has succeeded.
${header([
  `--job-name=babyssa-${job.name}-report`,
  '--ntasks=1',
  // A task that failed makes afterok unsatisfiable: cancel this job then, instead of leaving it queued forever.
  '--kill-on-invalid-dep=yes',
  '--open-mode=append',
  `--output=${join(logs, 'report.out')}`,
  ...commonSbatch(sbatch),
])}
set -euo pipefail
cd ${shellWord(job.workdir)}
${command([...job.babyssa, 'compare', job.sweepDir, '--out', job.resultsDir])}
${command([...job.babyssa, 'report', job.resultsDir])}
`;
  const submit = `#!/bin/bash
# Submits sweep "${job.name}" to Slurm: the job array, then compare + report once every task has succeeded (a task
# that fails cancels it). Extra arguments go to both sbatch calls (e.g. --qos=long), except --wait, which waits
# for the compare + report job alone: a wait on the array itself can end while one of its tasks is being requeued.
# Prints the two job ids on stdout.
set -euo pipefail
args=()
wait=()
for arg in "$@"; do
  if [ "$arg" = --wait ] || [ "$arg" = -W ]; then wait=(--wait); else args+=("$arg"); fi
done
array=$(sbatch --parsable "\${args[@]}" ${shellWord(join(scriptDir, 'array.sbatch'))})
array=\${array%%;*}
echo "babyssa: sweep ${job.name}: array job $array (${job.units.length} tasks); logs in ${logs}" >&2
report=$(sbatch --parsable --dependency=afterok:"$array" "\${args[@]}" "\${wait[@]}" ${shellWord(join(scriptDir, 'report.sbatch'))})
report=\${report%%;*}
echo "babyssa: sweep ${job.name}: compare + report job $report after the array" >&2
echo "$array $report"
`;
  return { array, report, submit };
}

/** Writes array.sbatch, report.sbatch and submit.sh (executable) and the logs folder; returns the paths. */
export async function writeSlurmScripts(job: SlurmJob): Promise<{ array: string; report: string; submit: string }> {
  const scripts = slurmScripts(job);
  await mkdir(join(job.scriptDir, 'logs'), { recursive: true });
  const paths = { array: join(job.scriptDir, 'array.sbatch'), report: join(job.scriptDir, 'report.sbatch'), submit: join(job.scriptDir, 'submit.sh') };
  for (const key of ['array', 'report', 'submit'] as const) {
    await writeFile(paths[key], scripts[key]);
    await chmod(paths[key], 0o755);
  }
  return paths;
}
