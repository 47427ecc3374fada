// One writer per run folder: `.lock` names the process that trains into it (pid, host, and the kernel's start
// time of that pid, so a recycled pid is not taken for the old run). A second `pretrain` into the same folder
// gets one line and stops; the lock of a killed run (SIGKILL, power loss) is recognised as stale and taken over,
// and that run's half-written checkpoint folders are removed.
import { open, readdir, readFile, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { UserError } from '../core/errors.js';

export const LOCK_FILE = '.lock';

interface LockHolder {
  pid: number;
  host: string;
  /** Field 22 of /proc/<pid>/stat (start time in clock ticks since boot); null where /proc is absent. */
  proc_start: string | null;
  started_at: string;
}

export interface RunLock {
  release(): Promise<void>;
}

/** The kernel's start time of a process, the part of its identity a recycled pid does not share. */
function procStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid …": comm may hold spaces and parentheses, so count fields after the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

function isRunning(holder: LockHolder): boolean {
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    // EPERM: the pid exists but belongs to another user.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const now = procStart(holder.pid);
  return holder.proc_start === null || now === null || now === holder.proc_start;
}

async function readHolder(path: string): Promise<LockHolder | null> {
  const text = await readFile(path, 'utf8').catch(() => null);
  if (text === null) return null;
  try {
    const holder = JSON.parse(text) as LockHolder;
    return typeof holder.pid === 'number' && typeof holder.host === 'string' ? holder : null;
  } catch {
    return null; // a lock cut short while being written: its writer died at once
  }
}

function describe(holder: LockHolder): string {
  return `process ${holder.pid} on ${holder.host} (since ${holder.started_at})`;
}

/** Half-written or half-deleted step folders (`.step-N.<pid>.tmp`, `.pruned`) a dead writer left behind. */
async function removeStaleTemps(runDir: string): Promise<void> {
  const names = await readdir(runDir).catch(() => [] as string[]);
  await Promise.all(names.filter((n) => /^\.step-\d+\.\d+\.(tmp|pruned)$/.test(n)).map((n) => rm(join(runDir, n), { recursive: true, force: true })));
}

/** Takes the run folder's lock or fails with one line naming the process that holds it. */
export async function lockRunFolder(runDir: string, log: (line: string) => void): Promise<RunLock> {
  const path = join(runDir, LOCK_FILE);
  const mine: LockHolder = {
    pid: process.pid, host: hostname(), proc_start: procStart(process.pid),
    started_at: new Date(Date.now() - process.uptime() * 1000).toISOString(),
  };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(JSON.stringify(mine) + '\n');
      await handle.close();
      if (attempt > 0) await removeStaleTemps(runDir);
      return { release: () => rm(path, { force: true }) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = await readHolder(path);
    if (holder && holder.pid === mine.pid && holder.host === mine.host) {
      throw new UserError(`${runDir} is already being trained by this process (is it named twice?)`);
    }
    if (holder && holder.host !== mine.host) {
      throw new UserError(`${runDir} is locked by ${describe(holder)}; if no babyssa runs there any more, delete ${path}`);
    }
    if (holder && isRunning(holder)) {
      throw new UserError(`${runDir} is being trained by ${describe(holder)}; wait for it, stop it, or choose another --out`);
    }
    log(`${runDir}: taking over the lock of ${holder ? describe(holder) : 'an unknown process'}, which is no longer running`);
    await rm(path, { force: true });
  }
  throw new UserError(`${runDir}: another process took the lock while a stale one was being removed; try again`);
}
