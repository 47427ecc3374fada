// stopped.json: why a run stopped on its own while the rest of its group (or nothing) went on. It sits in the
// run folder beside the checkpoints, so a sweep (or a user) reads the run's fate from the folder alone; it is
// removed when the run starts or resumes again.
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/files.js';

export const STOP_FILE = 'stopped.json';

export interface StopRecord {
  /** non-finite: the loss, gradient norm or weights became NaN/Infinity (a resumed run repeats it); error: anything else. */
  reason: 'non-finite' | 'error';
  /** The step that failed. */
  step: number;
  message: string;
  /** Highest checkpoint whose weights and optimizer state are all finite, or null when none was saved. */
  last_good_checkpoint: string | null;
  at: string;
}

export async function writeStopRecord(runDir: string, record: Omit<StopRecord, 'at'>): Promise<StopRecord> {
  const full = { ...record, at: new Date().toISOString() };
  await writeFileAtomic(join(runDir, STOP_FILE), JSON.stringify(full, null, 2) + '\n');
  return full;
}

export async function readStopRecord(runDir: string): Promise<StopRecord | null> {
  const text = await readFile(join(runDir, STOP_FILE), 'utf8').catch(() => null);
  if (text === null) return null;
  try {
    return JSON.parse(text) as StopRecord;
  } catch {
    return null; // written atomically, so unreadable only when edited by hand: treat as absent
  }
}

export async function clearStopRecord(runDir: string): Promise<void> {
  await rm(join(runDir, STOP_FILE), { force: true });
}
