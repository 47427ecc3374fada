// A real one-node Slurm for tests: munged, slurmctld and slurmd started in the foreground as children of the
// test, configured from test/fixtures/slurm/slurm.conf.in in a temporary folder (SLURM_CONF points the client
// commands there), stopped by stop(). Needs Debian's slurm-wlm and munge, and root.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';

const DAEMONS = ['munged', 'slurmctld', 'slurmd'];
const CLIENTS = ['sbatch', 'scontrol', 'squeue', 'sinfo', 'scancel'];
const SBIN = ['/usr/sbin', '/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin'];

function find(program: string): string | null {
  for (const dir of [...(process.env.PATH ?? '').split(':'), ...SBIN]) {
    if (dir && existsSync(join(dir, program))) return join(dir, program);
  }
  return null;
}

/** Why a local Slurm cannot be started here, or null when it can. */
export function slurmMissing(): string | null {
  const absent = [...DAEMONS, ...CLIENTS].filter((p) => find(p) === null);
  if (absent.length > 0) return `not installed: ${absent.join(', ')} (apt-get install slurm-wlm munge)`;
  if (process.getuid?.() !== 0) return 'the test Slurm runs its daemons as root; run the tests as root';
  return null;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitFor(what: string, check: () => boolean, timeoutMs: number, logs: string[]): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) {
      const tails = logs.filter(existsSync).map((log) => `--- ${log}\n${readFileSync(log, 'utf8').split('\n').slice(-15).join('\n')}`);
      throw new Error(`test Slurm: ${what} did not happen within ${timeoutMs / 1000} s\n${tails.join('\n')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

export interface SlurmCluster {
  /** Environment for client commands and for everything a job starts (sbatch exports it to the job). */
  env: NodeJS.ProcessEnv;
  /** Runs a client command; returns its stdout, throws with stderr when it fails. */
  run(program: string, args: string[]): string;
  stop(): Promise<void>;
}

export async function startCluster(dir: string): Promise<SlurmCluster> {
  for (const sub of ['munge', 'state', 'spool', 'log']) mkdirSync(join(dir, sub), { recursive: true });
  chmodSync(join(dir, 'munge'), 0o711);
  const key = join(dir, 'munge', 'munge.key');
  writeFileSync(key, randomBytes(1024));
  chmodSync(key, 0o400);
  const conf = join(dir, 'slurm.conf');
  const node = spawnSync(find('slurmd')!, ['-C'], { encoding: 'utf8' }).stdout.split('\n')[0].replace(/^NodeName=\S+/, 'NodeName=localhost');
  const fields: Record<string, string> = {
    HOST: hostname().split('.')[0], CTLD_PORT: String(await freePort()), SLURMD_PORT: String(await freePort()), DIR: dir, NODE: node,
  };
  const template = readFileSync(new URL('./fixtures/slurm/slurm.conf.in', import.meta.url), 'utf8');
  writeFileSync(conf, template.replace(/@(\w+)@/g, (_, name: string) => fields[name]));
  const env = { ...process.env, SLURM_CONF: conf };
  const logs = [join(dir, 'log', 'slurmctld.log'), join(dir, 'log', 'slurmd.log'), join(dir, 'munge', 'munged.log')];

  const children: ChildProcess[] = [];
  const start = (program: string, args: string[]) => {
    const child = spawn(find(program)!, args, { env, stdio: 'ignore' });
    children.push(child);
    return child;
  };
  const munge = join(dir, 'munge');
  // --force: munged refuses a key under /tmp (world-writable parent) otherwise.
  start('munged', ['-F', '--force', `--socket=${munge}/socket`, `--key-file=${key}`, `--pid-file=${munge}/munged.pid`,
    `--log-file=${munge}/munged.log`, `--seed-file=${munge}/munged.seed`]);
  await waitFor('munged socket', () => existsSync(join(munge, 'socket')), 20_000, logs);
  start('slurmctld', ['-D', '-i']);
  start('slurmd', ['-D', '-N', 'localhost']);

  const run = (program: string, args: string[]): string => {
    const result = spawnSync(find(program)!, args, { env, encoding: 'utf8', timeout: 60_000 });
    if (result.status !== 0) throw new Error(`${program} ${args.join(' ')}: exit ${result.status}: ${result.stderr}`);
    return result.stdout;
  };
  const stop = async () => {
    await Promise.all(children.map((child) => new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    })));
  };
  try {
    await waitFor('node localhost idle', () => {
      const state = spawnSync(find('sinfo')!, ['-h', '-n', 'localhost', '-o', '%t'], { env, encoding: 'utf8' });
      return state.status === 0 && state.stdout.trim() === 'idle';
    }, 60_000, logs);
  } catch (error) {
    await stop();
    throw error;
  }
  return { env, run, stop };
}
