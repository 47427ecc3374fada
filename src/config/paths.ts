// Paths of files shipped with the package (embedded corpus, tokenizer, default probe suite), so the defaults
// work from any working directory.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

function findPackageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('babyssa: cannot find the package root');
    dir = parent;
  }
  return dir;
}

export const PACKAGE_ROOT = findPackageRoot();

/** A relative path that does not exist from the working directory is looked up in the package. */
export function shippedPath(path: string): string {
  if (existsSync(path)) return resolve(path);
  const inPackage = join(PACKAGE_ROOT, path);
  return existsSync(inPackage) ? inPackage : resolve(path);
}
