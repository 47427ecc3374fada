// Files appear whole or not at all: write beside the target, fsync, rename over it. A full disk leaves no
// temporary file behind and is one line (disk-full.ts), not a stack trace.
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { diskFullError, isDiskFull } from './disk-full.js';

let counter = 0;

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
