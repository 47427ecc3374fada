// File basics every layer uses: whole-or-nothing writes, and whether a path is there. A full disk leaves no
// temporary file behind and is one line (disk-full.ts), not a stack trace.
import { access, mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { diskFullError, isDiskFull } from './disk-full.js';

let counter = 0;

/** The file appears whole or not at all: written beside the target, fsynced, renamed over it. */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${counter++}.tmp`);
  try {
    const handle = await open(temp, 'w');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    if (isDiskFull(error)) throw diskFullError(error, dirname(path), Buffer.byteLength(data), basename(path));
    throw error;
  }
}

/** Whether a file or folder is there (and readable). */
export async function pathExists(path: string): Promise<boolean> {
  return access(path).then(() => true, () => false);
}
