// `sweep --emit slurm` on a real Slurm (slurm-wlm 22.05 + munge, one slurmctld and one slurmd started here): a
// 2 variants × 2 seeds tiny CPU sweep in two lockstep units of two runs, submitted as a job array of two tasks with
// `sbatch --wait`, one task killed and requeued after its first checkpoint, the other told to stop (the signal
// Slurm sends before a time limit) so it saves and requeues itself; then the compare + report job. Every run must
// equal the same sweep run locally one run per process, bit for bit.
// Without Slurm (or root) the test says why and skips, unless BABYSSA_EXPECT_SLURM=1 (CI), where it fails.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SweepManifest } from '../src/sweep/manifest.js';
import { slurmMissing, startCluster, type SlurmCluster } from './slurm-cluster.js';

const missing = slurmMissing();
const expected = process.env.BABYSSA_EXPECT_SLURM === '1';
if (missing && !expected) console.warn(`skipping the Slurm test: ${missing}`);

const CLI = ['--import', 'tsx', 'src/cli/main.ts'];
const RUNS = ['softmax-seed0', 'softmax-seed1', 'ssa-1.5-seed0', 'ssa-1.5-seed1'];
/**
 * Checkpoints every 7 steps; the tasks are stopped once their first checkpoint is there (a stop by signal probes a
 * probe step it stops at; only a kill between a save and the probe of that step would lose that probe); a
 * metrics line per step, so a resume between two lines changes no line's mean.
 */
const SWEEP = ['--attention', 'softmax,ssa-1.5', '--seeds', '2', '--steps', '30', '--warmup-steps', '2', '--save-every', '7',
  '--probe-every', '15', '--log-every', '1', '--backend', 'wasm'];
/** Two runs per unit on Slurm (the tfjs engine's plain group); the local sweep runs one per process. */
const LOCKSTEP = ['--lockstep', '2'];
const REQUEUED = 'softmax-seed1';
const STOPPED = 'ssa-1.5-seed0';

