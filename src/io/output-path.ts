// Where a command writes: refused up front, before any work, when it would overwrite something without
// --overwrite or when a file stands where a folder is meant (and the other way round).
import { readdir, stat } from 'node:fs/promises';
import { UserError } from '../core/errors.js';

/** `--out` as a folder to write into: absent, empty, or (with overwrite) any folder; never a file. */
export async function checkOutputFolder(path: string, overwrite: boolean): Promise<void> {
  const info = await stat(path).catch(() => null);
  if (!info) return;
  if (!info.isDirectory()) throw new UserError(`--out ${path} is a file, not a folder; choose another --out`);
  if (!overwrite && (await readdir(path)).length > 0) throw new UserError(`${path} is not empty; choose another --out or pass --overwrite`);
}

/** `--out` as one file to write: absent, or (with overwrite) a file; never a folder. */
export async function checkOutputFile(path: string, overwrite: boolean): Promise<void> {
  const info = await stat(path).catch(() => null);
  if (!info) return;
  if (info.isDirectory()) throw new UserError(`${path} is a folder, not a file; choose another --out`);
  if (!overwrite) throw new UserError(`${path} exists; choose another --out or pass --overwrite`);
}
