// What the tool is, for every result it writes: its package name and version, and the commit only when it runs
// from its own git checkout. The package root comes from this module's own path (PACKAGE_ROOT), never the
// working directory, and a package installed inside some other repository (node_modules) records no commit.
import { execFileSync } from 'node:child_process';
import { readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from './paths.js';

export interface ToolFacts {
  name: string;
  version: string;
  /** HEAD of the tool's own checkout; null for an installed package. */
  git_sha: string | null;
}

function git(args: string[], cwd: string): string {
  return execFileSync('git', args, { cwd, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
}

/** HEAD of the repository whose top folder is `root` itself; null when `root` is not a checkout's top (or git is absent). */
function ownCheckoutCommit(root: string): string | null {
  try {
    if (realpathSync(git(['rev-parse', '--show-toplevel'], root)) !== realpathSync(root)) return null;
    return git(['rev-parse', 'HEAD'], root) || null;
  } catch {
    return null;
  }
}

const cache = new Map<string, ToolFacts>();

export function toolFacts(packageRoot: string = PACKAGE_ROOT): ToolFacts {
  const known = cache.get(packageRoot);
  if (known) return known;
  const pkg = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { name: string; version: string };
  const facts = { name: pkg.name, version: pkg.version, git_sha: ownCheckoutCommit(packageRoot) };
  cache.set(packageRoot, facts);
  return facts;
}