let dir: string;
let cluster: SlurmCluster | undefined;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'babyssa-slurm-'));
  if (!missing) cluster = await startCluster(join(dir, 'cluster'));
});
afterAll(async () => {
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Two paradigms × 20 pairs of the shipped suite: probing takes a fraction of a second. */
function tinySuite(): string {
  const suite = join(dir, 'suite');
  mkdirSync(suite, { recursive: true });
  for (const file of ['agreement_determiner_noun-between_neighbors.txt', 'anaphor_agreement-pronoun_gender.txt']) {
    writeFileSync(join(suite, file), readFileSync(join('probes/default', file), 'utf8').split('\n').slice(0, 40).join('\n') + '\n');
  }
  return suite;
}

function cli(args: string[], env: NodeJS.ProcessEnv = process.env): string {
  const result = spawnSync(process.execPath, [...CLI, ...args], { encoding: 'utf8', env, timeout: 120_000 });
  if (result.status !== 0) throw new Error(`babyssa ${args.join(' ')}: exit ${result.status}\n${result.stderr}`);
  return result.stdout;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
async function until<T>(what: string, probe: () => T | null | undefined | false, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** What must be identical between two copies of a run: weights, losses, probe accuracies (timings left out). */
function runFingerprint(root: string, run: string) {
  const out = join(root, 'checkpoints', 'demo', run);
  const weights = createHash('sha256').update(readFileSync(join(out, 'step-30', 'model.safetensors'))).digest('hex');
  const losses = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((line) => {
    const { tokens_per_s: _t, elapsed_s: _e, ...rest } = JSON.parse(line) as Record<string, number>;
    return rest;
  });
  const results = join(root, 'results', 'demo', run);
  const probes = readdirSync(results).sort().map((step) => {
    const { elapsed_s: _e, pairs_per_s: _p, scoring_s: _s, created: _c, ...summary } = JSON.parse(readFileSync(join(results, step, 'suite', 'summary.json'), 'utf8'));
    return { step, summary: { ...summary, suite: { ...summary.suite, path: undefined } } };
  });
  return { weights, losses, probes };
}

const comparisonCore = (root: string) => {
  const { table, macro, differences } = JSON.parse(readFileSync(join(root, 'results', 'demo', 'comparison.json'), 'utf8'));
  return { table, macro, differences };
};

describe.skipIf(missing !== null && !expected)('sweep --emit slurm on a real Slurm', () => {
  it('runs the array with a requeued and a self-requeued task, then compare + report; runs equal a local sweep', async () => {
    if (missing) throw new Error(`BABYSSA_EXPECT_SLURM=1 but Slurm cannot run here: ${missing}`);
    const slurm = cluster!;
    const suite = tinySuite();
    const flags = [...SWEEP, '--probe-suite', suite, '--name', 'demo'];

    const local = join(dir, 'local');
    cli(['sweep', ...flags, '--root', join(local, 'checkpoints'), '--parallel', '2']);
    cli(['compare', join(local, 'checkpoints', 'demo'), '--out', join(local, 'results', 'demo')]);

    const remote = join(dir, 'slurm');
    const emitted = cli(['sweep', ...flags, ...LOCKSTEP, '--root', join(remote, 'checkpoints'), '--emit', 'slurm', '--cpus-per-task', '1']);
    expect(emitted).toMatch(/2 array tasks \(one per unit of 2 runs\)/);
    const submit = /bash (\S+submit\.sh)/.exec(emitted)?.[1];
    expect(submit).toBeDefined();
    const sweepJson = join(remote, 'checkpoints', 'demo', 'sweep.json');
    const planned = JSON.parse(readFileSync(sweepJson, 'utf8')) as SweepManifest;
    const unitOf = (run: string) => planned.runs.find((r) => r.id === run)!.unit;
    expect(planned.units.map((u) => u.runs)).toEqual([RUNS.slice(0, 2), RUNS.slice(2)]);
    const submitted = spawn('bash', [submit!, '--wait'], { env: slurm.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    submitted.stdout.on('data', (chunk) => (stdout += chunk));
    submitted.stderr.on('data', (chunk) => (stderr += chunk));
    const finished = new Promise<number>((resolve) => submitted.on('exit', (code) => resolve(code ?? 1)));

    const arrayJob = await until('the array job', () => slurm.run('squeue', ['-h', '-r', '-n', 'babyssa-demo', '-o', '%F']).split('\n')[0]?.trim());
    const firstCheckpoint = (run: string) => existsSync(join(remote, 'checkpoints', 'demo', run, 'step-7'));
    const pendingOnBeginTime = (task: string) => /JobState=PENDING/.test(slurm.run('scontrol', ['show', 'job', task])) || null;
    // A requeued job waits two minutes before it may start again; the test has no time for that. Not at once
    // either: slurmd refuses to launch a job whose credential was revoked (by the kill) in the same second.
    const startNow = async (task: string) => {
      await sleep(1500);
      slurm.run('scontrol', ['update', `JobId=${task}`, 'StartTime=now']);
    };

    // A hard kill: Slurm stops the task and queues it again; it must resume from its last checkpoint.
    const requeued = `${arrayJob}_${unitOf(REQUEUED)}`;
    await until(`${REQUEUED}'s first checkpoint`, () => firstCheckpoint(REQUEUED));
    slurm.run('scontrol', ['requeue', requeued]);
    await until(`${requeued} pending`, () => pendingOnBeginTime(requeued));
    await startNow(requeued);

    // The time-limit path: SIGINT to the task's process, which saves, stops and requeues its own task.
    const stopped = `${arrayJob}_${unitOf(STOPPED)}`;
    await until(`${STOPPED}'s first checkpoint`, () => firstCheckpoint(STOPPED));
    // scancel may report "Job can not be altered now" when the task requeues itself before scancel returns.
    spawnSync('scancel', ['--batch', '--signal=INT', stopped], { env: slurm.env });
    await until(`${stopped} requeued by itself`, () => pendingOnBeginTime(stopped));
    await startNow(stopped);

    const logs = join(remote, 'checkpoints', 'demo', 'slurm', 'logs');
    const allLogs = () => readdirSync(logs).map((file) => `--- ${file}\n${readFileSync(join(logs, file), 'utf8')}`).join('\n');
    // A failed task leaves the report job waiting forever (afterok): give up in time to say why.
    const deadline = new Promise<string>((resolve) => setTimeout(() => resolve('deadline'), 150_000));
    const code = await Promise.race([finished, deadline]);
    if (code === 'deadline') {
      submitted.kill();
      throw new Error(`the jobs did not end in time:\n${slurm.run('squeue', ['-a', '-r', '-o', '%i %T %r'])}\n${stderr}\n${allLogs()}`);
    }
    expect(code, `${stderr}\n${allLogs()}`).toBe(0);
    // With --wait, submit.sh's exit is the compare + report job's, and it prints both job ids.
    expect(stdout.trim()).toMatch(/^\d+ \d+$/);

    // Both units started twice (each was stopped once), every run with its unit.
    const manifest = JSON.parse(readFileSync(sweepJson, 'utf8')) as SweepManifest;
    expect(manifest.runs.map((r) => [r.id, r.state, r.attempts])).toEqual(RUNS.map((id) => [id, 'done', 2]));
    expect(manifest.units.map((u) => [u.state, u.attempts])).toEqual([['done', 2], ['done', 2]]);
    expect(manifest.units.every((u) => u.placement?.startsWith('slurm job '))).toBe(true);
    const log = (run: string) => readFileSync(join(logs, `unit-${unitOf(run)}.out`), 'utf8');
    // Slurm's SIGTERM (the hard requeue) and SIGINT (before a time limit) both have the unit save where it is.
    expect(log(REQUEUED)).toMatch(new RegExp(`${REQUEUED} from step [1-9]`));
    expect(log(STOPPED)).toMatch(/saved and stopped early; requeued its Slurm task/);
    expect(log(STOPPED)).toMatch(new RegExp(`${STOPPED} from step [1-9]`));

    for (const run of RUNS) expect(runFingerprint(remote, run), run).toEqual(runFingerprint(local, run));
    expect(comparisonCore(remote)).toEqual(comparisonCore(local));
    expect(existsSync(join(remote, 'results', 'demo', 'index.html'))).toBe(true);

    // A later local sweep of the same name sees what Slurm finished and trains nothing.
    const again = spawnSync(process.execPath, [...CLI, 'sweep', ...flags, ...LOCKSTEP, '--root', join(remote, 'checkpoints')], { encoding: 'utf8' });
    expect(again.stderr).toMatch(/4 done, 0 stopped \(non-finite\), 0 failed, 0 pending \(ran 0, skipped 4 already done\)/);
  }, 300_000);
});
