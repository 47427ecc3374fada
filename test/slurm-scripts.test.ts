// The scripts `sweep --emit slurm` writes, and the flag combinations it refuses (a real Slurm runs them in
// test/slurm.test.ts).
import { describe, expect, it } from 'vitest';
import { checkClusterFlags } from '../src/cli/sweep-cluster.js';
import { checkSbatchOptions, shellWord, slurmPlacement, slurmScripts, type SlurmJob } from '../src/sweep/slurm.js';

const job = (sbatch: Partial<SlurmJob['sbatch']> = {}): SlurmJob => ({
  name: 'paper',
  scriptDir: '/home/u/ck/paper/slurm',
  workdir: '/home/u/my project',
  babyssa: ['/usr/bin/node', '/home/u/my project/bin/babyssa.js'],
  unitArgs: ['--name', 'paper', '--root', 'ck', '--attention', 'softmax,ssa-1.5', '--seeds', '10', '--first-seed', '0', '--steps', '160000', '--gpus', 'all'],
  units: 20,
  sweepDir: '/home/u/ck/paper',
  resultsDir: '/home/u/results/paper',
  sbatch: { gpusPerTask: 1, ...sbatch },
});
const directives = (script: string) => script.split('\n').filter((line) => line.startsWith('#SBATCH ')).map((line) => line.slice(8));

describe('slurm scripts', () => {
  it('array: one task per unit, requeue-safe, resuming through --unit $SLURM_ARRAY_TASK_ID', () => {
    const { array } = slurmScripts(job({ partition: 'gpu', time: '04:00:00', account: 'lab', cpusPerTask: 4, mem: '16G' }));
    expect(directives(array)).toEqual([
      '--job-name=babyssa-paper', '--array=0-19', '--ntasks=1', '--requeue', '--open-mode=append',
      '--output=/home/u/ck/paper/slurm/logs/unit-%a.out', '--signal=B:INT@180', '--partition=gpu', '--account=lab', '--time=04:00:00',
      '--gpus-per-task=1', '--cpus-per-task=4', '--mem=16G',
    ]);
    expect(array).toContain("\ncd '/home/u/my project'\n");
    expect(array).toContain("\nexec /usr/bin/node '/home/u/my project/bin/babyssa.js' sweep --name paper --root ck --attention softmax,ssa-1.5 " +
      '--seeds 10 --first-seed 0 --steps 160000 --gpus all --unit "$SLURM_ARRAY_TASK_ID"\n');
  });

  it('leaves out what was not asked for; a CPU sweep asks for no GPU', () => {
    expect(directives(slurmScripts(job({ gpusPerTask: 0 })).array).filter((d) => /partition|account|time|gpus|cpus|mem/.test(d))).toEqual([]);
  });

  it('report job runs compare then report; submit.sh wires afterok on the array job', () => {
    const { report, submit } = slurmScripts(job({ partition: 'gpu', time: '01:00:00' }));
    expect(directives(report)).toEqual(['--job-name=babyssa-paper-report', '--ntasks=1', '--open-mode=append',
      '--output=/home/u/ck/paper/slurm/logs/report.out', '--partition=gpu', '--time=01:00:00']);
    expect(report).toContain("'/home/u/my project/bin/babyssa.js' compare /home/u/ck/paper --out /home/u/results/paper\n");
    expect(report).toContain("'/home/u/my project/bin/babyssa.js' report /home/u/results/paper\n");
    expect(submit).toContain('array=$(sbatch --parsable "$@" /home/u/ck/paper/slurm/array.sbatch)');
    expect(submit).toContain('report=$(sbatch --parsable --dependency=afterok:"$array" "$@" /home/u/ck/paper/slurm/report.sbatch)');
  });

  it.each([
    ['plain', 'plain'],
    ['a b', "'a b'"],
    ["it's", "'it'\\''s'"],
    ['$HOME', "'$HOME'"],
    ['a,b=c:d/e.f@%+-', 'a,b=c:d/e.f@%+-'],
  ])('shellWord(%j) = %s', (word, quoted) => expect(shellWord(word)).toBe(quoted));

  it.each([
    [{ partition: 'gpu queue' }, '--partition "gpu queue" is not a partition name'],
    [{ time: '4h' }, '--time "4h" is not minutes'],
    [{ mem: '16 GB' }, '--mem "16 GB" is not a size'],
    [{ account: 'a;b' }, '--account "a;b" is not an account name'],
    [{ cpusPerTask: 0 }, '--cpus-per-task must be a positive integer'],
    [{ gpusPerTask: 2 }, '--gpus-per-task must be 0 or 1'],
  ])('refuses %j', (options, message) => {
    expect(() => checkSbatchOptions({ gpusPerTask: 1, ...options })).toThrow(message);
  });

  it.each([
    [{ partition: 'gpu' }, '--partition is a Slurm setting: add --emit slurm'],
    [{ emit: 'slurm', gpus: 'all' }, '--gpus places units on this host'],
    [{ emit: 'slurm', unit: 0 }, '--unit runs one unit; --emit slurm'],
    [{ unit: 0, parallel: 2 }, '--unit runs one unit; --parallel does not apply'],
    [{ gpus: 'all', backend: 'wasm' }, '--gpus places units on GPUs; --backend wasm trains on the CPU'],
  ])('sweep refuses %j', (flags, message) => {
    expect(() => checkClusterFlags({ parallel: 1, ...flags })).toThrow(message);
  });

  it('names the Slurm job a task runs in, and nothing outside Slurm', () => {
    expect(slurmPlacement({ SLURM_JOB_ID: '41', SLURM_ARRAY_JOB_ID: '37', SLURM_ARRAY_TASK_ID: '2', SLURMD_NODENAME: 'node07' })).toBe('slurm job 41 (array 37_2) on node07');
    expect(slurmPlacement({})).toBeNull();
  });
});
