// sweep.json shared by processes that each drive some of its units (Slurm array tasks on one node or many, a
// local `babyssa sweep`): every change is a read-modify-write under a lock, and a process writes back only the
// units it drives (recordUnit), so one process's update never overwrites another's. The lock is a
// directory (mkdir is atomic on local disks and on NFS, where cluster home folders live); a lock older than
// STALE_MS belongs to a task killed while holding it, because a holder keeps it only for one small write.
import { mkdir, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/files.js';
import { MANIFEST, readManifest, writeManifest, type SweepManifest, type SweepUnit } from './manifest.js';

/** 30 s: far above one manifest write (milliseconds), short enough that a killed holder delays others little. */
const STALE_MS = 30_000;
/** Poll interval while another process holds the lock. */
const RETRY_MS = 50;

async function acquire(lock: string): Promise<void> {
  for (;;) {
    try {
      await mkdir(lock);
      await writeFileAtomic(join(lock, 'owner'), `${hostname()} ${process.pid}\n`);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const since = await stat(lock).then((s) => Date.now() - s.mtimeMs, () => 0);
    if (since > STALE_MS) await rm(lock, { recursive: true, force: true });
    else await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
  }
}

/**
 * Reads the sweep's manifest under its lock, lets `change` edit it (or build it when there is none yet), and
 * writes the result before releasing the lock. Returns what was written.
 */
export async function updateManifest(dir: string, change: (manifest: SweepManifest | null) => SweepManifest): Promise<SweepManifest> {
  await mkdir(dir, { recursive: true });
  const lock = join(dir, `${MANIFEST}.lock`);
  await acquire(lock);
  try {
    const manifest = change(await readManifest(dir));
    await writeManifest(manifest);
    return manifest;
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

/** Writes one unit's record and its runs' records from `manifest` into sweep.json, leaving every other unit as it is there. */
export function recordUnit(manifest: SweepManifest, unit: SweepUnit): Promise<SweepManifest> {
  return updateManifest(manifest.dir, (onDisk) => {
    const current = onDisk ?? manifest;
    const runs = new Map(manifest.runs.filter((r) => unit.runs.includes(r.id)).map((r) => [r.id, r]));
    return {
      ...current,
      units: current.units.map((u) => (u.index === unit.index ? { ...unit } : u)),
      runs: current.runs.map((r) => (runs.has(r.id) ? { ...runs.get(r.id)! } : r)),
    };
  });
}
