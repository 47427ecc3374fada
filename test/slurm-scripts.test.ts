// The scripts `sweep --emit slurm` writes, and the flag combinations it refuses (a real Slurm runs them in
// test/slurm.test.ts).
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkClusterFlags } from '../src/cli/sweep-cluster.js';
import { arraySpec, checkSbatchOptions, shellWord, slurmScripts, type SlurmJob } from '../src/sweep/slurm.js';

const job = (sbatch: Partial<SlurmJob['sbatch']> = {}): SlurmJob => ({
  name: 'paper',
  scriptDir: '/home/u/ck/paper/slurm',
  workdir: '/home/u/my project',
  babyssa: ['/usr/bin/node', '/home/u/my project/bin/babyssa.js'],
  sweepDir: 'ck/paper',
  units: Array.from({ length: 20 }, (_, i) => i),
  pinGpu: true,
  resultsDir: '/home/u/results/paper',
  sbatch: { gpusPerTask: 1, ...sbatch },
});
const directives = (script: string) => script.split('\n').filter((line) => line.startsWith('#SBATCH ')).map((line) => line.slice(8));

describe('slurm scripts', () => {
  it('array: one task per unit, requeue-safe, each running sweep-task on its unit', () => {
    const { array } = slurmScripts(job({ partition: 'gpu', time: '04:00:00', account: 'lab', cpusPerTask: 4, mem: '16G' }));
    expect(directives(array)).toEqual([
      '--job-name=babyssa-paper', '--array=0-19', '--ntasks=1', '--requeue', '--open-mode=append',
      '--output=/home/u/ck/paper/slurm/logs/unit-%a.out', '--signal=B:INT@180', '--partition=gpu', '--account=lab', '--time=04:00:00',
      '--gpus-per-task=1', '--cpus-per-task=4', '--mem=16G',
    ]);
    expect(array).toContain("\ncd '/home/u/my project'\n");
    expect(array).toContain("\nexec /usr/bin/node '/home/u/my project/bin/babyssa.js' sweep-task ck/paper \"$SLURM_ARRAY_TASK_ID\" --gpu\n");
  });

  it('leaves out what was not asked for; a CPU sweep asks for no GPU and pins none', () => {
    const { array } = slurmScripts({ ...job({ gpusPerTask: 0 }), pinGpu: false, units: [0, 1, 2, 5, 7, 8] });
    expect(directives(array).filter((d) => /partition|account|time|gpus|cpus|mem/.test(d))).toEqual([]);
    expect(directives(array)).toContain('--array=0-2,5,7-8');
    expect(array).toMatch(/sweep-task ck\/paper "\$SLURM_ARRAY_TASK_ID"\n/);
  });

  it.each([[[0], '0'], [[3, 1, 2], '1-3'], [[0, 2, 4], '0,2,4']])('arraySpec(%j) = %s', (units, spec) => expect(arraySpec(units)).toBe(spec));

  it('report job runs compare then report; submit.sh wires afterok on the array job', () => {
    const { report, submit } = slurmScripts(job({ partition: 'gpu', time: '01:00:00' }));
    expect(directives(report)).toEqual(['--job-name=babyssa-paper-report', '--ntasks=1', '--kill-on-invalid-dep=yes', '--open-mode=append',
      '--output=/home/u/ck/paper/slurm/logs/report.out', '--partition=gpu', '--time=01:00:00']);
    expect(report).toContain("'/home/u/my project/bin/babyssa.js' compare ck/paper --out /home/u/results/paper\n");
    expect(report).toContain("'/home/u/my project/bin/babyssa.js' report /home/u/results/paper\n");
    expect(submit).toContain(`array=$(sbatch --parsable "\${args[@]}" /home/u/ck/paper/slurm/array.sbatch)`);
    expect(submit).toContain(`report=$(sbatch --parsable --dependency=afterok:"$array" "\${args[@]}" "\${wait[@]}" /home/u/ck/paper/slurm/report.sbatch)`);
  });

  it('submit.sh passes its arguments to both jobs, but --wait to the compare + report job alone', () => {
    const bin = mkdtempSync(join(tmpdir(), 'babyssa-sbatch-'));
    try {
      // A stand-in sbatch that records its arguments and answers with a job id, as --parsable does.
      writeFileSync(join(bin, 'sbatch'), `#!/bin/bash\necho "$*" >> ${bin}/calls\necho $(( $(wc -l < ${bin}/calls) + 40 ))\n`);
      chmodSync(join(bin, 'sbatch'), 0o755);
      writeFileSync(join(bin, 'submit.sh'), slurmScripts(job()).submit);
      const run = spawnSync('bash', [join(bin, 'submit.sh'), '--qos=long', '--wait'], { encoding: 'utf8', env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } });
      expect(run.stdout).toBe('41 42\n');
      expect(readFileSync(join(bin, 'calls'), 'utf8').split('\n')).toEqual([
        '--parsable --qos=long /home/u/ck/paper/slurm/array.sbatch',
        '--parsable --dependency=afterok:41 --qos=long --wait /home/u/ck/paper/slurm/report.sbatch',
        '',
      ]);
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
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
    [{ emit: 'slurm', parallel: 2 }, '--parallel runs units at once here; with --emit slurm, Slurm runs them'],
    [{ gpus: 'all', backend: 'wasm' }, '--gpus places units on GPUs; --backend wasm trains on the CPU'],
  ])('sweep refuses %j', (flags, message) => {
    expect(() => checkClusterFlags({ parallel: 1, ...flags })).toThrow(message);
  });
});
